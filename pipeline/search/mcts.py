"""Batched MuZero MCTS in numpy: the project's reference search.

`search(root, recurrent_fn, config, selection, root_priors)` is the loop
over simulations (simulate / expand / backward); the selection rule is an
argument (selection.py: pUCT or Gumbel MuZero); policies.py wraps it into
the acting policies. The conventions below are those of `policies.muzero`
(pUCT); Gumbel MuZero's are in selection.py.

One call to `search` runs B independent searches (one per batch row) in
lock-step and makes exactly ONE `recurrent_fn` call per simulation for the
whole batch. Everything is vectorised over the batch with numpy; the only
Python loops are over simulations and over depth. The search is fully
deterministic given its inputs (and `rng`, which is used for the root
Dirichlet noise only): ties are broken by the lowest action index and there
is no random tie-breaking noise. A compiled search must reproduce it exactly
(visit counts) and to float tolerance (values); the conventions below are the
specification it follows.

Tree storage (fixed shape per batch, `tree` of `SearchOutput`)
---------------------------------------------------------------
Nodes are numbered per batch row: node 0 is the root, and the node created by
simulation s (0-based) is node s + 1, so a tree has at most num_simulations + 1
nodes (a simulation that ends on a terminal node creates none and leaves its
slot unused, with 0 visits). Arrays are [B, N + 1] per node and [B, N + 1, A]
per edge (node, action):

  node_visits   int32    visits of the node (the root starts at 1, see below)
  value_sum     float64  sum of the returns backed up into the node; the node's
                         value is value_sum / node_visits
  terminal      bool     the edge into this node had discount 0
  parents, action_from_parent   int32, -1 for the root and unused nodes
  priors        float64  [.., A] prior probabilities of the node's actions
  children      int32    [.., A] child node index, -1 if not expanded
  child_visits  int32    [.., A] visits of each edge
  child_values  float64  [.., A] value of each child node (0 if not expanded)
  rewards, discounts float64 [.., A] of each edge; an edge's discount is
                         config.discount * RecurrentOutput.discount
  embeddings    [B, N + 1, ...] preallocated, dtype of the root embedding
  q_min, q_max  float64  [B] min-max statistics of the row's whole tree
  root_invalid  bool     [B, A] the root's invalid actions

Conventions (mctx's `muzero_policy` where the interface leaves a choice)
------------------------------------------------------------------------
* Root: the root value counts as the root's first visit (node_visits = 1,
  value_sum = root value), as in mctx. Root priors are softmax(prior_logits)
  over the valid actions (invalid actions get prior 0). Interior priors are
  softmax over all actions; `invalid_actions` masks the root only.
* Root noise, only when add_noise: P <- (1 - f) P + f eta, eta ~ Dir(alpha)
  over the root's valid actions (sampled from `rng`, one draw per row), or
  eta = `noise` when given (then it is used as is, so a test or another search
  can reproduce it). The result is masked to the valid actions and
  renormalised (a no-op unless `noise` puts mass on invalid actions).
* Q of an edge: Q(s, a) = r(s, a) + discount(s, a) * value(child), where
  value(child) = value_sum / node_visits of the child.
* Unvisited edges (child_visits == 0) get, before normalisation, per
  config.unvisited_q: "parent" = the parent's current value
  (value_sum / node_visits); "zero" = 0; "min" = the row's tree minimum q_min
  (0 while the row has no statistics yet, i.e. at the first simulation, when
  every root edge is unvisited and any constant gives the same choice).
* Min-max normalisation over the WHOLE tree of a row (MuZero's MinMaxStats):
  q_min / q_max start at +inf / -inf (or at config.known_bounds, like MuZero's
  KnownBounds) and, during every backup, are updated with the new Q(s, a) of
  every edge on the backed-up path (child value after its update). The root
  itself has no edge and is not included (MuZero's pseudocode also feeds
  gamma * V(root), which is not a Q value). Normalised
  Q = (Q - q_min) / (q_max - q_min) when q_max > q_min, else Q unchanged (as
  MuZero's MinMaxStats.normalize). No clipping.
* pUCT: score(a) = Qn(a) + P(a) * sqrt(N) / (1 + N(a)) * (c1 + log((N + c2 + 1)
  / c2)), N the node's visits (so the root's N = 1 + simulations so far, as in
  mctx), N(a) the edge's visits. Invalid root actions score -inf. The selected
  action is the argmax, ties to the lowest action index.
* Simulation: from the root, follow the argmax until the selected edge is not
  expanded (then expand it: one recurrent_fn call, new node s + 1) or until the
  path enters a terminal node (discount 0 on its edge). A terminal node is
  never expanded: its value is 0, the simulation backs up 0 from it, and its
  edge's Q is just the reward. (Rows that end on a terminal node still take
  part in the batched recurrent_fn call with action 0; their outputs are
  discarded.) So a terminal child's value and anything "below" contribute 0
  beyond its reward. There is no depth limit (max_depth = num_simulations).
* Backup along the path root = n_0, ..., n_L = leaf: G_L = leaf value (the
  network value of a new non-terminal node, 0 for a terminal one), G_k =
  r(n_k, a_k) + discount(n_k, a_k) * G_{k+1}; every node on the path gets
  node_visits += 1 and value_sum += G_k; every edge on the path gets
  child_visits += 1, its child_values refreshed, and its new Q fed to the
  min-max statistics.
* Outputs: visit_counts = root edge visits (they sum to num_simulations),
  root_value = root value_sum / node_visits (the search value, root network
  value included as the first visit), q_values = Q of the root's edges, 0 where
  unvisited. root_value and q_values are returned as float32.

How it is computed (equivalent to the node-by-node description above)
----------------------------------------------------------------------
Nothing in a tree changes during a descent, so each simulation first asks
the selection rule for the action of every existing node of every row in one
vectorised call ([B, sim + 1, A] statistics) and the root's action; the
descent then only follows these pointers. The backup updates all rows' paths
at once (a [B, depth] array of path nodes, padded with a scratch slot that
belongs to no row, so that every update is one unconditional fancy-indexed
assignment). Per-edge Q values are cached when backed up.
`selection.puct_scores` states pUCT's float operations in their order.

The types (SearchConfig, RootOutput, RecurrentOutput, Tree, SearchOutput) and
the input checks are in base.py; the root priors, the Dirichlet noise and the
acting helpers (visit_policy, select_actions) in policy.py.
"""
from typing import NamedTuple

