"""One batched search over a batch of environments' current observations.

The search is the compiled one (one XLA program per search) or the numpy
reference, as `fns.implementation` says (config key search.implementation).
Both draw the root noise from `rng` in the same way (policy.dirichlet_noise,
one draw per row, before the search) and pick actions from the visit counts
with the same numpy helpers, so for the same rng state they make the same
decisions up to float rounding in the network calls. The selection rule is
search.kind (policies.py): pUCT on both, Gumbel MuZero on the reference one.
"""
from typing import NamedTuple

import numpy as np

from pipeline.actors.model_fns import ModelFns
from pipeline.search import base
from pipeline.search import policies
from pipeline.search import policy


class Decision(NamedTuple):
  """actions [B] int, policy [B, A] the policy target (pUCT: the visit
  distribution; Gumbel: the improved policy), root_value [B], behaviour [B]
  the probability of each action under the acting policy (policies.py)."""
  actions: np.ndarray
  policy: np.ndarray
  root_value: np.ndarray
  behaviour: np.ndarray


def decide(fns: ModelFns, observations: np.ndarray, search_config: base.SearchConfig,
           rng: np.random.Generator, add_noise: bool, temperature: float) -> Decision:
  """Searches from every observation [B, *obs] at once and picks actions."""
  if getattr(fns, "implementation", "reference") == "compiled":
    if search_config.kind != "puct":
      raise ValueError(f"search.kind={search_config.kind!r} runs on the reference search only; "
                       f"set search.implementation='reference'")
    noise = None
    if add_noise:
      valid = np.ones((len(observations), fns.network.num_actions), bool)
      noise = policy.dirichlet_noise(rng, search_config.dirichlet_alpha, valid)
    out = policies.from_visits(fns.search(observations, search_config, noise=noise),
                               temperature, rng)
  else:
    out = policies.policy_for(search_config)(fns.root(observations), fns.recurrent,
                                             search_config, rng, add_noise, temperature)
  return Decision(out.actions, out.action_weights.astype(np.float32),
                  np.asarray(out.root_value, np.float32), out.behaviour.astype(np.float32))
