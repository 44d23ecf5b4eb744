"""Value and policy heads as plain weight lists, so that many snapshots of them
can be evaluated in one batched op (the past-policies loss).

A head is an MLP on the flattened latent: Dense(hidden) -> ReLU -> Dense(out).
`head_apply(weights, x)` runs one head; `stacked_head_apply(stacked, x)` runs P
snapshots at once with weights stacked on a leading axis.
"""
from typing import List, Sequence

import tensorflow as tf


class Head(tf.Module):
  """An MLP head on a flat latent: [B, D] -> [B, out]."""

  def __init__(self, in_size: int, hidden: int, out_size: int, name: str):
    super().__init__(name=name)
    init = tf.keras.initializers.GlorotUniform()
    with self.name_scope:
      self.w1 = tf.Variable(init((in_size, hidden)), name="w1")
      self.b1 = tf.Variable(tf.zeros([hidden]), name="b1")
      # A zero output layer: uniform policy and value/reward logits at start.
      self.w2 = tf.Variable(tf.zeros((hidden, out_size)), name="w2")
      self.b2 = tf.Variable(tf.zeros([out_size]), name="b2")

  @property
  def weights(self) -> List[tf.Variable]:
    return [self.w1, self.b1, self.w2, self.b2]

  def __call__(self, x: tf.Tensor) -> tf.Tensor:
    return head_apply(self.weights, x)


def head_apply(weights: Sequence[tf.Tensor], x: tf.Tensor) -> tf.Tensor:
  """One head: weights [w1 [D, H], b1 [H], w2 [H, O], b2 [O]], x [B, D] -> [B, O]."""
  w1, b1, w2, b2 = weights
  return tf.nn.relu(x @ w1 + b1) @ w2 + b2


def stacked_head_apply(stacked: Sequence[tf.Tensor], x: tf.Tensor) -> tf.Tensor:
  """P heads at once: weights [P, ...] each, x [B, D] or [P, B, D] -> [P, B, O]."""
  w1, b1, w2, b2 = stacked
  if x.shape.rank == 2:
    hidden = tf.einsum("bd,pdh->pbh", x, w1)
  else:
    hidden = tf.einsum("pbd,pdh->pbh", x, w1)
  hidden = tf.nn.relu(hidden + b1[:, None, :])
  return tf.einsum("pbh,pho->pbo", hidden, w2) + b2[:, None, :]
