"""Trajectory sampling against exact transition probabilities."""
import numpy as np

from pipeline.envs import gridworld
from pipeline.tabular import planning
from pipeline.tabular import rings
from pipeline.tabular import trajectories


def test_deterministic_ring_gives_the_exact_path():
  P, _ = rings.ring(np.zeros(5))
  states = trajectories.sample(P, np.ones((5, 1)), 3, 4, 7, np.random.default_rng(0))
  np.testing.assert_array_equal(states, np.tile((3 + np.arange(8)) % 5, (4, 1)))


def test_first_step_frequencies_match_the_environment():
  mdp = gridworld.four_rooms()
  _, pi_star = planning.policy_iteration(mdp.P, mdp.r, mdp.gamma)
  start = mdp.state_of(11, 1)
  n = 20_000
  states = trajectories.sample(mdp.P, pi_star, start, n, 1, np.random.default_rng(1))
  freq = np.bincount(states[:, 1], minlength=104) / n
  want = (pi_star[start] @ mdp.P[:, start])  # sum_a pi(a|s) P[a, s, :]
  assert np.max(np.abs(freq - want)) < 4 * np.sqrt(0.25 / n)
