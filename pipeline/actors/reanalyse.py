"""Reanalyse (MuZero Reanalyse): fresh search targets for stored sequences.

A worker draws batches of N stored sequences [N, L, ...] uniformly from the
"reanalyse_source" table (the actors write every replay item there too),
re-runs the search from every step's observation with the learner's latest
target parameters (read from "target_variables"), and inserts the sequences
with the new visit distributions (policy targets) and root values (value
bootstraps) into the "reanalysed" table. The learner fills
config.reanalyse.fraction of each batch from that table. Observations,
actions, rewards, discounts, behaviour probabilities and masks are kept: the
past-policies loss still corrects for the policy that acted.

The search runs without root noise; its policy is the visit distribution
(temperature 1), as the actors store it.
"""
import logging
import os
import time
from typing import Callable, Dict, Tuple

import numpy as np
import reverb
import tensorflow as tf

from pipeline import parts, progress
from pipeline.actors import acting
from pipeline.actors.model_fns import ModelFns
from pipeline.replay import variables
from pipeline.replay.connection import as_connection
from pipeline.replay.dataset import sequence_dataset
from pipeline.replay.spec import STEP_FIELDS
from pipeline.replay.tables import REANALYSE_SOURCE, REANALYSED, TARGET_VARIABLES

SearchFn = Callable[[np.ndarray], Tuple[np.ndarray, np.ndarray]]


def reanalyse_sequences(seq: Dict[str, np.ndarray], search: SearchFn) -> Dict[str, np.ndarray]:
  """New policy and value fields for sequences `seq` ([N, L, ...] arrays).

  search(observations [N L, *obs]) -> (visit distribution [N L, A], root value [N L]).
  On real steps (mask 1) the policy becomes the new visit distribution and the
  value the new root value, except on an episode's last step after a
  termination (its stored discount is 0): there the value stays 0. After a
  truncation (discount 1) it is the new root value (the learner bootstraps
  from it). Padding (mask 0) is left as stored.
  """
  n, length = seq["mask"].shape
  obs = seq["observation"].reshape((n * length,) + seq["observation"].shape[2:])
  policy, value = search(obs)
  policy = policy.reshape(n, length, -1).astype(np.float32)
  value = value.reshape(n, length).astype(np.float32)
  real = seq["mask"] > 0
  terminated = (seq["last"] > 0) & (seq["discount"] == 0)
  new_value = np.where(terminated, 0.0, value)
  out = dict(seq)
  out["policy"] = np.where(real[..., None], policy, seq["policy"]).astype(np.float32)
  out["value"] = np.where(real, new_value, seq["value"]).astype(np.float32)
  return out


