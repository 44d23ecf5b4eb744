"""MuZero's loss over a K-step unroll (categorical value/reward, policy CE).

  loss = sum_{k=0..K} s_k (w_v CE(z_k, v_k) + w_p m_k CE(pi_k, p_k))
       + sum_{k=1..K} (1/K) w_r CE(u_k, r_k)
with s_0 = 1 and s_k = 1/K for the unrolled steps (MuZero's gradient scale),
m_k the policy mask (0 past an episode's end). Shapes in the docstrings.
"""
from typing import Dict, NamedTuple

import tensorflow as tf


class LossWeights(NamedTuple):
  value: float = 0.25
  reward: float = 1.0
  policy: float = 1.0


def cross_entropy(target_probs: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
  """-sum p log softmax(logits) over the last axis: [..., N] -> [...]."""
  return -tf.reduce_sum(target_probs * tf.nn.log_softmax(logits), axis=-1)


def step_scales(unroll_steps: int) -> tf.Tensor:
  """[K + 1]: 1 for the root step, 1/K for each unrolled step."""
  k = unroll_steps
  return tf.concat([[1.0], tf.fill([k], 1.0 / k)], axis=0)


def muzero_loss(value_logits, reward_logits, policy_logits, target_value, target_reward,
                target_policy, policy_mask, weights: LossWeights) -> Dict[str, tf.Tensor]:
  """Per-example losses [B].

  value_logits [B, K+1, Vb], reward_logits [B, K, Rb], policy_logits [B, K+1, A];
  targets of the same shapes (probabilities), policy_mask [B, K+1].
  """
  k = reward_logits.shape[1]
  scales = step_scales(k)
  value = tf.reduce_sum(scales * cross_entropy(target_value, value_logits), axis=1)
  reward = tf.reduce_sum(cross_entropy(target_reward, reward_logits), axis=1) / k
  policy = tf.reduce_sum(scales * policy_mask * cross_entropy(target_policy, policy_logits),
                         axis=1)
  total = weights.value * value + weights.reward * reward + weights.policy * policy
  return {"total": total, "value": value, "reward": reward, "policy": policy}


def scale_gradient(x: tf.Tensor, scale: float) -> tf.Tensor:
  """Identity forward; the gradient is multiplied by `scale`."""
  return x * scale + tf.stop_gradient(x) * (1.0 - scale)
