"""Tabular models of a whole class at once: M models as stacked TF variables.

Each model is r~ [S, A] and, per action, a row-stochastic P~a [S, S]: a row
softmax of free logits (full), or P~a = Da Ka with Da [S, R], Ka [R, S] each a
row softmax (rank-limited; appendix A.3.4). Models of different ranks share
one tensor of width R = max rank: columns of Da beyond a model's rank get
-1e9 logits (weight 0), so that model's P~a has rank <= its own rank.
Init: r~ ~ U(-1, 1), logits ~ U(-init_scale, init_scale).
"""
import numpy as np
import tensorflow as tf


class TabularModels(tf.Module):
  """M models; `matrices()` gives r~ [M, S, A] and P~ [M, A, S, S]."""

  def __init__(self, num_models, num_states, num_actions, seed, ranks=None,
               init_scale=5.0, name="models"):
    super().__init__(name=name)
    M, S, A = num_models, num_states, num_actions
    rng = np.random.default_rng(seed)
    self.reward = tf.Variable(rng.uniform(-1, 1, (M, S, A)).astype(np.float32), name="reward")
    u = lambda *shape: rng.uniform(-init_scale, init_scale, shape).astype(np.float32)
    if ranks is None:
      self.ranks = None
      self.logits = tf.Variable(u(M, A, S, S), name="logits")
    else:
      self.ranks = np.broadcast_to(np.asarray(ranks, np.int64), (M,)).copy()
      width = int(self.ranks.max())
      self.d_logits = tf.Variable(u(M, A, S, width), name="d_logits")
      self.k_logits = tf.Variable(u(M, A, width, S), name="k_logits")
      cols = np.arange(width)[None, :] >= self.ranks[:, None]  # [M, R]
      self._mask = tf.constant(np.where(cols, -1e9, 0.0)[:, None, None, :], tf.float32)

  @property
  def num_models(self) -> int:
    return int(self.reward.shape[0])

  def transitions(self):
    """P~ [M, A, S, S], rows summing to 1."""
    if self.ranks is None:
      return tf.nn.softmax(self.logits, axis=-1)
    D = tf.nn.softmax(self.d_logits + self._mask, axis=-1)
    K = tf.nn.softmax(self.k_logits, axis=-1)
    return tf.matmul(D, K)

  def matrices(self):
    """(r~ [M, S, A], P~ [M, A, S, S])."""
    return self.reward, self.transitions()


def model_vectors(r, P):
  """[M, S*A + A*S*S]: rewards and transitions concatenated (the paper's model vector)."""
  M = r.shape[0]
  return np.concatenate([np.reshape(r, (M, -1)), np.reshape(P, (M, -1))], axis=1)


def split_vectors(vectors, num_states, num_actions):
  """Inverse of model_vectors: (r [N, S, A], P [N, A, S, S])."""
  S, A = num_states, num_actions
  r = vectors[:, :S * A].reshape(-1, S, A)
  P = vectors[:, S * A:].reshape(-1, A, S, S)
  return r, P
