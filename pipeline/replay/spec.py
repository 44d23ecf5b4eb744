"""What one stored step holds, as TensorSpecs (the Reverb table signature).

Per step t of a sequence of L steps:
  observation [*obs]   the observation o_t (the env's dtype)
  action []            a_t (int32; random on an episode's last step)
  reward []            r_t received after a_t (0 on a last step)
  discount []          0 if a_t ended the episode by termination, else 1; on an
                       episode's last step: 0 if it terminated (the value
                       absorbs), 1 if it was truncated (bootstrap from it)
  policy [A]           the search's visit distribution at o_t (the policy target)
  behaviour []         mu(a_t | o_t): the probability the actor gave a_t
  value []             the search root value at o_t (0 after a termination)
  last []              1 on an episode's final observation
  mask []              1 on real steps, 0 on padding after an episode's end
"""
from typing import Dict, Tuple

import numpy as np
import tensorflow as tf

STEP_FIELDS = ("observation", "action", "reward", "discount", "policy", "behaviour", "value",
               "last", "mask")


def step_spec(observation_shape: Tuple[int, ...], observation_dtype, num_actions: int
              ) -> Dict[str, tf.TensorSpec]:
  f32 = tf.float32
  return {
      "observation": tf.TensorSpec(tuple(observation_shape), tf.as_dtype(observation_dtype)),
      "action": tf.TensorSpec([], tf.int32),
      "reward": tf.TensorSpec([], f32),
      "discount": tf.TensorSpec([], f32),
      "policy": tf.TensorSpec([num_actions], f32),
      "behaviour": tf.TensorSpec([], f32),
      "value": tf.TensorSpec([], f32),
      "last": tf.TensorSpec([], f32),
      "mask": tf.TensorSpec([], f32),
  }


def sequence_signature(spec: Dict[str, tf.TensorSpec], length: int) -> Dict[str, tf.TensorSpec]:
  """The item signature: every field with a leading time axis [L, ...]."""
  return {k: tf.TensorSpec([length] + s.shape.as_list(), s.dtype) for k, s in spec.items()}


def zero_step(spec: Dict[str, tf.TensorSpec]) -> Dict[str, np.ndarray]:
  """A padding step: zeros everywhere, mask 0."""
  return {k: np.zeros(s.shape, s.dtype.as_numpy_dtype) for k, s in spec.items()}


def signature_mismatch(theirs, ours: Dict[str, tf.TensorSpec]) -> str:
  """'' if a server table's signature equals `ours`, else what differs first (one line)."""
  theirs = theirs or {}
  if not isinstance(theirs, dict):
    return f"its items are {type(theirs).__name__}, not the fields {sorted(ours)}"
  missing, extra = sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))
  if missing or extra:
    return f"fields differ (missing there: {missing or 'none'}; only there: {extra or 'none'})"
  for key in sorted(ours):
    a, b = theirs[key], ours[key]
    if a.shape.as_list() != b.shape.as_list() or a.dtype != b.dtype:
      return (f"field {key!r} is {a.shape.as_list()} {a.dtype.name} there and "
              f"{b.shape.as_list()} {b.dtype.name} here")
  return ""
