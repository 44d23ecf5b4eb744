"""Checkpointed, resumable training of one class with progress and TensorBoard.

    run_class(trainer, run_dir, num_steps, chunk, label, on_snapshot)

Checkpoints (tf.train.CheckpointManager) hold the models, Adam state, the RNG
and the step; a rerun restores the latest and continues. Progress: one log
line every `log_every_secs` with steps/s, model-steps/s and time left.
"""
import os
import time

import numpy as np
import tensorflow as tf
from absl import logging

from pipeline.errors import PipelineError


def restore(checkpoint, manager, label):
  """Restores the latest checkpoint; a corrupt/mismatched one is a PipelineError."""
  path = manager.latest_checkpoint
  if not path:
    return 0
  try:
    checkpoint.restore(path).assert_existing_objects_matched()
  except (tf.errors.OpError, ValueError, AssertionError, IndexError, KeyError, TypeError) as e:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    raise PipelineError(f"{label}: corrupt or incompatible checkpoint {path} ({first}); "
                        f"delete {os.path.dirname(path)} to restart this class") from None
  return int(checkpoint.step.numpy()) if hasattr(checkpoint, "step") else 0


def _eta(seconds):
  seconds = int(max(seconds, 0))
  return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Progress:
  """Rates and time left, logged at most every `every` seconds."""

  def __init__(self, label, num_models, num_steps, start_step, every):
    self.label, self.num_models, self.num_steps, self.every = label, num_models, num_steps, every
    self.t0 = self.last = time.time()
    self.start_step = start_step
    self.train_seconds = 0.0

  def rate(self, step):
    done = step - self.start_step
    return done / self.train_seconds if self.train_seconds > 0 else 0.0

  def maybe_log(self, step, loss, force=False):
    now = time.time()
    if not force and now - self.last < self.every:
      return
    self.last = now
    rate = self.rate(step)
    left = (self.num_steps - step) / rate if rate > 0 else float("nan")
    logging.info("[%s] step %d/%d (%.0f%%) loss mean %.3g min %.3g max %.3g | "
                 "%.1f steps/s, %.0f model-steps/s | left %s", self.label, step,
                 self.num_steps, 100.0 * step / self.num_steps, np.mean(loss),
                 np.min(loss), np.max(loss), rate, rate * self.num_models,
                 _eta(left) if rate > 0 else "?")


def run_class(trainer, run_dir, num_steps, chunk, label, on_snapshot=None,
              log_every_secs=10.0, checkpoint_every_secs=60.0):
  """Trains to num_steps in chunks; calls on_snapshot(step) after each chunk.

  Returns a dict with the final per-model mean loss [M] and training rates.
  """
  checkpoint = trainer.checkpoint()
  manager = tf.train.CheckpointManager(checkpoint, os.path.join(run_dir, "ckpt"), max_to_keep=2)
  step = restore(checkpoint, manager, label)
  writer = tf.summary.create_file_writer(os.path.join(run_dir, "tb"))
  progress = Progress(label, trainer.models.num_models, num_steps, step, log_every_secs)
  last_save, loss = time.time(), trainer.last_loss.numpy()
  while step < num_steps:
    n = min(chunk, num_steps - step)
    t = time.time()
    loss = trainer.train(tf.constant(n, tf.int32)).numpy()
    progress.train_seconds += time.time() - t
    step = int(trainer.step.numpy())
    if on_snapshot is not None:
      on_snapshot(step)
    with writer.as_default(step=step):
      tf.summary.scalar("loss/mean", float(np.mean(loss)))
      tf.summary.scalar("loss/max", float(np.max(loss)))
      tf.summary.scalar("model_steps_per_sec", progress.rate(step) * trainer.models.num_models)
    progress.maybe_log(step, loss, force=step >= num_steps)
    if time.time() - last_save >= checkpoint_every_secs or step >= num_steps:
      manager.save(checkpoint_number=step)
      last_save = time.time()
  writer.flush()
  return {"final_loss": loss, "steps_per_sec": progress.rate(step),
          "model_steps_per_sec": progress.rate(step) * trainer.models.num_models,
          "train_seconds": progress.train_seconds}
