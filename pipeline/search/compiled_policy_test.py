"""The TensorFlow noise and acting helpers (compiled_policy.py) against the
numpy ones (policy.py) and the distributions they sample."""
import functools

import numpy as np
import pytest
import tensorflow as tf

from pipeline.search import compiled_policy
from pipeline.search import policy


def test_visit_policy_matches_reference():
  counts = np.array([[1, 3, 0, 3], [0, 0, 5, 1], [0, 0, 0, 0],
                     [10 ** 6, 10 ** 6 - 1, 2, 0]])
  for temperature in (0.0, 0.25, 1.0, 3.0):
    np.testing.assert_allclose(
        compiled_policy.visit_policy(tf.constant(counts), temperature).numpy(),
        policy.visit_policy(counts, temperature), rtol=1e-12, atol=1e-15)


def test_select_actions():
  counts = np.tile([[1, 3, 0, 4]], (20000, 1))
  actions = compiled_policy.select_actions(tf.constant(counts), 1.0,
                                           tf.constant([1, 2])).numpy()
  freq = np.bincount(actions, minlength=4) / len(actions)
  np.testing.assert_allclose(freq, [1 / 8, 3 / 8, 0, 4 / 8], atol=0.015)
  # T = 0: argmax, lowest index on ties; invalid actions never chosen.
  np.testing.assert_array_equal(
      compiled_policy.select_actions(tf.constant([[2, 5, 5], [0, 0, 0]]),
                                     0.0, tf.constant([0, 0])).numpy(),
      [1, 0])
  invalid = np.tile([[False, True, False, False]], (2000, 1))
  for temperature in (0.0, 1.0):
    chosen = compiled_policy.select_actions(tf.constant(counts[:2000]),
                                            temperature, tf.constant([3, 4]),
                                            tf.constant(invalid)).numpy()
    assert not (chosen == 1).any()
  # No mass on a valid action: uniform over the valid ones.
  chosen = compiled_policy.select_actions(
      tf.constant(np.tile([[0, 7, 0]], (3000, 1))), 1.0, tf.constant([5, 6]),
      tf.constant(np.tile([[False, True, False]], (3000, 1)))).numpy()
  np.testing.assert_allclose(np.bincount(chosen, minlength=3) / 3000,
                             [0.5, 0, 0.5], atol=0.04)


def test_dirichlet_noise_in_graph():
  valid = np.ones((20000, 3), bool)
  valid[:, 2] = False
  fn = tf.function(
      functools.partial(compiled_policy.dirichlet_noise, alpha=0.25),
      jit_compile=True)
  eta = fn(tf.constant([7, 8]), valid=tf.constant(valid)).numpy()
  assert (eta[:, 2] == 0).all()
  np.testing.assert_allclose(eta.sum(axis=1), 1.0)
  # Dir(0.25, 0.25): mean 1/2, variance 1/6 (as policy.dirichlet_noise).
  np.testing.assert_allclose(eta[:, 0].mean(), 0.5, atol=0.01)
  np.testing.assert_allclose(eta[:, 0].var(), 1 / 6, atol=0.01)
  # Same seed, same draw.
  np.testing.assert_array_equal(
      eta, fn(tf.constant([7, 8]), valid=tf.constant(valid)).numpy())


@pytest.mark.parametrize("alpha", [0.25, 3.0])
def test_stateless_gamma_moments(alpha):
  fn = tf.function(functools.partial(compiled_policy.stateless_gamma,
                                     [200000], alpha=alpha),
                   jit_compile=True)
  g = fn(tf.constant([1, 2])).numpy()
  assert (g >= 0).all()
  # Gamma(alpha, 1): mean alpha, variance alpha.
  np.testing.assert_allclose(g.mean(), alpha, rtol=0.02)
  np.testing.assert_allclose(g.var(), alpha, rtol=0.05)
