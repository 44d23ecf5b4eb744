"""Writes one environment's steps to Reverb as overlapping fixed-length sequences.

A sequence of `length` steps is inserted every `length - overlap` steps. When
an episode ends, its final partial sequence is padded with zero steps
(mask 0) and inserted, and the next episode starts a fresh sequence: no item
ever mixes two episodes. Each item's initial priority is the mean
|search value - TD(lambda) target| over its real steps, to the priority
exponent (the learner refreshes it after sampling).
"""
from typing import Dict, List

import numpy as np
import reverb

from pipeline import targets
from pipeline.replay import spec as spec_lib
from pipeline.replay.tables import REPLAY


class SequenceWriter:
  """Per-env writer. `append(step)` with a dict of STEP_FIELDS arrays."""

  def __init__(self, client: reverb.Client, step_spec, length: int, overlap: int,
               gamma: float, td_lambda: float, priority_exponent: float):
    self._spec = step_spec
    self._length, self._period = length, length - overlap
    self._gamma, self._lambda, self._alpha = gamma, td_lambda, priority_exponent
    self._writer = client.trajectory_writer(num_keep_alive_refs=length)
    self._steps: List[Dict[str, np.ndarray]] = []  # host copy of the current window
    self._since_insert = 0
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
    self.items_written += 1
    self._since_insert = 0

  def append(self, step: Dict[str, np.ndarray]) -> None:
    """Adds one real step; inserts a sequence whenever a window is complete."""
    self._writer.append(step)
    self._steps = (self._steps + [step])[-self._length:]
    self._since_insert += 1
    if len(self._steps) == self._length and self._since_insert >= self._period:
      self._insert()

  def end_episode(self) -> None:
    """Pads and inserts the episode's last window, then starts afresh.

    The last window starts where the next regular one would have (`overlap`
    steps before the pending ones), so every real step can start an unroll.
    """
    if self._steps:
      overlap = self._length - self._period
      real = min(len(self._steps), self._since_insert + overlap)
      window = self._steps[-real:]
      pad = spec_lib.zero_step(self._spec)
      for _ in range(self._length - real):
        self._writer.append(pad)
      self._steps = window + [pad] * (self._length - real)
      self._insert()
    self._writer.end_episode(clear_buffers=True)
    self._steps, self._since_insert = [], 0

  def flush(self):
    self._writer.flush()

  def close(self):
    self._writer.flush()
    self._writer.close()
