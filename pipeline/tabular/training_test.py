"""Vectorised training: learns, keeps models independent, resumes exactly."""
import numpy as np
import pytest
import tensorflow as tf

from pipeline.errors import PipelineError
from pipeline.tabular import losses
from pipeline.tabular import models
from pipeline.tabular import runner
from pipeline.tabular import training

S, A = 6, 2


def _data(n=64, seed=0):
  """A small random MDP's PVE set: pi [n, S, A], v_pi [n, S] (numpy solve)."""
  rng = np.random.default_rng(seed)
  P = rng.dirichlet(np.ones(S), size=(A, S))
  r = rng.uniform(0, 1, (S, A))
  pi = rng.dirichlet(np.ones(A), size=(n, S))
  P_pi = np.einsum("nsa,ast->nst", pi, P)
  v = np.linalg.solve(np.eye(S) - 0.9 * P_pi, np.sum(pi * r, -1)[..., None])[..., 0]
  return pi, v


def _trainer(num_models=3, seed=0, lr=0.05):
  pi, v = _data()
  m = models.TabularModels(num_models, S, A, seed=seed)
  return training.ClassTrainer(m, pi, v, v, 1, 0.9, 16, lr, seed=seed)


def test_training_lowers_the_pve_loss_of_every_model():
  t = _trainer()
  first = t.train(tf.constant(5)).numpy()
  last = t.train(tf.constant(300)).numpy()
  assert np.all(last < 0.1 * first)
  assert int(t.step.numpy()) == 305


def test_models_do_not_interact():
  """Model 0 trains identically whatever the other models' parameters are."""
  a, b = _trainer(seed=0), _trainer(seed=0)
  b.models.reward.assign(tf.concat([b.models.reward[:1], 5.0 + b.models.reward[1:]], 0))
  a.train(tf.constant(20))
  b.train(tf.constant(20))
  np.testing.assert_allclose(a.models.reward.numpy()[0], b.models.reward.numpy()[0], atol=1e-6)
  np.testing.assert_allclose(a.models.logits.numpy()[0], b.models.logits.numpy()[0], atol=1e-6)
  assert not np.allclose(a.models.reward.numpy()[1], b.models.reward.numpy()[1], atol=1)


def test_resume_from_checkpoint_matches_uninterrupted_run(tmp_path):
  straight = _trainer()
  runner.run_class(straight, str(tmp_path / "a"), 40, 10, "a")
  first = _trainer()
  runner.run_class(first, str(tmp_path / "b"), 20, 10, "b")
  resumed = _trainer(seed=0)
  resumed.models.reward.assign(tf.zeros_like(resumed.models.reward))  # overwritten by restore
  out = runner.run_class(resumed, str(tmp_path / "b"), 40, 10, "b")
  assert int(resumed.step.numpy()) == 40
  np.testing.assert_allclose(resumed.models.reward.numpy(), straight.models.reward.numpy(), atol=1e-6)
  np.testing.assert_allclose(out["final_loss"], straight.last_loss.numpy(), rtol=1e-5)


def test_corrupt_checkpoint_is_a_pipeline_error(tmp_path):
  runner.run_class(_trainer(), str(tmp_path), 10, 10, "c")
  for path in (tmp_path / "ckpt").glob("*.data-*"):
    path.write_bytes(b"garbage")
  with pytest.raises(PipelineError, match="corrupt or incompatible checkpoint"):
    runner.run_class(_trainer(), str(tmp_path), 20, 10, "c")


def test_the_exact_trainer_drives_the_whole_data_set_s_loss_down():
  from pipeline.tabular import gram
  rng = np.random.default_rng(3)
  P_env = rng.dirichlet(np.ones(S), size=(A, S))
  r_env = rng.uniform(0, 1, (S, A))
  pi = rng.dirichlet(np.ones(A), size=(64, S))
  P_pi = np.einsum("nsa,ast->nst", pi, P_env)
  v = np.linalg.solve(np.eye(S) - 0.9 * P_pi, np.sum(pi * r_env, -1)[..., None])[..., 0]
  m = models.TabularModels(3, S, A, seed=0)
  t = training.ExactTrainer(m, gram.statistics(pi, v, 0.9), gram.theta(r_env[None], P_env[None])[0],
                            0.05, seed=0, final_learning_rate=0.005, decay_steps=2000)
  first = t.train(tf.constant(1)).numpy()
  t.train(tf.constant(1999))
  last = t._loss().numpy()  # pylint: disable=protected-access  (the loss now, not a mean over steps)
  r, P = t.numpy_models()   # the exact loss is the loss over every pair
  full = losses.regression_loss(r, P, np.repeat(pi[None], 3, 0), np.repeat(v[None], 3, 0),
                                np.repeat(v[None], 3, 0), 1, 0.9).numpy()
  assert np.all(last < 1e-3 * first), (first, last)
  np.testing.assert_allclose(last, full, rtol=1e-3, atol=1e-7)
  assert float(t.optimizer.learning_rate) == pytest.approx(0.005, rel=1e-3)  # the end of the decay
