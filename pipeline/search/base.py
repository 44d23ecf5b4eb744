"""Types shared by the searches and the checks of their inputs.

SearchConfig configures both the numpy reference search (mcts.py) and the
compiled one (compiled.py); RootOutput / RecurrentOutput are what the
reference search's model functions return, and Tree / SearchOutput what it
returns (mcts.py's module docstring specifies their contents). Shapes: B
batch rows, A actions, N = num_simulations, N + 1 nodes per row.
"""
from typing import Callable, NamedTuple, Optional, Tuple

import numpy as np

UNEXPANDED = -1
ROOT = 0
_UNVISITED_Q_MODES = ("parent", "zero", "min")
KINDS = ("puct", "gumbel")
ROOT_VALUES = ("mean", "max_q")


class SearchConfig(NamedTuple):
  num_simulations: int
  c1: float = 1.25
  c2: float = 19652.0
  discount: float = 0.997
  dirichlet_alpha: float = 0.25
  dirichlet_fraction: float = 0.3
  unvisited_q: str = "parent"  # "parent" | "zero" | "min"
  # MuZero's KnownBounds: (min, max) the min-max statistics start from.
  known_bounds: Optional[Tuple[float, float]] = None
  # The selection rule: "puct" (MuZero) or "gumbel" (Gumbel MuZero, selection.py).
  kind: str = "puct"
  gumbel_max_considered: int = 16   # m of Gumbel-top-m at the root
  gumbel_scale: float = 1.0         # of the root's Gumbel noise while acting
  gumbel_value_scale: float = 0.1   # c_scale of sigma(q)
  gumbel_maxvisit_init: float = 50.0  # c_visit of sigma(q)
  # The root value acting reports (and the actors store as the value bootstrap):
  # "mean" (MuZero: value_sum / visits) or "max_q" (policy.root_value).
  root_value: str = "mean"


class RootOutput(NamedTuple):
  prior_logits: np.ndarray  # [B, A]
  value: np.ndarray  # [B]
  embedding: np.ndarray  # [B, ...]


class RecurrentOutput(NamedTuple):
  reward: np.ndarray  # [B]
  discount: np.ndarray  # [B], 0 at a terminal
  prior_logits: np.ndarray  # [B, A]
  value: np.ndarray  # [B]


class Tree(NamedTuple):
  """The search tree of a batch (see pipeline/search/mcts.py's docstring)."""
  node_visits: np.ndarray  # [B, N+1] int32
  value_sum: np.ndarray  # [B, N+1]
  terminal: np.ndarray  # [B, N+1] bool
  parents: np.ndarray  # [B, N+1] int32
  action_from_parent: np.ndarray  # [B, N+1] int32
  priors: np.ndarray  # [B, N+1, A]
  children: np.ndarray  # [B, N+1, A] int32
  child_visits: np.ndarray  # [B, N+1, A] int32
  child_values: np.ndarray  # [B, N+1, A]
  rewards: np.ndarray  # [B, N+1, A]
  discounts: np.ndarray  # [B, N+1, A]
  embeddings: np.ndarray  # [B, N+1, ...]
  q_min: np.ndarray  # [B]
  q_max: np.ndarray  # [B]
  root_invalid: np.ndarray  # [B, A] bool
  raw_values: Optional[np.ndarray] = None  # [B, N+1] the network's value of each node


class SearchOutput(NamedTuple):
  visit_counts: np.ndarray  # [B, A] int32
  root_value: np.ndarray  # [B] float32
  q_values: np.ndarray  # [B, A] float32, 0 where unvisited
  tree: Tree


RecurrentFn = Callable[[np.ndarray, np.ndarray],
                       Tuple[RecurrentOutput, np.ndarray]]


def check_config(config: SearchConfig) -> None:
  """Raises ValueError unless `config` is a valid search configuration."""
  if int(config.num_simulations) < 1:
    raise ValueError(
        f"num_simulations must be >= 1, got {config.num_simulations}")
  if config.unvisited_q not in _UNVISITED_Q_MODES:
    raise ValueError(f"unvisited_q must be one of {_UNVISITED_Q_MODES}, "
                     f"got {config.unvisited_q!r}")
  if config.kind not in KINDS:
    raise ValueError(f"search kind must be one of {KINDS}, got {config.kind!r}")
  if config.root_value not in ROOT_VALUES:
    raise ValueError(f"root_value must be one of {ROOT_VALUES}, got {config.root_value!r}")
  if config.kind == "gumbel" and int(config.gumbel_max_considered) < 1:
    raise ValueError(f"gumbel_max_considered must be >= 1, got {config.gumbel_max_considered}")
  if config.known_bounds is not None:
    lo, hi = config.known_bounds
    if not lo < hi:
      raise ValueError(f"known_bounds must be (min, max) with min < max, "
                       f"got {config.known_bounds}")


def check_invalid_actions(invalid_actions, batch: int, num_actions: int) -> np.ndarray:
  """The mask as bool [B, A] (all False when None); every row needs a valid action."""
  if invalid_actions is None:
    return np.zeros((batch, num_actions), dtype=bool)
  invalid = np.asarray(invalid_actions, dtype=bool)
  if invalid.shape != (batch, num_actions):
    raise ValueError(f"invalid_actions must be {(batch, num_actions)}, got {invalid.shape}")
  if invalid.all(axis=1).any():
    rows = np.flatnonzero(invalid.all(axis=1)).tolist()
    raise ValueError(f"rows {rows} have no valid action")
  return invalid


def check_root(root: RootOutput) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
  """(prior_logits [B, A], value [B] float64, embedding [B, ...]) of `root`,
  or ValueError when their shapes disagree."""
  logits = np.asarray(root.prior_logits)
  if logits.ndim != 2:
    raise ValueError(f"root.prior_logits must be [B, A], got {logits.shape}")
  value = np.asarray(root.value, dtype=np.float64).reshape(-1)
  emb = np.asarray(root.embedding)
  if value.shape != logits.shape[:1] or emb.shape[:1] != logits.shape[:1]:
    raise ValueError(f"root value {value.shape} / embedding {emb.shape} do not "
                     f"match the batch of prior_logits {logits.shape}")
  return logits, value, emb
