"""The h-transform of MuZero and the categorical (two-hot) value encoding.

h(z) = sgn(z)(sqrt(|z| + 1) - 1) + eps z, eps = 0.01, and its exact inverse.
A scalar is encoded on a support of 2S + 1 integer bins [-S, ..., S] on the
h-scale: h(z) is clipped to [-S, S] and split between its two neighbouring
bins (two-hot). These are the TensorFlow versions used inside the graph;
rlax.signed_hyperbolic / signed_parabolic / transform_to_2hot are their oracle
in the tests and the host-side implementation (pipeline/targets.py).
"""
import tensorflow as tf

EPS = 0.01


def h(x: tf.Tensor, eps: float = EPS) -> tf.Tensor:
  """h(x), elementwise, any shape."""
  return tf.sign(x) * (tf.sqrt(tf.abs(x) + 1.0) - 1.0) + eps * x


def h_inverse(y: tf.Tensor, eps: float = EPS) -> tf.Tensor:
  """The inverse of h, elementwise, any shape."""
  root = (tf.sqrt(1.0 + 4.0 * eps * (tf.abs(y) + 1.0 + eps)) - 1.0) / (2.0 * eps)
  return tf.sign(y) * (tf.square(root) - 1.0)


def support(size: int) -> tf.Tensor:
  """The bin centres [-size, ..., size]: [2 size + 1] float32."""
  return tf.range(-size, size + 1, dtype=tf.float32)


def scalar_to_two_hot(x: tf.Tensor, size: int) -> tf.Tensor:
  """Raw scalars [...] -> two-hot probabilities over h-scale bins [..., 2 size + 1]."""
  y = tf.clip_by_value(h(tf.cast(x, tf.float32)), -float(size), float(size))
  low = tf.floor(y)
  upper_weight = y - low
  low_index = tf.cast(low, tf.int32) + size
  high_index = tf.minimum(low_index + 1, 2 * size)
  num_bins = 2 * size + 1
  return (tf.one_hot(low_index, num_bins) * (1.0 - upper_weight)[..., None] +
          tf.one_hot(high_index, num_bins) * upper_weight[..., None])


def logits_to_scalar(logits: tf.Tensor) -> tf.Tensor:
  """Categorical logits [..., 2 S + 1] -> raw scalars [...] (expectation, then h^-1)."""
  size = (logits.shape[-1] - 1) // 2
  expected = tf.reduce_sum(tf.nn.softmax(logits) * support(size), axis=-1)
  return h_inverse(expected)
