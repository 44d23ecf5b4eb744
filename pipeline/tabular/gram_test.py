"""The exact full-batch loss equals the minibatch loss summed over the whole data set."""
import numpy as np
import pytest
import tensorflow as tf

from pipeline.errors import PipelineError
from pipeline.tabular import gram
from pipeline.tabular import losses

S, A, N, GAMMA = 5, 3, 40, 0.9


class _MDP:
  def __init__(self, rng):
    self.P = rng.dirichlet(np.ones(S), size=(A, S))   # [A, S, S]
    self.r = rng.uniform(-1, 1, (S, A))
    self.gamma = GAMMA


def _pve_data(rng, mdp):
  pi = rng.dirichlet(np.ones(A), size=(N, S))
  P_pi = np.einsum("nsa,ast->nst", pi, mdp.P)
  v = np.linalg.solve(np.eye(S) - GAMMA * P_pi, np.sum(pi * mdp.r, -1)[..., None])[..., 0]
  return pi, v


def test_exact_loss_is_the_regression_loss_over_every_pair():
  rng = np.random.default_rng(0)
  mdp = _MDP(rng)
  pi, v = _pve_data(rng, mdp)
  gram.check_consistent(pi, v, v, mdp)
  G = gram.statistics(pi, v, GAMMA, chunk=7)           # chunks that do not divide N
  r = rng.uniform(-1, 1, (4, S, A))                    # four arbitrary models
  P = rng.dirichlet(np.ones(S), size=(4, A, S))
  brute = losses.regression_loss(tf.constant(r), tf.constant(P), tf.constant(np.repeat(pi[None], 4, 0)),
                                 tf.constant(np.repeat(v[None], 4, 0)),
                                 tf.constant(np.repeat(v[None], 4, 0)), 1, GAMMA).numpy()
  exact = gram.exact_loss(tf.constant(gram.theta(r, P)), tf.constant(gram.theta(mdp.r[None], mdp.P[None])[0]),
                          tf.constant(G)).numpy()
  np.testing.assert_allclose(exact, brute, rtol=1e-9)
  true = gram.exact_loss(tf.constant(gram.theta(mdp.r[None], mdp.P[None])), tf.constant(
      gram.theta(mdp.r[None], mdp.P[None])[0]), tf.constant(G)).numpy()
  assert true == pytest.approx([0.0])


def test_theta_lays_out_rewards_then_each_action_s_row():
  r = np.arange(S * A, dtype=float).reshape(1, S, A)
  P = np.arange(A * S * S, dtype=float).reshape(1, A, S, S)
  t = gram.theta(r, P).numpy()
  assert t.shape == (1, S, A + A * S)
  np.testing.assert_array_equal(t[0, 2, :A], r[0, 2])
  np.testing.assert_array_equal(t[0, 2, A + S:A + 2 * S], P[0, 1, 2])   # action 1's row 2


def test_targets_the_environment_does_not_fit_are_refused():
  rng = np.random.default_rng(1)
  mdp = _MDP(rng)
  pi, v = _pve_data(rng, mdp)
  with pytest.raises(PipelineError, match="differ by up to"):
    gram.check_consistent(pi, v, v + 0.01, mdp)


def test_exact_gradient_is_the_regression_loss_gradient():
  rng = np.random.default_rng(2)
  mdp = _MDP(rng)
  pi, v = _pve_data(rng, mdp)
  G = tf.constant(gram.statistics(pi, v, GAMMA))
  star = tf.constant(gram.theta(mdp.r[None], mdp.P[None])[0])
  r = tf.Variable(rng.uniform(-1, 1, (2, S, A)))
  P = tf.Variable(rng.dirichlet(np.ones(S), size=(2, A, S)))
  tile = lambda a: tf.constant(np.repeat(a[None], 2, 0))
  with tf.GradientTape(persistent=True) as tape:
    brute = tf.reduce_sum(losses.regression_loss(r, P, tile(pi), tile(v), tile(v), 1, GAMMA))
    exact = tf.reduce_sum(gram.exact_loss(gram.theta(r, P), star, G) * tf.constant([1.0, 1.0], tf.float64))
  for var in (r, P):
    np.testing.assert_allclose(tape.gradient(exact, var).numpy(), tape.gradient(brute, var).numpy(),
                               rtol=1e-8, atol=1e-10)
