"""Vectorised training: all M models of a class, one tf.function, Adam
(optionally with a cosine learning-rate decay).

ClassTrainer: every step each model draws its own minibatch of B (pi, x, y)
triples from the class's data set and takes an Adam step on regression_loss
(losses.py). ExactTrainer: every step is on the order-1 loss over the whole
data set, from its statistics (gram.py). The summed loss keeps the models'
gradients independent.
"""
import numpy as np
import tensorflow as tf

from pipeline.tabular import gram
from pipeline.tabular import losses


class _Trainer(tf.Module):
  """Adam on a per-model loss [M] (summed: the models' gradients stay
  independent), resumable; subclasses define _loss()."""

  def __init__(self, models, learning_rate, seed, final_learning_rate=None, decay_steps=None):
    super().__init__(name="trainer")
    self.models = models
    rate = learning_rate
    if final_learning_rate is not None:   # cosine from learning_rate to final_learning_rate
      rate = tf.keras.optimizers.schedules.CosineDecay(
          learning_rate, int(decay_steps), alpha=final_learning_rate / learning_rate)
    self.optimizer = tf.keras.optimizers.Adam(rate, epsilon=1e-8)
    self.optimizer.build(models.trainable_variables)
    self.rng = tf.random.Generator.from_seed(seed)
    self.step = tf.Variable(0, dtype=tf.int64, name="step")
    self.last_loss = tf.Variable(tf.fill([models.num_models], np.nan), name="last_loss")

  def checkpoint(self) -> tf.train.Checkpoint:
    return tf.train.Checkpoint(models=self.models, optimizer=self.optimizer,
                               rng=self.rng, step=self.step, last_loss=self.last_loss)

  def _loss(self):
    raise NotImplementedError

  def _one_step(self):
    variables = self.models.trainable_variables
    with tf.GradientTape() as tape:
      loss = self._loss()                                  # [M]
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


class ClassTrainer(_Trainer):
  """Trains `models` on data pi [N, S, A], x [N, S], y [N, S] with order k,
  each model on its own minibatch of B pairs per step."""

  def __init__(self, models, pi, x, y, k, gamma, batch_size, learning_rate, seed, **schedule):
    super().__init__(models, learning_rate, seed, **schedule)
    self.k, self.gamma, self.batch_size = int(k), float(gamma), int(batch_size)
    self._pi = tf.constant(np.asarray(pi, np.float32))
    self._x = tf.constant(np.asarray(x, np.float32))
    self._y = tf.constant(np.asarray(y, np.float32))

  def _batch(self):
    n = tf.shape(self._pi, out_type=tf.int64)[0]
    idx = self.rng.uniform([self.models.num_models, self.batch_size], 0, n, dtype=tf.int64)
    return tf.gather(self._pi, idx), tf.gather(self._x, idx), tf.gather(self._y, idx)

  def _loss(self):
    pi, x, y = self._batch()
    r, P = self.models.matrices()
    return losses.regression_loss(r, P, pi, x, y, self.k, self.gamma)


class ExactTrainer(_Trainer):
  """Trains `models` on the order-1 loss over the whole data set, exactly, from
  its statistics (gram.py): G [S, F, F] and the environment's rows theta* [S, F]."""

  def __init__(self, models, G, theta_star, learning_rate, seed, **schedule):
    super().__init__(models, learning_rate, seed, **schedule)
    self._G = tf.constant(np.asarray(G, np.float32))
    self._theta_star = tf.constant(np.asarray(theta_star, np.float32))

  def _loss(self):
    r, P = self.models.matrices()
    return gram.exact_loss(gram.theta(r, P), self._theta_star, self._G)
