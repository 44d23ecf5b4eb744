"""The MuZero learner: sampled sequences in, trained and published parameters out.

Keeps three copies of the network: the online one (trained with Adam and a
linear learning-rate decay), the target network and the search parameters
(exponential moving averages with the config's update rates). The search
parameters go to the actors through Reverb's "variables" table, and with
reanalyse on the target parameters to the reanalyse workers through
"target_variables"; a batch is then replay and reanalysed sequences side by
side (the replay part first; only its priorities are updated). The whole
update is one compiled program (pipeline/learner/train_step.py); the target
network feeds the value bootstraps only with learner.value_bootstrap="target"
(and reanalyse), otherwise it is kept but inert. Model, optimizer, EMAs and
the step counter (which also seeds each step's random draws) are checkpointed
together; with a Reverb server in this process (the one-machine `pipeline`
stage) each checkpoint is followed by a Reverb checkpoint. A server on
another host checkpoints itself (the `replay` stage): two processes
checkpointing one server race, and Reverb, which keeps only its newest
checkpoint, then deletes the other's (a crash, or no complete checkpoint).

Its Reverb calls go through a replay.connection.Connection when the server
is on another host: a server that goes away is waited for (the loop pauses,
then reopens its dataset and goes on from its own step counter); a stop
request meanwhile checkpoints the learner and ends the run cleanly.
"""
import concurrent.futures
import errno
import json
import os
import shutil
import time
from typing import Callable, List, Optional

import tensorflow as tf

from pipeline.errors import PipelineError
from pipeline.learner import checkpointing
from pipeline.learner import auxiliary
from pipeline.learner.train_step import TrainStep
from pipeline.networks.muzero_net import MuZeroNetwork
from pipeline.replay import server as server_lib
from pipeline.replay import variables
from pipeline.replay.connection import Direct, ServerUnavailable, Stopped, as_connection
from pipeline.replay.tables import REPLAY, TARGET_VARIABLES
from pipeline import parts
from pipeline import progress


