"""Parameters from the learner to the actors through Reverb's "variables" table.

The learner inserts [version, *weights] (max_size 1: the newest replaces the
old); actors sample it whenever they poll. Reanalyse workers read the target
network's parameters the same way from "target_variables". Works across hosts: nothing but
the Reverb address is shared.
"""
from typing import List, Optional, Tuple

import numpy as np
import reverb

from pipeline.errors import PipelineError
from pipeline.replay.tables import VARIABLES


def publish(client: reverb.Client, version: int, weights: List[np.ndarray],
            table: str = VARIABLES) -> None:
  client.insert([np.asarray(version, np.int64)] + [np.asarray(w) for w in weights],
                priorities={table: 1.0})


def latest(client: reverb.Client, timeout_ms: int = 0, table: str = VARIABLES
           ) -> Optional[Tuple[int, List[np.ndarray]]]:
  """(version, weights) of the newest parameters in `table`, or None if none yet."""
  info = client.server_info(timeout=max(1, timeout_ms // 1000) if timeout_ms else None)
  if info[table].current_size == 0:
    return None
  sample = next(client.sample(table, num_samples=1, emit_timesteps=False))
  data = [np.asarray(x)[0] for x in sample.data]  # drop the item's time axis [1, ...]
  return int(data[0]), data[1:]


def load_into(network, weights: List[np.ndarray], source: str = "the learner's published parameters"
              ) -> None:
  """network.set_weights(weights), or one PipelineError line naming the first
  mismatch (another host started with another network, observation or action
  shape) instead of a traceback from inside Keras."""
  mine = network.weights
  if len(mine) != len(weights):
    raise PipelineError(f"{source} have {len(weights)} weight arrays, this process's network "
                        f"{len(mine)}: start every host with the same config (network, "
                        f"observation and action shapes)")
  for variable, value in zip(mine, weights):
    if tuple(variable.shape) != tuple(np.shape(value)):
      raise PipelineError(f"{source} do not fit this process's network: {variable.name} has shape "
                          f"{tuple(variable.shape)} here and {tuple(np.shape(value))} in theirs; "
                          f"start every host with the same config (network, observation and "
                          f"action shapes)")
  network.set_weights(weights)
