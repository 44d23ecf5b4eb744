"""From sampled sequences to K-step unrolls with their targets (inside the compiled step).

Input: sequence fields [B, L, ...] (pipeline/replay/spec.py) and their value
targets z [B, L] (pipeline/learner/returns.py). Each sequence gives S unroll
starts (config.learner.unroll_starts):

  "random"  S = 1: one start, uniform over the real steps s <= L - 1 - K;
  "all"     S = L - overlap (the writer's period): every real step s < period.
            The writer (pipeline/replay/writer.py) puts every real step of an
            episode at such a position in exactly one item, so a stream of
            items, each used once (the paper's queue), starts an unroll from
            every step once.

N = B * S unrolls; the unroll from s gets
  observation [N, *obs]       o_s (float32)
  actions [N, K]              a_s .. a_{s+K-1} (random past an episode's end)
  target_value [N, K+1, Vb]   two-hot z_s .. z_{s+K}
  target_reward [N, K, Rb]    two-hot r_s .. r_{s+K-1} (0 past the end)
  target_policy [N, K+1, A]   visit distributions; policy_mask [N, K+1]
  value_scalar [N, K+1]       the scalar value targets (priorities, logs)
  start [B, S]                s, for the past-policies loss
  weight [B, S]               1 for an unroll that counts (a real start), else 0
"""
from typing import Dict, NamedTuple, Tuple

import tensorflow as tf

from pipeline.networks import value_transform

START_RULES = ("random", "all")


class UnrollBatch(NamedTuple):
  observation: tf.Tensor
  actions: tf.Tensor
  target_value: tf.Tensor
  target_reward: tf.Tensor
  target_policy: tf.Tensor
  policy_mask: tf.Tensor
  value_scalar: tf.Tensor
  start: tf.Tensor
  weight: tf.Tensor


def random_starts(mask: tf.Tensor, unroll_steps: int, uniform: tf.Tensor
                  ) -> Tuple[tf.Tensor, tf.Tensor]:
  """One start per sequence, uniform over real steps s <= L - 1 - K.

  mask [B, L]; uniform [B, L - K] in (0, 1). Returns start [B, 1] int32, weight [B, 1].
  """
  allowed = mask[:, : mask.shape[1] - unroll_steps] > 0
  first = tf.one_hot(tf.zeros_like(allowed[:, 0], tf.int32), allowed.shape[1], on_value=True,
                     off_value=False)
  allowed = allowed | (first & ~tf.reduce_any(allowed, axis=1, keepdims=True))
  start = tf.argmax(uniform * tf.cast(allowed, uniform.dtype), axis=1, output_type=tf.int32)
  return start[:, None], tf.ones_like(mask[:, :1])


def all_starts(mask: tf.Tensor, period: int) -> Tuple[tf.Tensor, tf.Tensor]:
  """Every real step s < period: start [B, period] int32, weight [B, period]."""
  start = tf.tile(tf.range(period)[None], [tf.shape(mask)[0], 1])
  return start, mask[:, :period]


def make_unroll_batch(seq: Dict[str, tf.Tensor], z: tf.Tensor, start: tf.Tensor,
                      weight: tf.Tensor, random_actions: tf.Tensor, value_support: int,
                      reward_support: int) -> UnrollBatch:
  """The unrolls from `start` [B, S] (see the module doc); random_actions [B, S, K] int32."""
  k = random_actions.shape[-1]
  idx = start[..., None] + tf.range(k + 1)[None, None]                   # [B, S, K+1]
  at = lambda x: tf.gather(x, idx, batch_dims=1)                          # [B, S, K+1, ...]
  mask, last = tf.cast(seq["mask"], tf.float32), tf.cast(seq["last"], tf.float32)
  alive = at(mask) * (1.0 - at(last))                                     # a real, non-final state
  actions = tf.where(alive[..., :k] > 0, at(seq["action"])[..., :k], random_actions)
  rewards = at(seq["reward"])[..., :k] * alive[..., :k]
  values = at(z)
  obs = tf.gather(seq["observation"], start, batch_dims=1)                # [B, S, *obs]
  flat = lambda x: tf.reshape(x, tf.concat([[-1], tf.shape(x)[2:]], 0))
  return UnrollBatch(
      observation=tf.cast(flat(obs), tf.float32),
      actions=flat(tf.cast(actions, tf.int32)),
      target_value=flat(value_transform.scalar_to_two_hot(values, value_support)),
      target_reward=flat(value_transform.scalar_to_two_hot(rewards, reward_support)),
      target_policy=flat(tf.cast(at(seq["policy"]), tf.float32)),
      policy_mask=flat(alive),
      value_scalar=flat(values),
      start=start,
      weight=weight)
