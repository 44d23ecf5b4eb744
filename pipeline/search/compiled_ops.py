"""Tensor primitives of the compiled search that XLA runs well.

read_slab / write_slab read and write x[k] / x[start:start + n] along axis 0
in place (XLA's DynamicSlice / DynamicUpdateSlice); first_argmax is np.argmax
(the first index of the maximum, not tf.argmax); softmax is policy.softmax in
a given dtype.
"""
from typing import Optional

import numpy as np
import tensorflow as tf

try:  # XLA's DynamicSlice / DynamicUpdateSlice: read and write a slab in
  # place. (x[k] with a tensor k lowers to a padded copy of x, and a
  # one-index scatter to a full-array select.)
  from tensorflow.compiler.tf2xla.python import xla as _tfxla  # pylint: disable=g-import-not-at-top
  _dynamic_slice = _tfxla.dynamic_slice
  _dynamic_update_slice = _tfxla.dynamic_update_slice
except ImportError:  # pragma: no cover - other TF builds
  _dynamic_slice = _dynamic_update_slice = None


def read_slab(x: tf.Tensor, k: tf.Tensor) -> tf.Tensor:
  """x[k] for a scalar tensor k (along axis 0)."""
  if _dynamic_slice is not None:
    start = tf.stack([k] + [0] * (x.shape.rank - 1))
    return _dynamic_slice(x, start, [1] + x.shape.as_list()[1:])[0]
  return tf.gather(x, k)


def write_slab(x: tf.Tensor, update: tf.Tensor, start: tf.Tensor):
  """x with x[start:start + len(update)] = update (along axis 0)."""
  if _dynamic_update_slice is not None:
    return _dynamic_update_slice(
        x, update, tf.stack([start] + [0] * (x.shape.rank - 1)))
  index = start + tf.range(tf.shape(update)[0])
  return tf.tensor_scatter_nd_update(x, index[:, None], update)


def first_argmax(x: tf.Tensor) -> tf.Tensor:
  """Index of the first maximum over the last axis (int32), as np.argmax."""
  num = x.shape[-1]
  top = tf.reduce_max(x, axis=-1, keepdims=True)
  index = tf.range(num, dtype=tf.int32)
  return tf.reduce_min(tf.where(x == top, index, num), axis=-1)


def softmax(logits: tf.Tensor, dtype, valid: Optional[tf.Tensor] = None):
  """policy.softmax in `dtype`: invalid entries get exactly 0."""
  x = tf.cast(logits, dtype)
  if valid is not None:
    x = tf.where(valid, x, tf.constant(-np.inf, dtype))
  x = x - tf.reduce_max(x, axis=-1, keepdims=True)
  e = tf.exp(x)
  return e / tf.reduce_sum(e, axis=-1, keepdims=True)
