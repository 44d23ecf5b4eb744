"""Vectorised training: all M models of a class, one tf.function, Adam.

Every step each model draws its own minibatch of B (pi, x, y) triples from the
class's data set and takes an Adam step on regression_loss (losses.py); the
summed loss keeps the models' gradients independent.
"""
import numpy as np
import tensorflow as tf

from pipeline.tabular import losses


class ClassTrainer(tf.Module):
  """Trains `models` on data pi [N, S, A], x [N, S], y [N, S] with order k."""

  def __init__(self, models, pi, x, y, k, gamma, batch_size, learning_rate, seed):
    super().__init__(name="trainer")
    self.models = models
    self.k, self.gamma, self.batch_size = int(k), float(gamma), int(batch_size)
    self._pi = tf.constant(np.asarray(pi, np.float32))
    self._x = tf.constant(np.asarray(x, np.float32))
    self._y = tf.constant(np.asarray(y, np.float32))
    self.optimizer = tf.keras.optimizers.Adam(learning_rate, epsilon=1e-8)
    self.optimizer.build(models.trainable_variables)
    self.rng = tf.random.Generator.from_seed(seed)
    self.step = tf.Variable(0, dtype=tf.int64, name="step")
    self.last_loss = tf.Variable(tf.fill([models.num_models], np.nan), name="last_loss")

  def checkpoint(self) -> tf.train.Checkpoint:
    return tf.train.Checkpoint(models=self.models, optimizer=self.optimizer,
                               rng=self.rng, step=self.step, last_loss=self.last_loss)

  def _batch(self):
    n = tf.shape(self._pi, out_type=tf.int64)[0]
    idx = self.rng.uniform([self.models.num_models, self.batch_size], 0, n, dtype=tf.int64)
    return tf.gather(self._pi, idx), tf.gather(self._x, idx), tf.gather(self._y, idx)

  def _one_step(self):
    pi, x, y = self._batch()
    variables = self.models.trainable_variables
    with tf.GradientTape() as tape:
      r, P = self.models.matrices()
      loss = losses.regression_loss(r, P, pi, x, y, self.k, self.gamma)  # [M]
      total = tf.reduce_sum(loss)
    self.optimizer.apply_gradients(zip(tape.gradient(total, variables), variables))
    return loss

  @tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
  def train(self, num_steps):
    """Runs num_steps steps; returns the mean per-model loss [M] over them."""
    total = tf.zeros([self.models.num_models])
    for _ in tf.range(num_steps):
      total += self._one_step()
    self.step.assign_add(tf.cast(num_steps, tf.int64))
    self.last_loss.assign(total / tf.cast(num_steps, tf.float32))
    return self.last_loss.read_value()

  def numpy_models(self):
    """(r [M, S, A], P [M, A, S, S]) as float64 numpy."""
    r, P = self.models.matrices()
    return r.numpy().astype(np.float64), P.numpy().astype(np.float64)
