"""States to analyse from: observations with the saved environment states."""
from typing import List, NamedTuple, Sequence

import numpy as np


class Roots(NamedTuple):
  """N real states: observations [N, *obs] and env states (env.get_state())."""
  observations: np.ndarray
  env_states: List[object]

  def __len__(self) -> int:
    return len(self.env_states)

  def take(self, index: Sequence[int]) -> "Roots":
    index = np.asarray(index, np.int64)
    return Roots(self.observations[index], [self.env_states[i] for i in index])

  def repeat(self, times: int) -> "Roots":
    """Each root `times` times in a row: [r0, r0, ..., r1, r1, ...]."""
    return self.take(np.repeat(np.arange(len(self)), times))


def concat(parts: Sequence[Roots]) -> Roots:
  return Roots(np.concatenate([p.observations for p in parts]),
               [s for p in parts for s in p.env_states])