class ReanalyseWorker:
  """One worker: sample, re-search with target parameters, insert; repeat."""

  def __init__(self, worker: parts.ReanalyseConfig, worker_id: int, client, address: str,
               workdir: str, network, sample_timeout_ms: int = 5_000):
    """worker: its typed config (pipeline/parts.py); network: the search network
    (target parameters come from Reverb); client: a replay.connection.Connection
    (rides out server restarts) or a reverb.Client."""
    self.config, self.worker_id = worker, worker_id
    self.conn = as_connection(client)
    self.network = network
    self.fns = ModelFns(self.network, worker.implementation)
    self.search_config = worker.search
    self.dataset = sequence_dataset(address, worker.batch_size, sample_timeout_ms,
                                    table=REANALYSE_SOURCE)
    self.length = worker.sequence_length
    self._open_writer()
    self.rng = np.random.default_rng([worker.seed, 7919, worker_id])
    self.version = -1
    self.sequences = 0
    self.summary = tf.summary.create_file_writer(
        os.path.join(workdir, "tensorboard", f"reanalyse_{worker_id}"))

  def _open_writer(self) -> None:
    self.writer = self.conn.client.trajectory_writer(num_keep_alive_refs=self.length)
    for column in STEP_FIELDS:
      self.writer.configure((column,), num_keep_alive_refs=self.length,
                            max_chunk_length=self.length)  # one chunk per item
    self.server_id, self._outages = self.conn.incarnation(), self.conn.outages

  def _server_restarted(self) -> bool:
    """After an outage or a restart: a new writer (the items in flight are dropped)."""
    if self.conn.outages == self._outages and self.conn.incarnation() == self.server_id:
      return False
    logging.warning("reanalyse %d: replay server restarted; reopening its writer",
                    self.worker_id)
    self._open_writer()
    return True

  def poll_parameters(self, wait_seconds: float = 0.0) -> bool:
    """Loads newer target parameters if any; False if none were ever published."""
    deadline = time.time() + wait_seconds
    while True:
      got = self.conn.call("read the target parameters",
                           lambda c: variables.latest(c, table=TARGET_VARIABLES))
      if got is not None and got[0] > self.version:
        self.version = got[0]
        variables.load_into(self.network, got[1])
      if got is not None or time.time() >= deadline:
        return got is not None
      self.conn.sleep(0.5)

  def _search(self, observations: np.ndarray):
    d = acting.decide(self.fns, observations, self.search_config, self.rng, add_noise=False,
                      temperature=1.0)
    return d.policy, d.root_value

  def _insert(self, seq: Dict[str, np.ndarray], should_stop) -> bool:
    """Writes each sequence as one "reanalysed" item; False if stopped while blocked."""
    for i in range(len(seq["mask"])):
      for t in range(self.length):
        self.writer.append({k: v[i, t] for k, v in seq.items()})
      self.writer.create_item(REANALYSED, priority=1.0,
                              trajectory={k: self.writer.history[k][-self.length:] for k in seq})
    while True:  # the learner's rate limiter may hold the inserts back
      try:
        self.writer.flush(timeout_ms=1_000)
        return True
      except reverb.errors.DeadlineExceededError:
        if should_stop():
          return False
      if self._server_restarted():  # waits for a gone server first
        return True  # these sequences were torn by the outage: dropped

  def run(self, should_stop: Callable[[], bool], log_every_seconds: float = 30.0) -> None:
    """Reanalyses until should_stop()."""
    while not self.poll_parameters(wait_seconds=5.0):
      if should_stop():
        return
    iterator = iter(self.dataset)
    rate, last_log, changes = progress.Rate(0), time.time(), []
    while not should_stop():
      try:
        sample = next(iterator)
      except (StopIteration, tf.errors.DeadlineExceededError, tf.errors.OpError) as e:
        # Nothing stored yet (the sample timed out), or the server went away.
        if not isinstance(e, (StopIteration, tf.errors.DeadlineExceededError)) or \
            not self.conn.available():
          self.conn.wait_until_available("sample sequences to reanalyse")
        iterator = iter(self.dataset)
        continue
      self.poll_parameters()
      seq = {k: v.numpy() for k, v in sample.data.items()}
      fresh = reanalyse_sequences(seq, self._search)
      real = seq["mask"] > 0
      changes.append(float(np.abs(fresh["value"] - seq["value"])[real].mean()))
      if not self._insert(fresh, should_stop):
        break
      self.sequences += len(seq["mask"])
      if time.time() - last_log >= log_every_seconds:
        per_second = rate.update(self.sequences)
        with self.summary.as_default(step=self.sequences):
          tf.summary.scalar("reanalyse/sequences_per_second", per_second)
          tf.summary.scalar("reanalyse/value_change", float(np.mean(changes)))
          tf.summary.scalar("reanalyse/parameter_version", self.version)
        logging.info("reanalyse %d: %d sequences (%.1f/s), target params v%d, mean |value "
                     "change| %.3f", self.worker_id, self.sequences, per_second, self.version,
                     np.mean(changes))
        last_log, changes = time.time(), []
    self.close()

  def close(self, timeout_ms: int = 1_000) -> None:
    try:
      if timeout_ms:
        self.writer.flush(timeout_ms=timeout_ms)
    except (reverb.errors.DeadlineExceededError, RuntimeError):
      pass  # the server may be gone or the learner done: the items are fresh, not state
    self.writer.close()
    self.summary.flush()  # the job may end with os._exit (errors.run_job)
