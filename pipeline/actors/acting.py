"""One batched search over a batch of environments' current observations.

The search is the compiled one (one XLA program per search) or the numpy
reference, as `fns.implementation` says (config key search.implementation).
Both draw the root noise from `rng` in the same way (policy.dirichlet_noise,
one draw per row, before the search) and pick actions from the visit counts
with the same numpy helpers, so for the same rng state they make the same
decisions up to float rounding in the network calls. The selection rule is
search.kind (policies.py): pUCT or Gumbel MuZero, on both.
"""
from typing import NamedTuple

import numpy as np

from pipeline.actors.model_fns import ModelFns
from pipeline.search import base
from pipeline.search import policies
from pipeline.search import policy


class Decision(NamedTuple):
  """actions [B] int, policy [B, A] the policy target (pUCT: the visit
  distribution; Gumbel: the improved policy), root_value [B] (as
  search_config.root_value says: policy.root_value), behaviour [B]
  the probability of each action under the acting policy (policies.py)."""
  actions: np.ndarray
  policy: np.ndarray
  root_value: np.ndarray
  behaviour: np.ndarray


def decide(fns: ModelFns, observations: np.ndarray, search_config: base.SearchConfig,
           rng: np.random.Generator, add_noise: bool, temperature: float,
           epsilon: float = 0.0) -> Decision:
  """Searches from every observation [B, *obs] at once and picks actions; with
  epsilon > 0 each action is uniform at random with that probability
  (policies.with_epsilon; behaviour accounts for it)."""
  if getattr(fns, "implementation", "reference") == "compiled":
    shape = (len(observations), fns.network.num_actions)
    if search_config.kind == "gumbel":  # the same draw as policies.gumbel_muzero_policy
      noise = search_config.gumbel_scale * rng.gumbel(size=shape) if add_noise else None
      out = policies.from_gumbel(fns.search(observations, search_config, noise=noise))
    else:
      noise = None
      if add_noise:
        noise = policy.dirichlet_noise(rng, search_config.dirichlet_alpha, np.ones(shape, bool))
      out = policies.from_visits(fns.search(observations, search_config, noise=noise),
                                 temperature, rng)
  else:
    out = policies.policy_for(search_config)(fns.root(observations), fns.recurrent,
                                             search_config, rng, add_noise, temperature)
  out = policies.with_epsilon(out, epsilon, rng)
  value = policy.root_value(out.search.visit_counts, out.search.q_values, out.root_value,
                            search_config.root_value)
  return Decision(out.actions, out.action_weights.astype(np.float32), value,
                  out.behaviour.astype(np.float32))
