"""Figure 3's data with policies from policy iteration's path (model_space.build_data)."""
import numpy as np

from pipeline.envs import gridworld
from pipeline.errors import PipelineError
from pipeline.tabular import config as config_lib
from pipeline.tabular import model_space
from pipeline.tabular import planning
from pipeline.tabular import policies


def _cfg(fraction):
  cfg = config_lib.base_config().model_space
  cfg.num_pairs, cfg.ve_orders, cfg.path_policy_fraction = 40, (2,), fraction
  return cfg


def test_paper_data_is_random_policies_and_functions():
  mdp = gridworld.four_rooms()
  data = model_space.build_data(mdp, _cfg(0.0), seed=3)
  rng = np.random.default_rng(3)
  np.testing.assert_array_equal(data["pis"], policies.mixed_policies(rng, 40, 104, 4))
  np.testing.assert_array_equal(data["vs"], policies.random_functions(rng, 40, 104))


def test_path_policies_replace_a_fraction_and_improve_along_the_path():
  mdp = gridworld.four_rooms()
  paper = model_space.build_data(mdp, _cfg(0.0), seed=3)
  data = model_space.build_data(mdp, _cfg(0.5), seed=3)
  np.testing.assert_array_equal(data["vs"], paper["vs"])
  replaced = np.flatnonzero(np.any(data["pis"] != paper["pis"], axis=(1, 2)))
  assert len(replaced) == 20
  # In the order they were drawn, the replacements are a policy iteration path: each policy is
  # deterministic and, unless the path restarted, its value is at least its predecessor's everywhere.
  where = np.random.default_rng([3, 1]).permutation(40)[:20]
  assert sorted(where) == list(replaced)
  path = data["pis"][where]
  assert np.all(path.max(-1) == 1.0)
  values = planning.evaluate(mdp.P, mdp.r, path, mdp.gamma)
  steps = [np.all(b >= a - 1e-9) for a, b in zip(values[:-1], values[1:])]
  assert sum(steps) >= 18  # a restart (new random policy) breaks the chain at most once in 20
  assert np.all(values[-1] >= values[0] - 1e-9) and values[-1].sum() > values[0].sum()
  # The targets are those of the new policies.
  for i in where[:3]:
    np.testing.assert_allclose(data["targets"][2][i],
                               planning.bellman(mdp.P, mdp.r, data["pis"][i], data["vs"][i], mdp.gamma, 2))


def test_fraction_outside_0_1_is_refused():
  config = config_lib.base_config()
  config.model_space.path_policy_fraction = 1.5
  try:
    config_lib.validate(config)
  except PipelineError as e:
    assert "path_policy_fraction=1.5" in str(e)
  else:
    raise AssertionError("a fraction of 1.5 was accepted")