class Learner:
  """Owns the networks, optimizer, counters and checkpoints of one run."""

  def __init__(self, config: parts.LearnerConfig, observation_shape, num_actions: int,
               workdir: str, client, strategy: Optional[tf.distribute.Strategy] = None):
    """config: parts.learner_from(run config); client: a replay.connection.Connection,
    a reverb.Client (a server in this process) or None (no Reverb: learn_from
    batches given by hand)."""
    self.config, self.workdir = config, workdir
    self.conn = as_connection(client)
    self.client = None if self.conn is None else self.conn.client
    self.strategy = strategy or tf.distribute.get_strategy()
    with self.strategy.scope():
      self._build(config, observation_shape, num_actions, workdir)
    # Priority updates go to Reverb from a background thread, one at a time
    # and in order, while the next step runs.
    self._priorities = concurrent.futures.ThreadPoolExecutor(1, "priorities")
    self._pending = None

  def _build(self, lc, observation_shape, num_actions, workdir):
    self.network = MuZeroNetwork(lc.network, observation_shape, num_actions)
    self.target_network = MuZeroNetwork(lc.network, observation_shape, num_actions)
    self.search_network = MuZeroNetwork(lc.network, observation_shape, num_actions)
    self.target_network.set_weights(self.network.get_weights())
    self.search_network.set_weights(self.network.get_weights())
    schedule = tf.keras.optimizers.schedules.PolynomialDecay(
        lc.learning_rate, lc.num_steps, lc.final_learning_rate, power=1.0)
    # global_clipnorm clips after gradients are summed over replicas (not in
    # the PVE paper: learner.max_grad_norm, 0 for none).
    self.optimizer = tf.keras.optimizers.Adam(schedule, global_clipnorm=lc.max_grad_norm or None)
    extra_losses = auxiliary.from_config(lc, self.network)
    self.step = tf.Variable(0, dtype=tf.int64, name="learner_step")
    self.train_step = TrainStep(lc.update, self.network, self.target_network,
                                self.search_network, self.optimizer, self.step, self.strategy,
                                extra_losses)
    self.optimizer.build(self.train_step.trained)
    self.checkpoint = tf.train.Checkpoint(
        network=self.network, target_network=self.target_network,
        search_network=self.search_network, optimizer=self.optimizer, step=self.step,
        **self.train_step.checkpointables())
    self.manager = checkpointing.make_manager(self.checkpoint, workdir, lc.keep_checkpoints)
    self.milestones = set(checkpointing.milestone_steps(lc.num_steps, lc.milestone_checkpoints))
    self.restored = checkpointing.restore_latest(self.checkpoint, self.manager)
    self.summary = tf.summary.create_file_writer(os.path.join(workdir, "tensorboard", "learner"))

  # ---- parameters out -------------------------------------------------------
  def publish(self) -> None:
    if self.conn is not None:
      step = int(self.step.numpy())
      weights = self.search_network.get_weights()
      self.conn.call("publish the parameters", lambda c: variables.publish(c, step, weights))
      if self.config.publish_target:
        target = self.target_network.get_weights()
        self.conn.call("publish the target parameters",
                       lambda c: variables.publish(c, step, target, TARGET_VARIABLES))

  def save(self, replay: bool = True) -> None:
    """Learner checkpoint, then (with `replay`, for a server in this process) a
    Reverb checkpoint of the replay."""
    self._wait_for_priorities()
    step = int(self.step.numpy())
    try:
      self.manager.save(checkpoint_number=step)
    except (tf.errors.ResourceExhaustedError, OSError) as e:
      if "No space left" not in str(e) and getattr(e, "errno", None) != errno.ENOSPC:
        raise
      partial = os.path.join(checkpointing.learner_checkpoint_dir(self.workdir), f"ckpt-{step}_temp")
      shutil.rmtree(partial, ignore_errors=True)  # this save's own partial files
      raise PipelineError(
          f"no space left on the device for the learner checkpoint of step {step} in "
          f"{checkpointing.learner_checkpoint_dir(self.workdir)}; the newest complete one "
          f"({os.path.basename(self.manager.latest_checkpoint or 'none')}) is kept: free space "
          "and run the same command to resume") from None
    if isinstance(self.conn, Direct) and replay:  # a remote server checkpoints itself
      self.conn.call("checkpoint the replay", lambda c: c.checkpoint())
      server_lib.prune_checkpoints(self.workdir)

  # ---- one step ---------------------------------------------------------------
  def _wait_for_priorities(self) -> None:
    if self._pending is not None:
      self._pending.result()
      self._pending = None

  def _mutate_priorities(self, keys: List[tf.Tensor], priorities: List[tf.Tensor]) -> None:
    """Each step's keys [B] and priorities [B], in order (a later step's wins)."""
    updates = {}
    for step_keys, step_priorities in zip(keys, priorities):
      updates.update(zip(step_keys.numpy().tolist(), step_priorities.numpy().tolist()))
    self.conn.call("update priorities", lambda c: c.mutate_priorities(REPLAY, updates))

  @staticmethod
  def _arguments(sample):
    """TrainStep's arguments for a ReplaySample ([B, L, ...] fields) or a pair (replay
    [B - Br, L, ...], reanalysed [Br, L, ...]), and the replay part."""
    replay, fresh = (sample, None) if hasattr(sample, "data") else sample
    return (replay.data, replay.info.probability, replay.info.table_size,
            None if fresh is None else fresh.data), replay

  def _update_many(self, samples) -> dict:
    """len(samples) steps in one call (TrainStep.many; one sample: TrainStep.__call__),
    in order; one priority update for all their replay sequences; the last step's
    metrics, as tensors."""
    arguments, replays = zip(*[self._arguments(sample) for sample in samples])
    if len(samples) == 1:
      metrics, priorities = self.train_step(*arguments[0])
      priorities = [priorities]
    else:
      metrics, priorities = self.train_step.many(arguments)
    if self.conn is not None and self.config.update_priorities:
      self._wait_for_priorities()
      keys = [replay.info.key for replay in replays]
      self._pending = self._priorities.submit(self._mutate_priorities, keys, priorities)
    return metrics

  def learn_from(self, sample) -> dict:
    """One update (see _update_many); metrics as floats."""
    metrics = {k: float(v) for k, v in self._update_many([sample]).items()}
    self._wait_for_priorities()
    return metrics

  # ---- the loop ---------------------------------------------------------------
  def _next(self, iterator, dataset):
    """(sample, iterator): the next batch; a rate-limiter time-out (no new
    data) reopens the dataset, an outage waits for the server first."""
    failures = 0
    while True:
      try:
        if self.conn is None:
          return next(iterator), iterator
        # A stop request ends a wait the rate limiter's time-out does not bound
        # (a server that stops while the dataset connects to it).
        return self.conn.interruptible(lambda: next(iterator)), iterator
      except (StopIteration, tf.errors.DeadlineExceededError):
        if self.conn is not None and not self.conn.available():
          self.conn.wait_until_available("sample")  # no data because no server
        return None, iter(dataset)
      except tf.errors.OpError as e:
        failures += 1
        if self.conn is None or failures > 3:
          raise
        if not self.conn.available():
          self.conn.wait_until_available(f"sample ({type(e).__name__})")
        iterator = iter(dataset)

  def _steps_in_next_call(self, step: int, last_step: int) -> int:
    """learner.steps_per_call, cut so that a call ends at every publish, milestone
    and the last step (they see the parameters of their own step)."""
    lc = self.config
    ends = [last_step, step + lc.publish_every - step % lc.publish_every]
    ends += [m for m in self.milestones if m > step]
    return max(1, min([lc.steps_per_call] + [end - step for end in ends]))

  def run(self, dataset: tf.data.Dataset, should_stop: Callable[[int], bool] = lambda step: False,
          on_log: Callable[[dict], None] = lambda m: None, log_every_seconds: float = 10.0,
          after_step: Callable[[int], None] = lambda step: None):
    """Trains until config.training_steps (or should_stop(step)), checkpointing
    as it goes; after_step(step) runs between steps (e.g. an evaluation), or with
    learner.steps_per_call > 1 for each step of a call after the call. The
    dataset prefetches the next batch while a step runs. A stop request while
    the replay server is away (connection.Stopped) saves the learner's
    checkpoint (not the replay's) and returns."""
    try:
      self._run(dataset, should_stop, on_log, log_every_seconds, after_step)
    except (Stopped, ServerUnavailable) as e:
      self._pending = None  # a priority update to a gone server: dropped
      self.save(replay=False)
      if isinstance(e, ServerUnavailable):
        raise
    finally:
      self.summary.flush()  # the job may end with os._exit (errors.run_job)

  def _run(self, dataset, should_stop, on_log, log_every_seconds, after_step):
    lc = self.config
    last_step = lc.training_steps
    self.publish()
    iterator = self.iterator = iter(dataset)
    last_save = last_log = time.time()
    step = int(self.step.numpy())
    rate = progress.Rate(step)
    while step < last_step and not should_stop(step):
      samples = []
      for _ in range(self._steps_in_next_call(step, last_step)):
        sample, iterator = self._next(iterator, dataset)
        self.iterator = iterator  # kept: see errors.run_job (its destruction can block)
        if sample is None:  # no new data within the rate limiter's time-out
          break
        samples.append(sample)
      if not samples:
        if time.time() - last_log >= log_every_seconds:
          on_log({"waiting_for_data": 1.0})
          last_log = time.time()
        continue
      metrics = self._update_many(samples)
      first, step = step + 1, step + len(samples)
      for done in range(first, step + 1):  # a call ends at every publish and milestone
        if done % lc.publish_every == 0:
          self.publish()
        if done in self.milestones:  # kept for good, outside the manager's rotation
          self._wait_for_priorities()
          self.checkpoint.write(checkpointing.milestone_prefix(self.workdir, done))
        after_step(done)
      now = time.time()
      if now - last_log >= log_every_seconds:
        metrics = {k: float(v) for k, v in metrics.items()}
        metrics["learner_steps_per_second"] = rate.update(step)
        metrics["learning_rate"] = float(self.optimizer.learning_rate.numpy())
        with self.summary.as_default(step=step):
          for k, v in metrics.items():
            tf.summary.scalar(k, v)
        on_log(dict(metrics, learner_step=step))
        last_log = now
      if now - last_save >= lc.checkpoint_every_seconds:
        self.save()
        last_save = now
    self.publish()
    self.save()
    if int(self.step.numpy()) >= last_step:
      with open(os.path.join(self.workdir, "train.done"), "w") as f:
        json.dump({"learner_steps": int(self.step.numpy())}, f)
