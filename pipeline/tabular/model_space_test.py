"""Figure 3's data with policies from policy iteration's path (model_space.build_data)."""
import numpy as np
import pytest

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
  with pytest.raises(PipelineError, match="path_policy_fraction=1.5"):
    config_lib.validate(config)


def test_final_learning_rate_decays_each_class_to_it(tmp_path, monkeypatch):
  mdp = gridworld.four_rooms()
  cfg = _cfg(0.0)
  cfg.num_models, cfg.num_steps, cfg.num_snapshots, cfg.batch_size = 2, 40, 2, 5
  data = model_space.build_data(mdp, cfg, seed=0)
  trainers = []
  real_run_class = model_space.runner.run_class
  monkeypatch.setattr(model_space.runner, "run_class",
                      lambda trainer, *a, **k: trainers.append(trainer) or real_run_class(trainer, *a, **k))
  for final, run in ((0.0, "constant"), (0.003, "cosine")):
    cfg.learning_rate, cfg.final_learning_rate = 0.03, final
    model_space.train_class(mdp, cfg, data, "k2", 0, str(tmp_path / run), 0, 60.0, 60.0)
  constant, cosine = (t.optimizer._learning_rate for t in trainers)  # pylint: disable=protected-access
  assert int(trainers[1].step.numpy()) == 40
  np.testing.assert_allclose(float(constant), 0.03, rtol=1e-6)
  # final + (lr - final) * (1 + cos(pi t / T)) / 2 at t = 0, T / 2, T:
  for t, rate in ((0, 0.03), (20, 0.0165), (40, 0.003)):
    np.testing.assert_allclose(float(cosine(t)), rate, rtol=1e-5)
