"""Training targets against planning.bellman / planning.evaluate applied one by one."""
import numpy as np

from pipeline.tabular import datasets
from pipeline.envs import gridworld
from pipeline.tabular import planning
from pipeline.tabular import policies


def test_env_targets_and_values_one_by_one():
  mdp = gridworld.four_rooms()
  rng = np.random.default_rng(0)
  pis, vs = policies.mixed_policies(rng, 4, 104, 4), policies.random_functions(rng, 4, 104)
  targets = datasets.env_targets(mdp, pis, vs, [3, 1])
  values = datasets.env_values(mdp, pis)
  for i in range(4):
    for k in (1, 3):
      np.testing.assert_allclose(targets[k][i], planning.bellman(mdp.P, mdp.r, pis[i], vs[i], mdp.gamma, k))
    # v_pi is the fixed point: T_pi v_pi = v_pi.
    np.testing.assert_allclose(planning.bellman(mdp.P, mdp.r, pis[i], values[i], mdp.gamma), values[i])
  pi, x, y, k = datasets.pve_set(pis, values)
  assert k == 1 and x is y
