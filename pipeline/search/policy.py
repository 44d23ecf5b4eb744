"""Root priors, Dirichlet noise and the acting policy, in numpy.

`softmax`, `dirichlet_noise` and `root_priors` give the reference search's
root priors (mcts.py's docstring states the conventions: softmax over the
valid actions, P <- (1 - f) P + f eta, masked and renormalised).
`visit_policy` and `select_actions` turn visit counts into the acting policy
(counts ** (1 / T), normalised; T = 0 is the argmax, lowest index on ties).
"""
from typing import Optional

import numpy as np

from pipeline.search import base


def softmax(logits: np.ndarray, valid: Optional[np.ndarray] = None):
  """Softmax over the last axis in float64; invalid entries get exactly 0."""
  x = np.asarray(logits, dtype=np.float64)
  if valid is not None:
    x = np.where(valid, x, -np.inf)
  x = x - x.max(axis=-1, keepdims=True)
  e = np.exp(x)
  return e / e.sum(axis=-1, keepdims=True)


def dirichlet_noise(rng: np.random.Generator, alpha: float,
                    valid: np.ndarray) -> np.ndarray:
  """One Dir(alpha) draw per row over the row's valid actions ([B, A])."""
  g = rng.gamma(alpha, 1.0, size=valid.shape) * valid
  total = g.sum(axis=-1, keepdims=True)
  # All-zero draws (possible in floating point for tiny alpha): uniform.
  uniform = valid / valid.sum(axis=-1, keepdims=True)
  return np.where(total > 0, g / np.where(total > 0, total, 1.0), uniform)


def root_priors(prior_logits: np.ndarray, invalid_actions: np.ndarray,
                config: base.SearchConfig, add_noise: bool,
                rng: Optional[np.random.Generator],
                noise: Optional[np.ndarray] = None) -> np.ndarray:
  """The root's prior probabilities [B, A] (masked, noised when asked)."""
  valid = ~invalid_actions
  p = softmax(prior_logits, valid)
  if add_noise:
    if noise is None:
      noise = dirichlet_noise(rng, config.dirichlet_alpha, valid)
    f = config.dirichlet_fraction
    p = (1.0 - f) * p + f * np.asarray(noise, dtype=np.float64)
    p = np.where(valid, p, 0.0)
    p = p / p.sum(axis=-1, keepdims=True)
  return p


def root_value(visit_counts: np.ndarray, q_values: np.ndarray, mean_value: np.ndarray,
               mode: str = "mean") -> np.ndarray:
  """The value [B] a finished search reports for its roots.

  "mean": mean_value [B] (value_sum / visits: MuZero's; it counts every
  simulation, those the root noise sent to poor actions too). "max_q": the
  largest Q [B, A] among the root actions with visit_counts [B, A] > 0 (the
  value of acting greedily on the search, DQN's max); mean_value on a row
  without visited actions.
  """
  mean_value = np.asarray(mean_value, np.float32)
  if mode == "mean":
    return mean_value
  if mode not in base.ROOT_VALUES:
    raise ValueError(f"root value mode must be one of {base.ROOT_VALUES}, got {mode!r}")
  visited = np.asarray(visit_counts) > 0
  best = np.where(visited, np.asarray(q_values, np.float32), -np.inf).max(axis=1)
  return np.where(visited.any(axis=1), best, mean_value).astype(np.float32)


def visit_policy(visit_counts: np.ndarray, temperature: float) -> np.ndarray:
  """Acting policy [B, A] from visit counts: counts ** (1 / T), normalised.

  temperature 0 gives the one-hot of the most visited action (lowest index on
  ties). A row without visits gives the uniform policy.
  """
  counts = np.asarray(visit_counts, dtype=np.float64)
  if counts.ndim != 2:
    raise ValueError(f"visit_counts must be [B, A], got {counts.shape}")
  if temperature < 0:
    raise ValueError(f"temperature must be >= 0, got {temperature}")
  if temperature == 0:
    return np.eye(counts.shape[1])[counts.argmax(axis=1)]
  top = counts.max(axis=1, keepdims=True)
  # Scale by the max before the power so large counts / small T don't overflow.
  w = (counts / np.where(top > 0, top, 1.0)) ** (1.0 / temperature)
  total = w.sum(axis=1, keepdims=True)
  uniform = np.full_like(w, 1.0 / w.shape[1])
  return np.where(total > 0, w / np.where(total > 0, total, 1.0), uniform)


def select_actions(visit_counts: np.ndarray, temperature: float,
                   rng: np.random.Generator,
                   invalid_actions: Optional[np.ndarray] = None) -> np.ndarray:
  """Samples one action per row from visit_policy (argmax when T = 0).

  Invalid actions are never returned (when a row's policy has no mass on a
  valid action, it falls back to uniform over the valid actions).
  """
  counts = np.asarray(visit_counts)
  bsz, num_actions = counts.shape
  if invalid_actions is not None:
    invalid = np.asarray(invalid_actions, dtype=bool)
    if invalid.all(axis=1).any():
      raise ValueError("a row of invalid_actions has no valid action")
    counts = np.where(invalid, 0, counts)
  else:
    invalid = np.zeros((bsz, num_actions), dtype=bool)
  if temperature == 0:
    score = np.where(invalid, -1.0, counts.astype(np.float64))
    return score.argmax(axis=1).astype(np.int64)
  policy = np.where(invalid, 0.0, visit_policy(counts, temperature))
  total = policy.sum(axis=1, keepdims=True)
  valid_uniform = (~invalid) / (~invalid).sum(axis=1, keepdims=True)
  policy = np.where(total > 0, policy / np.where(total > 0, total, 1.0),
                    valid_uniform)
  cdf = np.cumsum(policy, axis=1)
  u = rng.random(bsz)[:, None] * cdf[:, -1:]
  above = cdf > u
  # First action whose cdf exceeds u; if rounding leaves none, the last
  # action with positive probability.
  last_positive = num_actions - 1 - (policy[:, ::-1] > 0).argmax(axis=1)
  return np.where(above.any(axis=1), above.argmax(axis=1),
                  last_positive).astype(np.int64)
