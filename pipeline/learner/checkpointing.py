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
