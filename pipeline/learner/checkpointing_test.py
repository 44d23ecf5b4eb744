"""Milestone checkpoints: evenly spaced over training, kept for good, found by the analyses."""
import numpy as np
import tensorflow as tf

from pipeline import config_schema
from pipeline.analysis import run_files
from pipeline.learner import checkpointing
from pipeline.learner.learner import Learner


def test_milestone_steps_are_evenly_spaced():
  assert checkpointing.milestone_steps(2000, 10) == list(range(200, 2001, 200))
  assert checkpointing.milestone_steps(7, 3) == [2, 5, 7]      # round(7/3), round(14/3), 7
  assert checkpointing.milestone_steps(4, 10) == [1, 2, 3, 4]  # more milestones than steps
  assert checkpointing.milestone_steps(100, 0) == []


class _Info:
  def __init__(self, b):
    self.probability, self.table_size = tf.fill([b], 1e-2), tf.fill([b], 100)
    self.key = tf.zeros([b], tf.uint64)


class _Sample:
  def __init__(self, data, b):
    self.data, self.info = data, _Info(b)


def _sample(c, rng, a=2):
  b, l = c.learner.batch_size, c.replay.sequence_length
  data = {"observation": rng.random((b, l, 4)).astype(np.float32),
          "action": rng.integers(0, a, (b, l)).astype(np.int32),
          "reward": rng.random((b, l)).astype(np.float32), "discount": np.ones((b, l), np.float32),
          "policy": np.full((b, l, a), 1 / a, np.float32), "behaviour": np.full((b, l), 0.5, np.float32),
          "value": rng.normal(size=(b, l)).astype(np.float32),
          "last": np.zeros((b, l), np.float32), "mask": np.ones((b, l), np.float32)}
  return _Sample({k: tf.constant(v) for k, v in data.items()}, b)


def test_a_run_keeps_its_milestones_beside_the_rotating_checkpoints(tmp_path):
  c = config_schema.base_config()
  c.network.hidden_sizes, c.network.latent_size, c.network.head_hidden = (8,), 6, 6
  c.learner.batch_size, c.learner.num_steps = 4, 6
  c.learner.keep_checkpoints, c.learner.milestone_checkpoints = 1, 3
  c.learner.checkpoint_every_seconds = 1e9  # the rotating one only at the end
  learner = Learner(c, (4,), 2, str(tmp_path), client=None)
  rng = np.random.default_rng(0)
  learner.run([_sample(c, rng) for _ in range(6)])
  steps = [s for s, _ in run_files.list_checkpoints(str(tmp_path))]
  assert steps == [2, 4, 6]            # the milestones; step 6 is also the newest checkpoint
  assert learner.manager.checkpoints == [str(tmp_path / "checkpoints" / "ckpt-6")]
  # A milestone restores like any checkpoint.
  network = run_files.load_network(c, (4,), 2, dict(run_files.list_checkpoints(str(tmp_path)))[2])
  assert len(network.get_weights()) == len(learner.search_network.get_weights())
