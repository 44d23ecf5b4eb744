"""The acting policies over the reference search: one call, one PolicyOutput.

  muzero_policy(root, recurrent_fn, config, rng, add_noise, temperature)
      pUCT search (Dirichlet noise at the root when add_noise); the action is
      drawn from visits ** (1 / T); the target is the visit distribution.
  gumbel_muzero_policy(...)
      Gumbel MuZero: Gumbel noise g (config.gumbel_scale, only when
      add_noise; else g = 0, the greedy choice), sequential halving at the
      root; the action is the search's; the target is the improved policy
      softmax(logits + sigma(completed Q)); `temperature` is not used.
  policy_for(config) -> the one of the two that config.kind names.

`behaviour` is the probability of the chosen action under the policy that
chose it, for the past-policies V-trace: pUCT's visits ** (1 / T)
distribution; for Gumbel, whose choice (top-m sampling then halving) has no
closed-form probability, the improved policy's probability of the action
(at m = 1 and 0 simulations it is exactly the probability with which the
Gumbel-max trick draws it).
"""
from typing import Callable, NamedTuple, Optional

import numpy as np

from pipeline.search import base
from pipeline.search import mcts
from pipeline.search import policy
from pipeline.search import selection


class PolicyOutput(NamedTuple):
  """actions [B] int64, action_weights [B, A] the policy target, acting_probs
  [B, A] the distribution the actions are taken to be drawn from, behaviour
  [B] = acting_probs of the action (see the module docstring), root_value [B]
  float32, search (visit counts, Q, tree; compiled: its own output)."""
  actions: np.ndarray
  action_weights: np.ndarray
  acting_probs: np.ndarray
  behaviour: np.ndarray
  root_value: np.ndarray
  search: object


def _inputs(root, config, invalid_actions):
  base.check_config(config)
  logits, _, _ = base.check_root(root)
  return logits, base.check_invalid_actions(invalid_actions, *logits.shape)


def muzero_search(root: base.RootOutput, recurrent_fn: base.RecurrentFn,
                  config: base.SearchConfig, rng: Optional[np.random.Generator],
                  add_noise: bool, invalid_actions: Optional[np.ndarray] = None,
                  noise: Optional[np.ndarray] = None) -> base.SearchOutput:
  """The pUCT search (mcts.py's conventions): root priors softmax over the
  valid actions, Dirichlet noise from `rng` (or `noise` [B, A]) when add_noise."""
  logits, invalid = _inputs(root, config, invalid_actions)
  if noise is not None:
    if not add_noise:
      raise ValueError("noise was given but add_noise is False")
    noise = np.asarray(noise, dtype=np.float64)
    if noise.shape != logits.shape:
      raise ValueError(f"noise must be {logits.shape}, got {noise.shape}")
  elif add_noise and rng is None:
    raise ValueError("add_noise needs an rng (or explicit noise)")
  priors = policy.root_priors(logits, invalid, config, add_noise, rng, noise)
  return mcts.search(root, recurrent_fn, config, selection.puct(config, invalid), priors, invalid)


def from_visits(out, temperature: float, rng: np.random.Generator,
                invalid_actions=None) -> PolicyOutput:
  """MuZero's acting on a finished search `out` (its visit_counts [B, A],
  root_value [B]): the action drawn from visits ** (1 / T) (T = 0: argmax),
  the target the visit distribution. Used for both search implementations."""
  counts = np.asarray(out.visit_counts)
  actions = policy.select_actions(counts, temperature, rng, invalid_actions)
  acting = policy.visit_policy(counts, temperature)
  return PolicyOutput(actions, policy.visit_policy(counts, 1.0), acting,
                      acting[np.arange(len(actions)), actions],
                      np.asarray(out.root_value, np.float32), out)


def with_epsilon(out: PolicyOutput, epsilon: float, rng: np.random.Generator) -> PolicyOutput:
  """Epsilon-exploration over any acting rule: each row's action is, with
  probability epsilon, replaced by one drawn uniformly over the A actions.

  acting_probs [B, A] become (1 - epsilon) acting_probs + epsilon / A and behaviour
  [B] that of the action taken (exact for pUCT; for Gumbel, as its behaviour is,
  the improved policy's); the policy target is unchanged. epsilon 0 returns `out`
  and draws nothing from rng.
  """
  if epsilon <= 0.0:
    return out
  acting = np.asarray(out.acting_probs, np.float64)
  batch, num_actions = acting.shape
  explore = rng.random(batch) < epsilon
  uniform = rng.integers(num_actions, size=batch)
  actions = np.where(explore, uniform, out.actions).astype(np.asarray(out.actions).dtype)
  mixed = (1.0 - epsilon) * acting + epsilon / num_actions
  return out._replace(actions=actions, acting_probs=mixed,
                      behaviour=mixed[np.arange(batch), actions])


def from_gumbel(out) -> PolicyOutput:
  """Gumbel MuZero's PolicyOutput from the compiled search's output (its
  action [B] and improved policy [B, A])."""
  weights = np.asarray(out.action_weights, np.float64)
  actions = np.asarray(out.action, np.int64)
  return PolicyOutput(actions, weights, weights, weights[np.arange(len(actions)), actions],
                      np.asarray(out.root_value, np.float32), out)


def muzero_policy(root, recurrent_fn, config, rng, add_noise: bool, temperature: float,
                  invalid_actions=None, noise=None) -> PolicyOutput:
  """MuZero: pUCT search, the action drawn from visits ** (1 / T)."""
  out = muzero_search(root, recurrent_fn, config, rng, add_noise, invalid_actions, noise)
  return from_visits(out, temperature, rng, invalid_actions)


def gumbel_muzero_policy(root, recurrent_fn, config, rng, add_noise: bool, temperature: float,
                         invalid_actions=None, noise=None) -> PolicyOutput:
  """Gumbel MuZero; `noise` [B, A] is the Gumbel noise g itself (then rng is unused)."""
  del temperature
  logits, invalid = _inputs(root, config, invalid_actions)
  if noise is not None:
    g = np.asarray(noise, dtype=np.float64)
    if g.shape != logits.shape:
      raise ValueError(f"noise must be {logits.shape}, got {g.shape}")
  elif add_noise:
    if rng is None:
      raise ValueError("add_noise needs an rng (or explicit noise)")
    g = config.gumbel_scale * rng.gumbel(size=logits.shape)
  else:
    g = np.zeros(logits.shape)
  priors = policy.softmax(logits, ~invalid)
  out = mcts.search(root, recurrent_fn, config, selection.gumbel(config, g, invalid), priors,
                    invalid)
  stats = selection.tree_stats(out.tree, np.zeros(len(logits), np.int64))
  actions = selection.gumbel_action(stats, config, g, invalid)
  weights = selection.improved_policy(stats, config, invalid)[:, 0]
  return PolicyOutput(actions, weights, weights, weights[np.arange(len(actions)), actions],
                      out.root_value, out)


POLICIES = {"puct": muzero_policy, "gumbel": gumbel_muzero_policy}


def policy_for(config: base.SearchConfig) -> Callable[..., PolicyOutput]:
  """The policy of config.kind (base.KINDS)."""
  base.check_config(config)
  return POLICIES[config.kind]
