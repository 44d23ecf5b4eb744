"""Learner checkpoints with tf.train.CheckpointManager, with clear errors."""
import os

import tensorflow as tf

from pipeline.errors import PipelineError


def learner_checkpoint_dir(workdir: str) -> str:
  return os.path.join(workdir, "checkpoints")


def make_manager(checkpoint: tf.train.Checkpoint, workdir: str,
                 max_to_keep: int = 3) -> tf.train.CheckpointManager:
  """Keeps the newest `max_to_keep` checkpoints (0: every one, e.g. for analyses)."""
  return tf.train.CheckpointManager(checkpoint, learner_checkpoint_dir(workdir),
                                    max_to_keep=max_to_keep or None)


def milestone_steps(num_steps: int, count: int):
  """The learner steps of `count` checkpoints evenly spaced over training:
  round(k * num_steps / count), k = 1..count (distinct, the last = num_steps)."""
  if count <= 0:
    return []
  return sorted({max(1, round(k * num_steps / count)) for k in range(1, count + 1)})


def milestone_prefix(workdir: str, step: int) -> str:
  return os.path.join(learner_checkpoint_dir(workdir), f"milestone-{step}")


def restore_latest(checkpoint: tf.train.Checkpoint, manager: tf.train.CheckpointManager,
                   required: bool = False) -> bool:
  """Restores the newest checkpoint; returns whether there was one.

  A missing checkpoint when `required`, or one that cannot be read, raises
  PipelineError naming the path.
  """
  path = manager.latest_checkpoint
  if path is None:
    if required:
      raise PipelineError(f"no learner checkpoint in {manager.directory}")
    return False
  try:
    checkpoint.restore(path).assert_existing_objects_matched()
  except (tf.errors.OpError, AssertionError, ValueError) as e:
    raise PipelineError(f"cannot read checkpoint {path}: {' '.join(str(e).split())[:200]}") from e
  return True


def restore_search_network(config, observation_shape, num_actions: int, workdir: str):
  """(search network, learner step) from the newest learner checkpoint, restoring
  nothing else (no optimizer, no other networks, no auxiliary-loss state);
  PipelineError when there is none or it cannot be read."""
  from pipeline.networks.muzero_net import make_network  # the networks import TF models
  network = make_network(config, observation_shape, num_actions)
  step = tf.Variable(0, dtype=tf.int64, name="learner_step")
  checkpoint = tf.train.Checkpoint(search_network=network, step=step)
  path = tf.train.latest_checkpoint(learner_checkpoint_dir(workdir))
  if path is None:
    raise PipelineError(f"no learner checkpoint in {learner_checkpoint_dir(workdir)}")
  try:
    checkpoint.restore(path).expect_partial().assert_existing_objects_matched()
  except (tf.errors.OpError, AssertionError, ValueError) as e:
    raise PipelineError(f"cannot read checkpoint {path}: {' '.join(str(e).split())[:200]}") from e
  return network, int(step.numpy())
