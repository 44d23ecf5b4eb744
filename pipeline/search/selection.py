"""Action selection rules of the reference search (mcts.py), as arguments.

A rule is a `Selection`: `interior(stats)` picks one action at each of S
nodes per row from their statistics, `root(stats, simulation)` picks the
root's action at a given simulation index. The search passes every node's
statistics at once (a descent changes nothing in the tree), so a rule is a
vectorised function of `NodeStats`, not of a single node.

  puct(config, invalid)            MuZero: pUCT over the whole-tree min-max Q
  gumbel(config, logits, gumbel, invalid)
                                   Gumbel MuZero (Danihelka et al., 2022):
                                   sequential halving over Gumbel-top-k root
                                   actions, the deterministic interior rule
  completed_q(stats, config)       the completed, rescaled Q of Gumbel MuZero
  considered_visits(m, N)          the sequential-halving visit schedule

Shapes: B rows, S nodes, A actions. The float operations of `puct_scores`
are the specification the compiled search (compiled.py) reproduces.
"""
import math
from typing import Callable, NamedTuple, Tuple

import numpy as np

from pipeline.search import base

# A logit floor: Gumbel MuZero's score of an action never goes below it
# (mctx's score_considered), so -inf logits (invalid actions) stay comparable.
LOW_LOGIT = -1e9


class NodeStats(NamedTuple):
  """Statistics of S nodes per row: [B, S] per node, [B, S, A] per edge."""
  visits: np.ndarray           # [B, S] int, the node's visits (root: 1 + simulations)
  value_sum: np.ndarray        # [B, S] sum of backed-up returns
  raw_value: np.ndarray        # [B, S] the network's value of the node
  priors: np.ndarray           # [B, S, A] prior probabilities
  child_visits: np.ndarray     # [B, S, A] int
  edge_q: np.ndarray           # [B, S, A] r + discount * child value, 0 where unvisited
  unvisited: np.ndarray        # [B, S, A] 1.0 where the edge is unvisited, else 0.0
  visits_plus_one: np.ndarray  # [B, S, A] 1.0 + child_visits
  q_min: np.ndarray            # [B] min-max statistics of the row's whole tree
  q_max: np.ndarray            # [B]


def tree_stats(tree: base.Tree, nodes: np.ndarray) -> NodeStats:
  """NodeStats (S = 1) of node `nodes[b]` of each row b of a finished tree."""
  nodes = np.asarray(nodes, dtype=np.int64)
  rows = np.arange(nodes.shape[0])

  def at(x):
    return x[rows, nodes][:, None]
  n_a = at(tree.child_visits)
  edge_q = np.where(n_a > 0, at(tree.rewards) + at(tree.discounts) * at(tree.child_values), 0.0)
  raw = at(tree.raw_values) if tree.raw_values is not None else np.zeros((len(rows), 1))
  return NodeStats(at(tree.node_visits), at(tree.value_sum), raw, at(tree.priors), n_a,
                   edge_q, (n_a == 0).astype(np.float64), 1.0 + n_a, tree.q_min, tree.q_max)


class Selection(NamedTuple):
  """interior(stats) -> [B, S] actions; root(stats of the root, S = 1, and
  the simulation index) -> [B] actions."""
  interior: Callable[[NodeStats], np.ndarray]
  root: Callable[[NodeStats, int], np.ndarray]


def argmax(x: np.ndarray) -> np.ndarray:
  """np.argmax over the last axis (first index of the maximum).

  For a few actions a compare loop gives the same result and is much faster
  in numpy than argmax over a short last axis.
  """
  if x.shape[-1] > 4:
    return x.argmax(axis=-1)
  best = np.zeros(x.shape[:-1], dtype=np.int64)
  top = x[..., 0]
  for j in range(1, x.shape[-1]):
    better = x[..., j] > top  # strict: ties keep the lower index
    best = np.where(better, j, best)
    top = np.where(better, x[..., j], top)
  return best


# --- pUCT (MuZero) --------------------------------------------------------

