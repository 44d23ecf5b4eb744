"""MuZero's behaviour policy at a checkpoint, and what it visits.

A policy is anything with `probs(observations [B, *obs], rng) -> [B, A]`.
`Behaviour` is MuZero's: a search with the checkpoint's learned model at the
real state (root noise as in self-play), the visit counts turned into a
distribution with the checkpoint's temperature (He et al., Equation 1).

  collect_states: states from the policy's on-policy distribution
  sample_sequences: action sequences of the policy in the true environment
"""
from typing import Callable, List, NamedTuple, Tuple

import numpy as np

from pipeline.actors.model_fns import ModelFns
from pipeline.analysis import true_model
from pipeline.analysis.roots import Roots
from pipeline.search import base
from pipeline.search import policies


class Behaviour:
  """MCTS with a network's learned model at real states -> visit policy [B, A]."""

  def __init__(self, network, search_config: base.SearchConfig, temperature: float,
               add_noise: bool, chunk: int = 2048):
    self.fns = ModelFns(network)
    self.search_config, self.temperature = search_config, temperature
    self.add_noise, self.chunk = add_noise, chunk

  def probs(self, observations: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    parts = []
    for i in range(0, len(observations), self.chunk):
      obs = observations[i:i + self.chunk]
      out = policies.policy_for(self.search_config)(
          self.fns.root(obs), self.fns.recurrent, self.search_config, rng,
          add_noise=self.add_noise, temperature=self.temperature)
      parts.append(out.acting_probs)
    return np.concatenate(parts)


class UniformPolicy:
  """Every action with probability 1 / A (a reference policy for tests)."""

  def __init__(self, num_actions: int):
    self.num_actions = num_actions

  def probs(self, observations, rng):
    del rng
    return np.full((len(observations), self.num_actions), 1.0 / self.num_actions)


def sample_actions(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
  """One action per row of probs [B, A]."""
  cdf = np.cumsum(probs, axis=1)
  u = rng.random(len(probs))[:, None] * cdf[:, -1:]
  return np.minimum((cdf <= u).sum(axis=1), probs.shape[1] - 1)


class Collected(NamedTuple):
  roots: Roots
  episode_returns: List[float]  # returns of the episodes that ended while collecting


def collect_states(make_env: Callable[[int], object], policy, num_envs: int, steps: int,
                   num_states: int, seed: int) -> Collected:
  """`num_states` states drawn uniformly from those the policy visits.

  Plays `num_envs` environments (seeds seed, seed + 1, ...) for `steps`
  decisions each, resetting at episode ends; the states where it acts form
  the pool, sampled without replacement.
  """
  rng = np.random.default_rng(seed)
  envs = [make_env(seed + i) for i in range(num_envs)]
  timesteps = [env.reset() for env in envs]
  total = num_envs * steps
  keep = set(rng.choice(total, size=min(num_states, total), replace=False).tolist())
  observations, states, returns = [], [], []
  running = np.zeros(num_envs)
  for t in range(steps):
    obs = np.stack([ts.observation for ts in timesteps])
    for i, env in enumerate(envs):
      if t * num_envs + i in keep:
        observations.append(obs[i].copy())
        states.append(env.get_state())
    actions = sample_actions(policy.probs(obs, rng), rng)
    for i, env in enumerate(envs):
      ts = env.step(int(actions[i]))
      running[i] += ts.reward
      if ts.last():
        returns.append(float(running[i]))
        running[i] = 0.0
        ts = env.reset()
      timesteps[i] = ts
  for env in envs:
    if hasattr(env, "close"):
      env.close()
  return Collected(Roots(np.stack(observations), states), returns)


def sample_sequences(env, policy, roots: Roots, num_samples: int, horizon: int,
                     rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
  """Action sequences of the policy from each root, in the true environment.

  Returns actions [N, M, h] and their real rewards [N, M, h]. After an
  episode end the actions are uniformly random and the rewards 0 (the
  absorbing convention of the training targets).
  """
  n, m = len(roots), num_samples
  nodes = true_model.root_nodes(roots.repeat(m))
  num_actions = None
  actions = np.zeros((n * m, horizon), np.int64)
  rewards = np.zeros((n * m, horizon), np.float64)
  for k in range(horizon):
    live = np.array([not node.ended for node in nodes])
    obs = np.stack([node.observation for node in nodes])
    probs = policy.probs(obs[live], rng) if live.any() else None
    if num_actions is None:
      num_actions = probs.shape[1]
    acts = rng.integers(num_actions, size=len(nodes))
    if probs is not None:
      acts[live] = sample_actions(probs, rng)
    for i, node in enumerate(nodes):
      rewards[i, k], nodes[i] = true_model.step(env, node, acts[i], keep_state=k + 1 < horizon)
    actions[:, k] = acts
  return actions.reshape(n, m, horizon), rewards.reshape(n, m, horizon)
