"""Tests of the numpy root-noise and acting helpers (policy.py, policies.with_epsilon)."""
import numpy as np
import pytest

from pipeline.search import policies
from pipeline.search import policy


def test_dirichlet_noise_statistics():
  valid = np.ones((20000, 3), bool)
  valid[:, 2] = False
  eta = policy.dirichlet_noise(np.random.default_rng(0), 0.25, valid)
  assert (eta[:, 2] == 0).all()
  np.testing.assert_allclose(eta.sum(axis=1), 1.0)
  # Dir(0.25, 0.25): mean 1/2, variance 1/2 * 1/2 / (0.5 + 1) = 1/6.
  np.testing.assert_allclose(eta[:, 0].mean(), 0.5, atol=0.01)
  np.testing.assert_allclose(eta[:, 0].var(), 1 / 6, atol=0.01)


# --------------------------------------------------------------------------
# Acting from visit counts.


def test_visit_policy():
  counts = np.array([[1, 3, 0, 3], [0, 0, 5, 1]])
  np.testing.assert_array_equal(policy.visit_policy(counts, 0.0),
                                [[0, 1, 0, 0], [0, 0, 1, 0]])
  np.testing.assert_allclose(policy.visit_policy(counts, 1.0),
                             [[1 / 7, 3 / 7, 0, 3 / 7], [0, 0, 5 / 6, 1 / 6]])
  np.testing.assert_allclose(policy.visit_policy(counts, 0.5),
                             [[1 / 19, 9 / 19, 0, 9 / 19],
                              [0, 0, 25 / 26, 1 / 26]])
  # Huge counts and a tiny temperature do not overflow.
  p = policy.visit_policy(np.array([[10 ** 6, 10 ** 6 - 1]]), 0.001)
  assert np.isfinite(p).all() and p[0, 0] > 0.5


def test_select_actions_frequencies():
  rng = np.random.default_rng(0)
  counts = np.tile([[1, 3, 0, 4]], (40000, 1))
  actions = policy.select_actions(counts, 1.0, rng)
  freq = np.bincount(actions, minlength=4) / len(actions)
  np.testing.assert_allclose(freq, [1 / 8, 3 / 8, 0, 4 / 8], atol=0.01)
  assert (policy.select_actions(counts[:3], 0.0, rng) == 3).all()
  # Temperature 0 breaks ties by the lowest index.
  assert (policy.select_actions(np.array([[2, 5, 5]]), 0.0, rng) == [1]).all()


def test_select_actions_never_invalid():
  invalid = np.array([[False, True, False]])
  rng = np.random.default_rng(1)
  for temperature in (0.0, 1.0, 5.0):
    actions = policy.select_actions(np.ones((200, 3), int), temperature, rng,
                                    np.tile(invalid, (200, 1)))
    assert not (actions == 1).any()


# --------------------------------------------------------------------------
# Epsilon-exploration over a finished acting decision (policies.with_epsilon).


def _greedy_output(batch):
  acting = np.tile([[0.0, 1.0, 0.0, 0.0]], (batch, 1))  # the search always picks action 1
  return policies.PolicyOutput(np.ones(batch, np.int64), np.full((batch, 4), 0.25), acting,
                               np.ones(batch), np.zeros(batch, np.float32), None)


def test_with_epsilon_frequencies_and_behaviour():
  out = policies.with_epsilon(_greedy_output(40000), 0.2, np.random.default_rng(0))
  # P(1) = 0.8 + 0.2 / 4 = 0.85, every other action 0.05 (counted, not recomputed).
  freq = np.bincount(out.actions, minlength=4) / 40000
  np.testing.assert_allclose(freq, [0.05, 0.85, 0.05, 0.05], atol=0.006)
  # Hand-computed: the stored behaviour is 0.85 for action 1, 0.05 otherwise.
  np.testing.assert_allclose(out.behaviour, np.where(out.actions == 1, 0.85, 0.05))
  np.testing.assert_allclose(out.acting_probs[0], [0.05, 0.85, 0.05, 0.05])
  np.testing.assert_array_equal(out.action_weights, np.full((40000, 4), 0.25))  # target kept


def test_with_epsilon_zero_is_identity_and_draws_nothing():
  rng = np.random.default_rng(3)
  out = _greedy_output(5)
  assert policies.with_epsilon(out, 0.0, rng) is out
  assert rng.random() == np.random.default_rng(3).random()


def test_root_value_mean_or_the_best_visited_q():
  visits = np.array([[3, 0, 1], [0, 0, 0], [0, 5, 2]])
  q = np.array([[0.5, 0.0, 2.0], [0.0, 0.0, 0.0], [0.0, -1.0, -3.0]])
  mean = np.float32([0.9, 0.4, -1.5])
  np.testing.assert_array_equal(policy.root_value(visits, q, mean), mean)
  # Row 0: 2.0 (action 2, 1 visit); row 1: no visited action, the mean; row 2: -1.0, not
  # the unvisited action's stored 0.
  np.testing.assert_array_equal(policy.root_value(visits, q, mean, "max_q"),
                                np.float32([2.0, 0.4, -1.0]))
  with pytest.raises(ValueError, match="root value mode"):
    policy.root_value(visits, q, mean, "max")