import numpy as np

from pipeline.search import base
from pipeline.search import policy
from pipeline.search.selection import NodeStats, Selection


class _Storage(NamedTuple):
  """A batch of trees in flat arrays: node (b, i) is b * M + i, edge
  (b, i, a) is (b * M + i) * A + a; the last node, `scratch` = B * M, is a
  node of no row that absorbs the writes of rows with nothing to write.
  Per node [B*M + 1], per edge [B*M + 1, A]; `nodes(x)` is the [B, M(, A)]
  view. Search-time caches beside the tree: edge_q (Q of visited edges, set
  at their backup, 0 before), unvisited / visits_plus_one (float copies of
  child_visits == 0 and 1 + child_visits), edge_next (an edge's child node,
  scratch until expanded), next_node / best_action (where each node's chosen
  edge leads in this simulation, and its action)."""
  batch: int
  m: int
  a: int
  visits: np.ndarray
  value_sum: np.ndarray
  raw_value: np.ndarray
  terminal: np.ndarray
  parents: np.ndarray
  action_from_parent: np.ndarray
  embeddings: np.ndarray
  priors: np.ndarray
  children: np.ndarray
  child_visits: np.ndarray
  child_values: np.ndarray
  rewards: np.ndarray
  discounts: np.ndarray
  edge_q: np.ndarray
  unvisited: np.ndarray
  visits_plus_one: np.ndarray
  edge_next: np.ndarray
  next_node: np.ndarray
  best_action: np.ndarray
  q_min: np.ndarray  # [B], updated in place
  q_max: np.ndarray

  @property
  def scratch(self) -> int:
    return self.batch * self.m

  def nodes(self, x: np.ndarray) -> np.ndarray:
    return x[:self.scratch].reshape((self.batch, self.m) + x.shape[1:])

  @property
  def roots(self) -> np.ndarray:
    """[B] flat index of each row's root."""
    return np.arange(self.batch, dtype=np.int64) * self.m


