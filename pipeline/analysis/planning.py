"""Planning with a model (He et al., Section 4: Figures 6 and 7).

  play_episodes: episodes in the true environment, acting by MCTS with a
    model (learned or true; true_model / learned_model), the most visited
    action each step, no root noise. Scored by the episode return.
  play_prior: the policy prior alone: actions sampled from the policy head
    (He et al.'s baseline, Figure 2), or its argmax.
  search_statistics: at given states, one search with the learned model;
    TV and KL between the policy prior and the root's empirical visit
    distribution (1 + N(a)) / (|A| + sum_b N(b)), and the value-prediction
    error of every simulated trajectory (root to each expanded node).
"""
from typing import Callable, List, NamedTuple, Optional

import numpy as np

from pipeline.analysis import true_model
from pipeline.analysis.roots import Roots
from pipeline.search import base
from pipeline.search import policies


def _roots(envs, timesteps, rows, need_states: bool) -> Roots:
  obs = np.stack([timesteps[i].observation for i in rows])
  states = [envs[i].get_state() for i in rows] if need_states else [None] * len(rows)
  return Roots(obs, states)


def play_episodes(envs: List[object], model, search_config: base.SearchConfig, max_steps: int,
                  rng: np.random.Generator,
                  on_step: Callable[[int, int], None] = lambda t, n: None) -> np.ndarray:
  """Returns [E] of one episode per env (reset here), capped at max_steps decisions.

  `model` has root(roots) / recurrent(emb, action); a model with
  `needs_env_state` (the true one) gets the envs' saved states at the roots.
  on_step(step, active envs) is called after every step.
  """
  need_states = getattr(model, "needs_env_state", False)
  timesteps = [env.reset() for env in envs]
  returns = np.zeros(len(envs))
  active = np.ones(len(envs), bool)
  for t in range(max_steps):
    rows = np.flatnonzero(active)
    if not len(rows):
      break
    actions = policies.policy_for(search_config)(
        model.root(_roots(envs, timesteps, rows, need_states)), model.recurrent,
        search_config, rng, add_noise=False, temperature=0.0).actions
    for i, a in zip(rows, actions):
      timesteps[i] = envs[i].step(int(a))
      returns[i] += timesteps[i].reward
      active[i] = not timesteps[i].last()
    on_step(t + 1, int(active.sum()))
  return returns


def prior_actions(logits: np.ndarray, rng: Optional[np.random.Generator]) -> np.ndarray:
  """[B] actions from logits [B, A]: sampled from softmax(logits) with `rng`, the argmax without."""
  if rng is None:
    return np.argmax(logits, axis=1)
  probs = softmax(np.asarray(logits, np.float64))
  return np.array([rng.choice(probs.shape[1], p=p) for p in probs])


def play_prior(envs: List[object], policy_logits: Callable[[np.ndarray], np.ndarray],
               max_steps: int, rng: Optional[np.random.Generator] = None) -> np.ndarray:
  """Returns [E] acting by policy_logits(observations [B, *obs]): actions sampled
  with `rng`, else the argmax (prior_actions)."""
  timesteps = [env.reset() for env in envs]
  returns = np.zeros(len(envs))
  active = np.ones(len(envs), bool)
  for _ in range(max_steps):
    rows = np.flatnonzero(active)
    if not len(rows):
      break
    logits = policy_logits(np.stack([timesteps[i].observation for i in rows]))
    for i, a in zip(rows, prior_actions(logits, rng)):
      timesteps[i] = envs[i].step(int(a))
      returns[i] += timesteps[i].reward
      active[i] = not timesteps[i].last()
  return returns


# ---- Figure 6 ----------------------------------------------------------------
def softmax(logits: np.ndarray) -> np.ndarray:
  z = np.exp(logits - logits.max(axis=-1, keepdims=True))
  return z / z.sum(axis=-1, keepdims=True)


def empirical_visits(visit_counts: np.ndarray) -> np.ndarray:
  """(1 + N(a)) / (|A| + sum_b N(b)) [B, A], He et al.'s pi_hat."""
  n = np.asarray(visit_counts, np.float64)
  return (1.0 + n) / (n.shape[1] + n.sum(axis=1, keepdims=True))


def total_variation(p: np.ndarray, q: np.ndarray) -> np.ndarray:
  return 0.5 * np.abs(p - q).sum(axis=-1)


def kl_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
  """KL[p, q] = sum p log(p / q) per row (terms with p = 0 are 0)."""
  safe_p = np.where(p > 0, p, 1.0)
  return np.where(p > 0, p * (np.log(safe_p) - np.log(q)), 0.0).sum(axis=-1)


def trajectory_errors(tree: base.Tree, env, roots: Roots, discount: float) -> List[np.ndarray]:
  """Per row: [n, 2] (depth, |v - v_hat|) of the path from the root to each
  expanded node, v the real discounted rewards along it, v_hat the model's."""
  out = []
  for b, root in enumerate(true_model.root_nodes(roots)):
    parents = tree.parents[b]
    nodes = {0: root}
    depth, true_v, pred_v = {0: 0}, {0: 0.0}, {0: 0.0}
    rows = []
    for i in np.flatnonzero(parents >= 0):  # children have larger indices than parents
      p, a = int(parents[i]), int(tree.action_from_parent[b, i])
      r, nodes[i] = true_model.step(env, nodes[p], a)
      scale = discount ** depth[p]
      true_v[i] = true_v[p] + scale * r
      pred_v[i] = pred_v[p] + scale * float(tree.rewards[b, p, a])
      depth[i] = depth[p] + 1
      rows.append((depth[i], abs(true_v[i] - pred_v[i])))
    out.append(np.array(rows, np.float64).reshape(-1, 2))
  return out


class SearchStats(NamedTuple):
  """tv, kl [N] at the roots; errors [n, 2] (depth, error) of all rows' trajectories."""
  tv: np.ndarray
  kl: np.ndarray
  errors: np.ndarray


def search_statistics(model, env, roots: Roots, search_config: base.SearchConfig,
                      rng: np.random.Generator) -> SearchStats:
  """One search per root with `model` (a LearnedModel); see the module doc."""
  prior = softmax(model.policy_logits(roots.observations))
  out = policies.policy_for(search_config)(model.root(roots), model.recurrent, search_config,
                                          rng, add_noise=False, temperature=0.0).search
  visits = empirical_visits(out.visit_counts)
  errors = trajectory_errors(out.tree, env, roots, search_config.discount)
  return SearchStats(total_variation(prior, visits), kl_divergence(prior, visits),
                     np.concatenate(errors))
