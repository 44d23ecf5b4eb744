"""One batched search over a batch of environments' current observations.

The search is the compiled one (one XLA program per search) or the numpy
reference, as `fns.implementation` says (config key search.implementation).
Both draw the root noise from `rng` in the same way (policy.dirichlet_noise,
one draw per row, before the search) and pick actions from the visit counts
with the same numpy helpers, so for the same rng state they make the same
decisions up to float rounding in the network calls.
"""
from typing import NamedTuple

import numpy as np

from pipeline.actors.model_fns import ModelFns
from pipeline.search import base
from pipeline.search import mcts
from pipeline.search import policy


class Decision(NamedTuple):
  """actions [B] int, policy [B, A] visit distribution, root_value [B],
  behaviour [B] the probability with which each action was drawn."""
  actions: np.ndarray
  policy: np.ndarray
  root_value: np.ndarray
  behaviour: np.ndarray


def decide(fns: ModelFns, observations: np.ndarray, search_config: base.SearchConfig,
           rng: np.random.Generator, add_noise: bool, temperature: float) -> Decision:
  """Searches from every observation [B, *obs] at once and picks actions."""
  if getattr(fns, "implementation", "reference") == "compiled":
    noise = None
    if add_noise:
      valid = np.ones((len(observations), fns.network.num_actions), bool)
      noise = policy.dirichlet_noise(rng, search_config.dirichlet_alpha, valid)
    out = fns.search(observations, search_config, noise=noise)
  else:
    out = mcts.search(fns.root(observations), fns.recurrent, search_config, rng,
                      add_noise=add_noise)
  actions = policy.select_actions(out.visit_counts, temperature, rng)
  acting_policy = policy.visit_policy(out.visit_counts, temperature)
  behaviour = acting_policy[np.arange(len(actions)), actions]
  return Decision(actions, policy.visit_policy(out.visit_counts, 1.0).astype(np.float32),
                  np.asarray(out.root_value, np.float32), behaviour.astype(np.float32))
