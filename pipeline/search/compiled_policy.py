"""In-graph noise and acting helpers (TensorFlow versions of policy.py's).

stateless_gamma / dirichlet_noise draw the root noise from a stateless seed
under XLA (tf.random.stateless_gamma has no XLA kernel); visit_policy /
select_actions turn visit counts [B, A] into the acting policy and actions
as policy.visit_policy / policy.select_actions do.
"""
from typing import Optional

import numpy as np
import tensorflow as tf

from pipeline.search import compiled_ops


def stateless_gamma(shape, seed: tf.Tensor, alpha: float,
                    dtype=tf.float64, proposals: int = 12) -> tf.Tensor:
  """Gamma(alpha, 1) draws from a stateless seed, XLA-compatible.

  tf.random.stateless_gamma has no XLA kernel, so this is Marsaglia and
  Tsang's method (2000) with a fixed number of proposals per draw (each is
  accepted with probability > 0.95 for shape >= 1, so 12 proposals all fail
  with probability < 1e-15; then the draw is the mode-like value d), and
  Gamma(alpha) = Gamma(alpha + 1) * U ** (1 / alpha) for alpha < 1.
  """
  alpha = float(alpha)
  if alpha <= 0:
    raise ValueError(f"alpha must be > 0, got {alpha}")
  shape = list(shape)
  seeds = tf.random.experimental.stateless_split(seed, 3)
  a = alpha + 1.0 if alpha < 1.0 else alpha
  d = a - 1.0 / 3.0
  c = 1.0 / np.sqrt(9.0 * d)
  x = tf.random.stateless_normal([proposals] + shape, seeds[0], dtype=dtype)
  u = tf.random.stateless_uniform([proposals] + shape, seeds[1], dtype=dtype)
  v = (1.0 + c * x) ** 3
  safe_v = tf.where(v > 0, v, tf.ones_like(v))
  accept = (v > 0) & (tf.math.log(u) < 0.5 * x * x + d - d * safe_v +
                      d * tf.math.log(safe_v))
  index = tf.range(proposals)[:, None]
  index = tf.reshape(index, [proposals] + [1] * len(shape))
  first = tf.reduce_min(tf.where(accept, index, proposals), axis=0)
  pick = tf.equal(index, first[None])
  sample = tf.reduce_sum(tf.where(pick, d * safe_v, tf.zeros_like(v)),
                         axis=0)
  sample = tf.where(first < proposals, sample,
                    tf.fill(shape, tf.constant(d, dtype)))
  if alpha < 1.0:
    u_boost = tf.random.stateless_uniform(shape, seeds[2], dtype=dtype)
    sample = sample * u_boost ** (1.0 / alpha)
  return tf.cast(sample, dtype)


def dirichlet_noise(seed: tf.Tensor, alpha: float, valid: tf.Tensor,
                    dtype=tf.float64) -> tf.Tensor:
  """One Dir(alpha) draw per row over its valid actions, from a stateless seed.

  seed: [2] int32/int64; valid: [B, A] bool (static shape). As
  policy.dirichlet_noise (an all-zero draw gives the uniform distribution over
  the valid actions), with a different random stream; runs under XLA.
  """
  valid_f = tf.cast(valid, dtype)
  g = stateless_gamma(valid.shape, seed, alpha, dtype) * valid_f
  total = tf.reduce_sum(g, axis=-1, keepdims=True)
  uniform = valid_f / tf.reduce_sum(valid_f, axis=-1, keepdims=True)
  return tf.where(total > 0, g / tf.where(total > 0, total, 1.0), uniform)


def visit_policy(visit_counts: tf.Tensor, temperature: float) -> tf.Tensor:
  """policy.visit_policy in TensorFlow: counts ** (1 / T), normalised [B, A]."""
  counts = tf.cast(visit_counts, tf.float64)
  if temperature < 0:
    raise ValueError(f"temperature must be >= 0, got {temperature}")
  num_actions = counts.shape[-1]
  if temperature == 0:
    return tf.one_hot(compiled_ops.first_argmax(counts), num_actions,
                      dtype=tf.float64)
  top = tf.reduce_max(counts, axis=-1, keepdims=True)
  w = (counts / tf.where(top > 0, top, 1.0)) ** (1.0 / temperature)
  total = tf.reduce_sum(w, axis=-1, keepdims=True)
  uniform = tf.fill(tf.shape(w), tf.constant(1.0 / num_actions, tf.float64))
  return tf.where(total > 0, w / tf.where(total > 0, total, 1.0), uniform)


def select_actions(visit_counts: tf.Tensor, temperature: float,
                   seed: tf.Tensor,
                   invalid_actions: Optional[tf.Tensor] = None) -> tf.Tensor:
  """Samples one action per row from visit_policy (argmax when T = 0), int32.

  Invalid actions are never chosen (a row without mass on a valid action
  falls back to uniform over its valid actions). seed: [2] stateless seed.
  """
  counts = tf.cast(visit_counts, tf.float64)
  if invalid_actions is None:
    invalid = tf.zeros(tf.shape(counts), tf.bool)
  else:
    invalid = tf.convert_to_tensor(invalid_actions, tf.bool)
  counts = tf.where(invalid, tf.zeros_like(counts), counts)
  if temperature == 0:
    return compiled_ops.first_argmax(
        tf.where(invalid, -tf.ones_like(counts), counts))
  policy = tf.where(invalid, tf.zeros_like(counts),
                    visit_policy(counts, temperature))
  total = tf.reduce_sum(policy, axis=-1, keepdims=True)
  valid_f = tf.cast(tf.logical_not(invalid), tf.float64)
  valid_uniform = valid_f / tf.reduce_sum(valid_f, axis=-1, keepdims=True)
  policy = tf.where(total > 0, policy / tf.where(total > 0, total, 1.0),
                    valid_uniform)
  cdf = tf.cumsum(policy, axis=-1)
  u = tf.random.stateless_uniform(tf.shape(cdf)[:1], seed,
                                  dtype=tf.float64)[:, None] * cdf[:, -1:]
  above = cdf > u
  num_actions = counts.shape[-1]
  index = tf.range(num_actions, dtype=tf.int32)
  first_above = tf.reduce_min(tf.where(above, index, num_actions), axis=-1)
  last_positive = tf.reduce_max(tf.where(policy > 0, index, -1), axis=-1)
  return tf.where(first_above < num_actions, first_above, last_positive)