def _allocate(batch: int, m: int, a: int, emb: np.ndarray, bounds) -> _Storage:
  size = batch * m + 1

  def full(fill, dtype, shape=()):
    return np.full((size,) + shape, fill, dtype=dtype)
  f64, edge = np.float64, (a,)
  lo, hi = (np.inf, -np.inf) if bounds is None else (float(bounds[0]), float(bounds[1]))
  return _Storage(
      batch, m, a, visits=full(0, np.int32), value_sum=full(0.0, f64),
      raw_value=full(0.0, f64), terminal=full(False, bool),
      parents=full(base.UNEXPANDED, np.int32), action_from_parent=full(base.UNEXPANDED, np.int32),
      embeddings=np.zeros((size,) + emb.shape[1:], emb.dtype), priors=full(0.0, f64, edge),
      children=full(base.UNEXPANDED, np.int32, edge), child_visits=full(0, np.int32, edge),
      child_values=full(0.0, f64, edge), rewards=full(0.0, f64, edge),
      discounts=full(0.0, f64, edge), edge_q=full(0.0, f64, edge),
      unvisited=full(1.0, f64, edge), visits_plus_one=full(1.0, f64, edge),
      edge_next=full(batch * m, np.int64, edge), next_node=full(batch * m, np.int64),
      best_action=full(0, np.int64), q_min=np.full(batch, lo), q_max=np.full(batch, hi))


def _stats(t: _Storage, s: int) -> NodeStats:
  """The statistics of nodes 0..s-1 of every row (views, no copies)."""
  def view(x):
    return t.nodes(x)[:, :s]
  return NodeStats(view(t.visits), view(t.value_sum), view(t.raw_value), view(t.priors),
                   view(t.child_visits), view(t.edge_q), view(t.unvisited),
                   view(t.visits_plus_one), t.q_min, t.q_max)


def simulate(t: _Storage, sim: int, rule: Selection) -> np.ndarray:
  """Chooses an action at every existing node, then descends from each root
  along the choices until an unexpanded edge or a terminal node. Returns the
  path [B, L + 2] of flat nodes, scratch after each row's last node (at least
  one scratch column, where expand() puts the new node)."""
  s = sim + 1
  stats = _stats(t, s)
  best = rule.interior(stats)  # [B, s]
  best[:, base.ROOT] = rule.root(_stats(t, 1), sim)
  t.nodes(t.best_action)[:, :s] = best
  edge_base = (t.roots[:, None] + np.arange(s)) * t.a
  t.nodes(t.next_node)[:, :s] = t.edge_next.reshape(-1)[edge_base + best]
  node, path = t.roots, [t.roots]
  while True:
    node = t.next_node[node]
    path.append(node)
    if node.min() == t.scratch:  # every row has stopped
      return np.stack(path, axis=1)


def expand(t: _Storage, path: np.ndarray, sim: int, recurrent_fn: base.RecurrentFn,
           discount: float) -> np.ndarray:
  """Expands each row's chosen edge at the end of its path (one batched
  recurrent_fn call; rows that ended on a terminal node pass action 0 and
  create nothing), writes the new node into the path; returns the leaf value
  [B] (the new node's network value, 0 for a terminal)."""
  rows, scratch, a = np.arange(t.batch), t.scratch, t.a
  length = (path != scratch).sum(axis=1)
  last = path[rows, length - 1]
  expanding = ~t.terminal[last]
  action = np.where(expanding, t.best_action[last], 0)
  out, next_emb = recurrent_fn(t.embeddings[last], action.astype(np.int32))
  new = np.where(expanding, t.roots + sim + 1, scratch)
  edge = np.where(expanding, last * a + action, scratch * a)
  out_discount = np.asarray(out.discount, dtype=np.float64).reshape(t.batch)
  is_terminal = out_discount == 0.0
  value = np.asarray(out.value, dtype=np.float64).reshape(t.batch)
  t.embeddings[new] = np.asarray(next_emb)
  t.priors[new] = policy.softmax(out.prior_logits)
  t.raw_value[new] = np.where(is_terminal, 0.0, value)
  t.terminal[new] = is_terminal
  t.parents[new] = last - t.roots
  t.action_from_parent[new] = action
  t.children.reshape(-1)[edge] = sim + 1
  t.edge_next.reshape(-1)[edge] = new
  t.rewards.reshape(-1)[edge] = np.asarray(out.reward, dtype=np.float64).reshape(t.batch)
  t.discounts.reshape(-1)[edge] = discount * out_discount
  path[rows, length] = new  # the new node ends its row's path
  return np.where(expanding & ~is_terminal, value, 0.0)


