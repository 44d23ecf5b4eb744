"""The MuZero learner: sampled sequences in, trained and published parameters out.

Keeps three copies of the network: the online one (trained with Adam and a
linear learning-rate decay), the target network and the search parameters
(exponential moving averages with the config's update rates). The search
parameters go to the actors through Reverb's "variables" table, and with
reanalyse on the target parameters to the reanalyse workers through
"target_variables"; a batch is then replay and reanalysed sequences side by
side (the replay part first; only its priorities are updated). Model,
optimizer, EMAs, the step counter and the RNG are checkpointed together, and
each checkpoint is followed by a Reverb checkpoint.
"""
import json
import os
import time
from typing import Callable, Optional

import numpy as np
import reverb
import tensorflow as tf

from pipeline.learner import checkpointing
from pipeline.learner.batch import make_unroll_batch
from pipeline.learner.train_step import TrainStep
from pipeline.networks.muzero_net import make_network
from pipeline.replay import server as server_lib
from pipeline.replay import variables
from pipeline.replay.tables import REPLAY, TARGET_VARIABLES
from pipeline import progress


@tf.function
def ema_update(target, source, rate) -> None:
  """target <- (1 - rate) target + rate source, for matching variable lists."""
  for t, s in zip(target, source):
    t.assign((1.0 - rate) * t + rate * s)


class Learner:
  """Owns the networks, optimizer, counters and checkpoints of one run."""

  def __init__(self, config, observation_shape, num_actions: int, workdir: str,
               client: Optional[reverb.Client], strategy: Optional[tf.distribute.Strategy] = None):
    self.config, self.workdir, self.client = config, workdir, client
    self.strategy = strategy or tf.distribute.get_strategy()
    with self.strategy.scope():
      self._build(config, observation_shape, num_actions, workdir)

  def _build(self, config, observation_shape, num_actions, workdir):
    lc = config.learner
    self.network = make_network(config, observation_shape, num_actions)
    self.target_network = make_network(config, observation_shape, num_actions)
    self.search_network = make_network(config, observation_shape, num_actions)
    self.target_network.set_weights(self.network.get_weights())
    self.search_network.set_weights(self.network.get_weights())
    schedule = tf.keras.optimizers.schedules.PolynomialDecay(
        lc.learning_rate, lc.num_steps, lc.final_learning_rate, power=1.0)
    # global_clipnorm clips after gradients are summed over replicas.
    self.optimizer = tf.keras.optimizers.Adam(schedule, global_clipnorm=lc.max_grad_norm)
    self.optimizer.build(self.network.weights)
    self.step = tf.Variable(0, dtype=tf.int64, name="learner_step")
    self.rng = tf.random.Generator.from_seed(config.seed)
    self.train_step = TrainStep(config, self.network, self.optimizer, self.strategy)
    self.checkpoint = tf.train.Checkpoint(
        network=self.network, target_network=self.target_network,
        search_network=self.search_network, optimizer=self.optimizer, step=self.step,
        rng=self.rng, **self.train_step.checkpointables())
    self.manager = checkpointing.make_manager(self.checkpoint, workdir, lc.keep_checkpoints)
    self.restored = checkpointing.restore_latest(self.checkpoint, self.manager)
    self._search_vars = self.search_network.weights
    self._target_vars = self.target_network.weights
    self._online_vars = self.network.weights
    self.summary = tf.summary.create_file_writer(os.path.join(workdir, "tensorboard", "learner"))

  # ---- parameters out -------------------------------------------------------
  def publish(self) -> None:
    if self.client is not None:
      step = int(self.step.numpy())
      variables.publish(self.client, step, self.search_network.get_weights())
      if self.config.reanalyse.enabled:
        variables.publish(self.client, step, self.target_network.get_weights(), TARGET_VARIABLES)

  def save(self) -> None:
    """Learner checkpoint, then a Reverb checkpoint of the replay."""
    self.manager.save(checkpoint_number=int(self.step.numpy()))
    if self.client is not None:
      self.client.checkpoint()
      server_lib.prune_checkpoints(self.workdir)

  # ---- one step ---------------------------------------------------------------
  def _importance_weights(self, probability, table_size):
    beta = self.config.replay.importance_exponent
    if beta == 0.0 or self.config.replay.kind == "queue":
      return np.ones_like(probability, np.float32)
    w = (1.0 / (table_size * probability)) ** beta
    return (w / w.max()).astype(np.float32)

  def learn_from(self, sample) -> dict:
    """One update from a ReplaySample batch ([B, L, ...] fields), or from a pair
    (replay batch [B - Br, L, ...], reanalysed batch [Br, L, ...])."""
    c, lc = self.config, self.config.learner
    sample, fresh = (sample, None) if hasattr(sample, "data") else sample
    seq = {k: v.numpy() for k, v in sample.data.items()}
    num_replay = len(seq["mask"])
    rng = np.random.default_rng(int(self.rng.uniform_full_int([], tf.int64).numpy()) % 2**63)
    weights = self._importance_weights(sample.info.probability.numpy(),
                                       sample.info.table_size.numpy())
    if fresh is not None:  # reanalysed sequences: drawn uniformly, weight 1
      seq = {k: np.concatenate([v, fresh.data[k].numpy()]) for k, v in seq.items()}
      weights = np.concatenate([weights, np.ones(len(seq["mask"]) - num_replay, np.float32)])
    batch = make_unroll_batch(seq, lc.unroll_steps, c.discount, lc.td_lambda, lc.n_step,
                              c.network.value_support, c.network.reward_support, rng)
    metrics = self.train_step(batch, seq, weights)
    self.step.assign_add(1)
    step = int(self.step.numpy())
    if step % lc.target_update_every == 0:
      ema_update(self._target_vars, self._online_vars, tf.constant(lc.target_update_rate))
    ema_update(self._search_vars, self._online_vars, tf.constant(lc.search_update_rate))
    self.train_step.after_update(step)
    if self.client is not None and c.replay.kind != "queue":
      root_value = metrics.pop("root_value").numpy()[:num_replay]
      error = np.abs(root_value - batch.value_scalar[:num_replay, 0])
      priorities = (error + 1e-3) ** c.replay.priority_exponent
      self.client.mutate_priorities(REPLAY, dict(zip(sample.info.key.numpy().tolist(),
                                                     priorities.tolist())))
    else:
      metrics.pop("root_value")
    return {k: float(v) for k, v in metrics.items()}

  # ---- the loop ---------------------------------------------------------------
  def run(self, dataset: tf.data.Dataset, should_stop: Callable[[], bool] = lambda: False,
          on_log: Callable[[dict], None] = lambda m: None, log_every_seconds: float = 10.0):
    """Trains until config.learner.num_steps (or should_stop), checkpointing as it goes."""
    lc = self.config.learner
    self.publish()
    iterator = iter(dataset)
    last_save = last_log = time.time()
    rate = progress.Rate(int(self.step.numpy()))
    while int(self.step.numpy()) < lc.num_steps and not should_stop():
      try:
        sample = next(iterator)
      except (StopIteration, tf.errors.DeadlineExceededError):
        # The rate limiter timed out (no new data): the dataset ends; reopen it.
        on_log({"waiting_for_data": 1.0})
        iterator = iter(dataset)
        continue
      metrics = self.learn_from(sample)
      step = int(self.step.numpy())
      if step % lc.publish_every == 0:
        self.publish()
      now = time.time()
      if now - last_log >= log_every_seconds:
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
    if int(self.step.numpy()) >= lc.num_steps:
      with open(os.path.join(self.workdir, "train.done"), "w") as f:
        json.dump({"learner_steps": int(self.step.numpy())}, f)
