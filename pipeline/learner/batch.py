"""From sampled sequences to one unroll per sequence, with targets (on the host).

Input: sequence fields [B, L, ...] (see pipeline/replay/spec.py). For each
sequence one start s is drawn among its real steps with s <= L - 1 - K, and
the K-step unroll from s gets:
  observation [B, *obs]       o_s
  actions [B, K]              a_s .. a_{s+K-1} (random past an episode's end)
  target_value [B, K+1, Vb]   two-hot TD(lambda) targets z_s .. z_{s+K}
  target_reward [B, K, Rb]    two-hot r_s .. r_{s+K-1} (0 past the end)
  target_policy [B, K+1, A]   visit distributions; policy_mask [B, K+1]
  value_scalar [B, K+1]       the scalar targets (for priorities and logs)
  start [B]                   s, for the past-policies loss (full sequences)
"""
from typing import Dict, NamedTuple

import numpy as np

from pipeline import targets


class UnrollBatch(NamedTuple):
  observation: np.ndarray
  actions: np.ndarray
  target_value: np.ndarray
  target_reward: np.ndarray
  target_policy: np.ndarray
  policy_mask: np.ndarray
  value_scalar: np.ndarray
  start: np.ndarray


def draw_starts(mask: np.ndarray, unroll_steps: int, rng: np.random.Generator) -> np.ndarray:
  """One start per sequence, uniform over real steps s <= L - 1 - K: [B] int."""
  length = mask.shape[1]
  allowed = mask[:, : length - unroll_steps] > 0
  allowed[~allowed.any(axis=1), 0] = True  # every item starts with a real step anyway
  u = rng.random(allowed.shape) * allowed
  return u.argmax(axis=1)


def make_unroll_batch(seq: Dict[str, np.ndarray], unroll_steps: int, gamma: float,
                      td_lambda: float, n_step: int, value_support: int, reward_support: int,
                      rng: np.random.Generator) -> UnrollBatch:
  """Targets for one K-step unroll per sequence; `seq` holds [B, L, ...] arrays."""
  k = unroll_steps
  mask, last = seq["mask"].astype(np.float32), seq["last"].astype(np.float32)
  z = targets.value_targets(seq["reward"], seq["discount"], seq["value"], last, mask,
                            gamma, td_lambda, n_step)
  start = draw_starts(mask, k, rng)
  rows = np.arange(mask.shape[0])[:, None]
  idx = start[:, None] + np.arange(k + 1)[None]                      # [B, K+1]
  alive = mask[rows, idx] * (1.0 - last[rows, idx])                  # a real, non-final state
  num_actions = seq["policy"].shape[-1]
  random_actions = rng.integers(0, num_actions, size=(mask.shape[0], k))
  actions = np.where(alive[:, :k] > 0, seq["action"][rows, idx[:, :k]], random_actions)
  rewards = seq["reward"][rows, idx[:, :k]] * alive[:, :k]
  values = z[rows, idx]
  return UnrollBatch(
      observation=seq["observation"][np.arange(mask.shape[0]), start],
      actions=actions.astype(np.int32),
      target_value=targets.two_hot(values, value_support),
      target_reward=targets.two_hot(rewards, reward_support),
      target_policy=seq["policy"][rows, idx].astype(np.float32),
      policy_mask=alive.astype(np.float32),
      value_scalar=values.astype(np.float32),
      start=start.astype(np.int32))