def puct_scores(stats: NodeStats, config: base.SearchConfig) -> np.ndarray:
  """pUCT scores [B, S, A] (root masking is the caller's). The float
  operations, in this order, are the specification:
    fill = value_sum / N ("parent") | 0 ("zero") | q_min, 0 if none ("min")
    q = edge_q + unvisited * fill   (= Q if visited, else fill, exactly)
    q = (q - q_min) / (q_max - q_min) if q_max > q_min else q
    c = sqrt(N) * (c1 + log((N + c2 + 1) / c2))
    score = q + P * c / (1 + N(a))
  """
  # Unused node slots have 0 visits; max(., 1) only keeps them finite.
  n = np.maximum(stats.visits, 1).astype(np.float64)
  if config.unvisited_q == "parent":
    q = stats.edge_q + stats.unvisited * (stats.value_sum / n)[..., None]
  elif config.unvisited_q == "zero":
    q = stats.edge_q
  else:  # "min"
    fill = np.where(np.isfinite(stats.q_min), stats.q_min, 0.0)
    q = stats.edge_q + stats.unvisited * fill[:, None, None]
  spread = stats.q_max - stats.q_min
  ok = spread > 0
  lo = np.where(ok, stats.q_min, 0.0)[:, None, None]
  den = np.where(ok, spread, 1.0)[:, None, None]
  q = (q - lo) / den
  c = np.sqrt(n) * (config.c1 + np.log((n + config.c2 + 1.0) / config.c2))
  return q + stats.priors * c[..., None] / stats.visits_plus_one


def puct_scores_at(tree: base.Tree, nodes: np.ndarray, config: base.SearchConfig) -> np.ndarray:
  """pUCT scores [B, A] of node `nodes[b]` of each row b of a finished tree,
  as the search scored them (invalid root actions -inf at the root)."""
  score = puct_scores(tree_stats(tree, nodes), config)[:, 0]
  return np.where((np.asarray(nodes) == base.ROOT)[:, None] & tree.root_invalid, -np.inf, score)


def puct(config: base.SearchConfig, invalid: np.ndarray) -> Selection:
  """MuZero's rule: the argmax of pUCT everywhere, invalid root actions
  (`invalid` [B, A]) never chosen; ties to the lowest action index."""
  def interior(stats):
    return argmax(puct_scores(stats, config))

  def root(stats, simulation):
    del simulation
    return argmax(np.where(invalid, -np.inf, puct_scores(stats, config)[:, 0]))
  return Selection(interior, root)


# --- Gumbel MuZero -------------------------------------------------------