def backward(t: _Storage, path: np.ndarray, leaf_value: np.ndarray) -> None:
  """Backs the returns G_k = r_k + d_k G_{k+1} (G_L = leaf value) up each
  row's path: visits, value sums, edge visits, child values, edge Q and the
  row's min-max statistics. Edge k joins column k of `path` to k + 1."""
  scratch, a = t.scratch, t.a
  child_nodes = path[:, 1:]
  valid = child_nodes != scratch
  edges = np.where(valid, path[:, :-1] * a + t.action_from_parent[child_nodes], scratch * a)
  # Past a row's leaf: reward 0, discount 1, so the return stays the leaf's.
  r = np.where(valid, t.rewards.reshape(-1)[edges], 0.0)
  d = np.where(valid, t.discounts.reshape(-1)[edges], 1.0)
  depth = path.shape[1] - 1
  returns = np.empty((t.batch, depth + 1), dtype=np.float64)
  g = leaf_value
  returns[:, depth] = g
  for k in range(depth - 1, -1, -1):
    g = r[:, k] + d[:, k] * g
    returns[:, k] = g
  # The nodes of a path are distinct, so fancy-indexed += is exact (repeats
  # of the scratch node only touch the scratch slot).
  t.visits[path] += 1
  t.value_sum[path] += returns
  t.child_visits.reshape(-1)[edges] += 1
  t.visits_plus_one.reshape(-1)[edges] += 1.0
  t.unvisited.reshape(-1)[edges] = 0.0
  child_value = t.value_sum[child_nodes] / t.visits[child_nodes]
  t.child_values.reshape(-1)[edges] = child_value
  q = r + d * child_value
  t.edge_q.reshape(-1)[edges] = q
  np.minimum(t.q_min, np.where(valid, q, np.inf).min(axis=1), out=t.q_min)
  np.maximum(t.q_max, np.where(valid, q, -np.inf).max(axis=1), out=t.q_max)


def _output(t: _Storage, invalid: np.ndarray) -> base.SearchOutput:
  n = t.nodes
  tree = base.Tree(
      node_visits=n(t.visits), value_sum=n(t.value_sum), terminal=n(t.terminal),
      parents=n(t.parents), action_from_parent=n(t.action_from_parent), priors=n(t.priors),
      children=n(t.children), child_visits=n(t.child_visits), child_values=n(t.child_values),
      rewards=n(t.rewards), discounts=n(t.discounts), embeddings=n(t.embeddings),
      q_min=t.q_min, q_max=t.q_max, root_invalid=invalid, raw_values=n(t.raw_value))
  root_n = tree.child_visits[:, base.ROOT]
  root_q = np.where(root_n > 0, tree.rewards[:, base.ROOT] + tree.discounts[:, base.ROOT] *
                    tree.child_values[:, base.ROOT], 0.0)
  root_value = tree.value_sum[:, base.ROOT] / tree.node_visits[:, base.ROOT]
  return base.SearchOutput(visit_counts=root_n.copy(), root_value=root_value.astype(np.float32),
                           q_values=root_q.astype(np.float32), tree=tree)


def search(root: base.RootOutput, recurrent_fn: base.RecurrentFn, config: base.SearchConfig,
           rule: Selection, root_priors: np.ndarray,
           invalid_actions: np.ndarray) -> base.SearchOutput:
  """Runs config.num_simulations simulations for each batch row.

  Args:
    root: the network's output at the root states (checked by base.check_root).
    recurrent_fn: (embedding [B, ...], action [B] int32) ->
      (RecurrentOutput, next_embedding [B, ...]); called once per simulation.
    config: search settings (num_simulations, discount, known_bounds).
    rule: the selection rule (selection.puct / selection.gumbel).
    root_priors: [B, A] the root's prior probabilities (noised or not).
    invalid_actions: [B, A] bool, True where an action is illegal at the root.
  Returns:
    SearchOutput (see the module docstring).
  """
  logits, value, emb = base.check_root(root)
  bsz, a = logits.shape
  t = _allocate(bsz, int(config.num_simulations) + 1, a, emb, config.known_bounds)
  roots = t.roots
  t.visits[roots] = 1
  t.value_sum[roots] = value
  t.raw_value[roots] = value
  t.priors[roots] = root_priors
  t.embeddings[roots] = emb
  for sim in range(int(config.num_simulations)):
    path = simulate(t, sim, rule)
    leaf_value = expand(t, path, sim, recurrent_fn, float(config.discount))
    backward(t, path, leaf_value)
  return _output(t, invalid_actions)
