"""Figure 4a's classes train with either loss; the exact one reaches lower losses per step."""
import numpy as np

from pipeline.envs import gridworld
from pipeline.tabular import capacity
from pipeline.tabular import config as config_lib


def _cfg(loss):
  cfg = config_lib.base_config().capacity
  cfg.ranks, cfg.num_seeds, cfg.low_ranks = (20, 104), 1, (20,)
  cfg.num_base_policies, cfg.copies_per_policy = 20, 2
  cfg.num_steps, cfg.chunk_steps, cfg.learning_rate = 100, 50, 0.03
  cfg.final_learning_rate, cfg.loss = 0.003, loss
  return cfg


def test_both_losses_train_a_class_and_the_exact_one_gets_lower(tmp_path):
  mdp = gridworld.four_rooms()
  base = capacity.base_policies(mdp, _cfg("exact"), seed=0)
  finals = {}
  for loss in ("minibatch", "exact"):
    metrics, trainer = capacity.train_class(mdp, _cfg(loss), base, "stochastic", str(tmp_path / loss),
                                            0, 60.0, 60.0)
    assert int(trainer.step.numpy()) == 100
    finals[loss] = np.asarray(metrics["final_loss"])
    values = capacity.evaluate_class(mdp, _cfg(loss), trainer)
    assert values.shape == (2, 1) and np.all(np.isfinite(values))
  # Same models at the start, the same 100 steps: the whole data set's gradient
  # gets further than a minibatch's.
  assert np.all(finals["exact"] < finals["minibatch"]), finals