def considered_visits(max_considered: int, num_simulations: int) -> Tuple[int, ...]:
  """The visit count an action must have to be chosen at each root
  simulation, under sequential halving over `max_considered` actions.

  Phases halve the considered actions (m, m/2, ..., never below 2); each
  phase gives every considered action max(1, floor(N / (ceil(log2 m) * k)))
  visits, k the phase's number of actions, one round at a time; the
  schedule is cut at N. With m <= 1: 0, 1, 2, ... (one action, every visit).
  """
  if max_considered <= 1:
    return tuple(range(num_simulations))
  phases = int(math.ceil(math.log2(max_considered)))
  schedule, k, visits = [], max_considered, 0
  while len(schedule) < num_simulations:
    rounds = max(1, int(num_simulations / (phases * k)))
    for _ in range(rounds):
      schedule.extend([visits] * k)
      visits += 1
    k = max(2, k // 2)
  return tuple(schedule[:num_simulations])


def _softmax(x: np.ndarray) -> np.ndarray:
  z = np.exp(x - x.max(axis=-1, keepdims=True))
  return z / z.sum(axis=-1, keepdims=True)


def completed_q(stats: NodeStats, config: base.SearchConfig) -> np.ndarray:
  """Gumbel MuZero's sigma(completed Q) [B, S, A]: unvisited edges get the
  mixed value v_mix = (v + N * sum_visited(p q) / sum_visited(p)) / (1 + N)
  (v the network value, N the node's edge visits), the node's completed Q is
  rescaled to [0, 1] by its own min and max (a floor of 1e-8 on the spread),
  then scaled by (maxvisit_init + max_a N(a)) * value_scale."""
  visited = stats.child_visits > 0
  n = stats.child_visits.sum(axis=-1)
  probs = np.maximum(stats.priors, np.finfo(np.float64).tiny)
  mass = np.where(visited, probs, 0.0).sum(axis=-1)
  weighted = np.where(visited, probs * stats.edge_q, 0.0).sum(axis=-1) / np.where(
      mass > 0, mass, 1.0)
  mixed = (stats.raw_value + n * weighted) / (n + 1.0)
  q = np.where(visited, stats.edge_q, mixed[..., None])
  lo, hi = q.min(axis=-1, keepdims=True), q.max(axis=-1, keepdims=True)
  q = (q - lo) / np.maximum(hi - lo, 1e-8)
  scale = config.gumbel_maxvisit_init + stats.child_visits.max(axis=-1)
  return scale[..., None] * config.gumbel_value_scale * q


def _log_priors(priors: np.ndarray) -> np.ndarray:
  """Logits of the priors up to a per-node constant, floored at log(tiny)
  (~ -708: a zero prior, e.g. of an unused node slot, stays finite; invalid
  root actions are masked separately)."""
  return np.log(np.maximum(priors, np.finfo(np.float64).tiny))


def gumbel_scores(logits, gumbel, sigma_q, child_visits, considered_visit):
  """max(LOW_LOGIT, g + logits + sigma(q)) where an action has exactly
  `considered_visit` visits, -inf elsewhere ([B, A]; considered_visit [B])."""
  logits = logits - logits.max(axis=-1, keepdims=True)
  score = np.maximum(LOW_LOGIT, gumbel + logits + sigma_q)
  return np.where(child_visits == np.asarray(considered_visit)[:, None], score, -np.inf)


def improved_policy(stats: NodeStats, config: base.SearchConfig, invalid=None) -> np.ndarray:
  """softmax(logits + sigma(completed Q)) [B, S, A]: the policy target
  (at the root, invalid [B, A] actions get 0)."""
  x = _log_priors(stats.priors) + completed_q(stats, config)
  if invalid is not None:
    x[:, 0] = np.where(invalid, -np.inf, x[:, 0])
  return _softmax(x)


def gumbel(config: base.SearchConfig, gumbel_noise: np.ndarray, invalid: np.ndarray) -> Selection:
  """Gumbel MuZero: at the root, sequential halving over the top
  min(m, valid actions) of g + logits (then + sigma(q)), g = `gumbel_noise`
  [B, A]; inside the tree, argmax of improved policy - N(a) / (1 + sum N)."""
  num_valid = (~invalid).sum(axis=-1)
  considered = np.minimum(config.gumbel_max_considered, num_valid)
  table = np.array([considered_visits(k, config.num_simulations)
                    for k in range(config.gumbel_max_considered + 1)], dtype=np.int64)

  def interior(stats):
    total = stats.child_visits.sum(axis=-1, keepdims=True)
    return argmax(improved_policy(stats, config) - stats.child_visits / (1.0 + total))

  def root(stats, simulation):
    score = gumbel_scores(_log_priors(stats.priors[:, 0]), gumbel_noise,
                          completed_q(stats, config)[:, 0], stats.child_visits[:, 0],
                          table[considered, simulation])
    return argmax(np.where(invalid, -np.inf, score))
  return Selection(interior, root)


def gumbel_action(stats: NodeStats, config: base.SearchConfig, gumbel_noise: np.ndarray,
                  invalid: np.ndarray) -> np.ndarray:
  """The action Gumbel MuZero plays after the search [B]: among the most
  visited root actions, the argmax of g + logits + sigma(completed Q)."""
  visits = stats.child_visits[:, 0]
  score = gumbel_scores(_log_priors(stats.priors[:, 0]), gumbel_noise,
                        completed_q(stats, config)[:, 0], visits, visits.max(axis=-1))
  return argmax(np.where(invalid, -np.inf, score))
