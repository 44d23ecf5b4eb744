"""Milestone checkpoints: evenly spaced over training, kept for good, found by the analyses."""
import numpy as np
import tensorflow as tf

from pipeline import config_schema, parts
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
  learner = Learner(parts.learner_from(c), (4,), 2, str(tmp_path), client=None)
  rng = np.random.default_rng(0)
  learner.run([_sample(c, rng) for _ in range(6)])
  steps = [s for s, _ in run_files.list_checkpoints(str(tmp_path))]
  assert steps == [2, 4, 6]            # the milestones; step 6 is also the newest checkpoint
  assert learner.manager.checkpoints == [str(tmp_path / "checkpoints" / "ckpt-6")]
  # A milestone restores like any checkpoint.
  network = run_files.load_network(c, (4,), 2, dict(run_files.list_checkpoints(str(tmp_path)))[2])
  assert len(network.get_weights()) == len(learner.search_network.get_weights())


def test_stop_at_step_cuts_training_but_keeps_the_schedule(tmp_path):
  import json  # pylint: disable=g-import-not-at-top
  c = config_schema.base_config()
  c.network.hidden_sizes, c.network.latent_size, c.network.head_hidden = (8,), 6, 6
  c.learner.batch_size, c.learner.num_steps, c.learner.stop_at_step = 4, 20, 5
  c.learner.learning_rate, c.learner.final_learning_rate = 1e-3, 0.0
  config_schema.validate(c)
  assert config_schema.training_steps(c) == 5
  learner = Learner(parts.learner_from(c), (4,), 2, str(tmp_path), client=None)
  rng = np.random.default_rng(0)
  learner.run([_sample(c, rng) for _ in range(8)])
  assert int(learner.step.numpy()) == 5
  with open(tmp_path / "train.done") as f:
    assert json.load(f) == {"learner_steps": 5}
  # The learning rate decays over 20 steps, not 5: after 4-5 updates it is 1e-3 * (1 - 4 / 20)
  # or * (1 - 5 / 20); with a horizon of 5 it would be 2e-4 or 0.
  lr = float(learner.optimizer.learning_rate.numpy())
  assert min(abs(lr - 8e-4), abs(lr - 7.5e-4)) < 1e-7, lr
  c.learner.stop_at_step = 21
  import pytest  # pylint: disable=g-import-not-at-top
  from pipeline.errors import PipelineError  # pylint: disable=g-import-not-at-top
  with pytest.raises(PipelineError, match="stop_at_step=21"):
    config_schema.validate(c)


def _tiny_learner(workdir):
  c = config_schema.base_config()
  c.network.hidden_sizes, c.network.latent_size, c.network.head_hidden = (64,), 32, 32
  c.learner.batch_size, c.learner.num_steps = 4, 3
  c.learner.checkpoint_every_seconds = 1e9
  return c, Learner(parts.learner_from(c), (4,), 2, str(workdir), client=None)


def _assert_full_disk_is_one_line(learner, workdir):
  import pytest  # pylint: disable=g-import-not-at-top
  from pipeline.errors import PipelineError  # pylint: disable=g-import-not-at-top
  learner.step.assign(7)
  with pytest.raises(PipelineError) as e:
    learner.save(replay=False)
  message = str(e.value)
  assert "\n" not in message and message.startswith(
      "no space left on the device for the learner checkpoint of step 7 in ")
  assert "the newest complete one (ckpt-3) is kept" in message
  ckpt = workdir / "checkpoints"
  assert tf.train.latest_checkpoint(str(ckpt)).endswith("ckpt-3")  # still restorable
  assert not (ckpt / "ckpt-7_temp").exists()


def test_a_full_disk_during_a_checkpoint_is_one_line_and_keeps_the_last_one(tmp_path):
  """On a real full file system: a tmpfs just larger than one checkpoint (needs the
  right to mount, e.g. root; else skipped, the simulated case below still runs)."""
  import subprocess  # pylint: disable=g-import-not-at-top
  import pytest  # pylint: disable=g-import-not-at-top
  mount = tmp_path / "tiny"
  mount.mkdir()
  c, probe = _tiny_learner(tmp_path / "probe")
  probe.run([_sample(c, np.random.default_rng(0)) for _ in range(3)])
  size = sum(p.stat().st_size for p in (tmp_path / "probe" / "checkpoints").glob("ckpt-3*"))
  done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={int(size * 1.5) + 8192}",
                         "tmpfs", str(mount)], capture_output=True)
  if done.returncode != 0:
    pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
  try:
    _, learner = _tiny_learner(mount / "run")
    learner.run([_sample(c, np.random.default_rng(0)) for _ in range(3)])  # ckpt-3 fits
    _assert_full_disk_is_one_line(learner, mount / "run")
  finally:
    subprocess.run(["umount", "-l", str(mount)], check=False)  # lazy: the learner holds files


def test_a_full_disk_during_a_checkpoint_simulated(tmp_path):
  c, learner = _tiny_learner(tmp_path)
  learner.run([_sample(c, np.random.default_rng(0)) for _ in range(3)])
  save = learner.manager.save

  def full(checkpoint_number):
    (tmp_path / "checkpoints" / f"ckpt-{checkpoint_number}_temp").mkdir()
    raise tf.errors.ResourceExhaustedError(None, None, "SaveV2: No space left on device")

  learner.manager.save = full
  _assert_full_disk_is_one_line(learner, tmp_path)
  learner.manager.save = save
