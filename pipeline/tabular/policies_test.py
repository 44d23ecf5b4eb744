"""Policy data sets: shapes, noise fractions, policy-iteration paths."""
import numpy as np

from pipeline.envs import gridworld
from pipeline.tabular import planning
from pipeline.tabular import policies


def test_mixed_policies_half_deterministic():
  rng = np.random.default_rng(0)
  pis = policies.mixed_policies(rng, 2000, 104, 4)
  np.testing.assert_allclose(pis.sum(-1), 1.0)
  det = np.all((pis == 0) | (pis == 1), axis=(1, 2))
  assert 0.45 < det.mean() < 0.55
  v = policies.random_functions(rng, 100, 104)
  assert v.min() >= -1 and v.max() <= 1 and abs(v.mean()) < 0.02


def test_policy_iteration_path_reaches_the_optimum_and_restarts():
  mdp = gridworld.four_rooms()
  v_star, _ = planning.policy_iteration(mdp.P, mdp.r, mdp.gamma)
  path = policies.policy_iteration_path(np.random.default_rng(1), mdp, 100)
  assert np.all(path.sum(-1) == 1) and np.all(path.max(-1) == 1)
  values = planning.evaluate(mdp.P, mdp.r, path, mdp.gamma)
  optimal = np.all(np.abs(values - v_star) < 1e-6, axis=1)
  assert optimal.any()
  first = np.argmax(optimal)
  assert first + 1 < len(path) and not optimal[first + 1]  # restart from a random policy
  changed = (path[1:first + 1] != path[:first]).any(-1).sum(-1)
  assert changed.max() <= 30  # each improvement step touches ~10% of 104 states


def test_noise_replaces_about_ten_percent_of_states():
  rng = np.random.default_rng(2)
  base = policies.random_deterministic(rng, 5, 104, 4)
  sto = policies.add_noise(rng, base, 40, 0.1, deterministic=False)
  det = policies.add_noise(rng, base, 40, 0.1, deterministic=True)
  ref = np.repeat(base, 40, axis=0)
  uniform = np.all(np.isclose(sto, 0.25), -1)
  assert 0.08 < uniform.mean() < 0.12
  assert np.all(np.all(sto == ref, -1) | uniform)
  assert np.all(det.max(-1) == 1)
  assert 0.05 < np.any(det != ref, -1).mean() < 0.1  # 10% redrawn, 3/4 of those change
