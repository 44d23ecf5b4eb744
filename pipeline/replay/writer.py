"""Writes one environment's steps to Reverb as overlapping fixed-length sequences.

A sequence of `length` steps is inserted every `period = length - overlap`
steps, so every step of an episode falls at a position < period of exactly
one item (the "all" unroll starts of pipeline/learner/batch.py). When an
episode ends it is padded with zero steps (mask 0), on the same schedule,
until its last real step has fallen there too; the next episode starts a
fresh sequence: no item ever mixes two episodes. With overlap >= K every such
position can start a K-step unroll. Each item's initial priority is the mean
|search value - TD(lambda) target| over its real steps, to the priority
exponent (the learner refreshes it after sampling). With `also_to` the same
item (shared data, no copy) also goes to other tables at priority 1, e.g.
"reanalyse_source" for the reanalyse workers.
"""
from typing import Dict, List, Sequence

import numpy as np
import reverb

from pipeline import targets
from pipeline.replay import spec as spec_lib
from pipeline.replay.tables import REPLAY


class SequenceWriter:
  """Per-env writer. `append(step)` with a dict of STEP_FIELDS arrays."""

  def __init__(self, client: reverb.Client, step_spec, length: int, overlap: int,
               unroll_steps: int, gamma: float, td_lambda: float, priority_exponent: float,
               also_to: Sequence[str] = ()):
    self._spec = step_spec
    self._also_to = tuple(also_to)
    self._length, self._period = length, length - overlap
    self._gamma, self._lambda, self._alpha = gamma, td_lambda, priority_exponent
    self._writer = client.trajectory_writer(num_keep_alive_refs=length)
    for column in step_spec:  # chunks of one period: an item spans few chunks, so a
      # learner batch decompresses few (3-4x faster sampling than the auto-tuned length)
      self._writer.configure((column,), num_keep_alive_refs=length,
                             max_chunk_length=self._period)
    self._steps: List[Dict[str, np.ndarray]] = []  # host copy of the current window
    self._unroll_steps = unroll_steps
    self._since_insert = 0
    self._count = 0         # steps appended in this episode, padding included
    self._inserted_at = 0   # _count at the last insert
    self._padded = False    # end_episode padded the episode, and waits for the server
    self.items_written = 0

  def _priority(self, window: List[Dict[str, np.ndarray]]) -> float:
    cols = {k: np.stack([s[k] for s in window])[None] for k in
            ("reward", "discount", "value", "last", "mask")}
    z = targets.value_targets(cols["reward"], cols["discount"], cols["value"], cols["last"],
                              cols["mask"], self._gamma, self._lambda)[0]
    error = np.abs(z - cols["value"][0])[cols["mask"][0] > 0].mean()
    return float((error + 1e-3) ** self._alpha)

  def _insert(self):
    window = self._steps[-self._length:]
    trajectory = {k: self._writer.history[k][-self._length:] for k in self._spec}
    self._writer.create_item(REPLAY, priority=self._priority(window), trajectory=trajectory)
    for table in self._also_to:
      self._writer.create_item(table, priority=1.0, trajectory=trajectory)
    self.items_written += 1
    self._since_insert = 0

  def append(self, step: Dict[str, np.ndarray]) -> None:
    """Adds one real step of the current episode."""
    self._append(step)

  def _append(self, step):
    self._writer.append(step)
    self._steps = (self._steps + [step])[-self._length:]
    self._since_insert += 1
    self._count += 1
    if len(self._steps) == self._length and self._since_insert >= self._period:
      self._insert()
      self._inserted_at = self._count  # the episode's step count when inserted

  def end_episode(self, timeout_ms=None) -> None:
    """Pads the episode until its last real step is at a position < period of an item,
    then waits (up to timeout_ms; None: forever) for the server to take its items.

    Padding steps go through the same schedule (an item every `period`
    steps); the item inserted at step count c starts at step c - length, so
    it holds the last real step T at a position < period once c > T + overlap.
    A timeout (reverb.errors.DeadlineExceededError: a rate limiter holds the
    items, or the server is gone) leaves the episode padded: calling again
    only waits again.
    """
    if self._count and not self._padded:
      last_real = self._count - 1
      overlap = self._length - self._period
      pad = spec_lib.zero_step(self._spec)
      while True:
        self._append(pad)
        if self._inserted_at >= last_real + overlap + 1:
          break
    self._padded = True
    self._writer.end_episode(clear_buffers=True, timeout_ms=timeout_ms)
    self._steps, self._since_insert, self._count, self._inserted_at = [], 0, 0, 0
    self._padded = False

  def flush(self, timeout_ms=None):
    self._writer.flush(timeout_ms=timeout_ms)

  def close(self, timeout_ms=None):
    """Flushes (up to timeout_ms; 0: not at all) and closes; the items not
    yet taken are dropped (a torn sequence is never half-written)."""
    try:
      if timeout_ms != 0:
        self._writer.flush(timeout_ms=timeout_ms)
    finally:
      self._writer.close()
