"""Batched MuZero MCTS in numpy: the project's reference search.

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
Nothing in a tree changes during a descent, so each simulation first scores
every existing node of every row in one vectorised pass ([B, sim + 1, A]) and
records each node's argmax edge; the descent then only follows these
pointers. The backup updates all rows' paths at once (a [B, depth] array of
path nodes, padded with a scratch slot that belongs to no row, so that every
update is one unconditional fancy-indexed assignment). Per-edge Q values are
cached when backed up. `_scores` states the float operations in their order.

The types (SearchConfig, RootOutput, RecurrentOutput, Tree, SearchOutput) and
the input checks are in base.py; the root priors, the Dirichlet noise and the
acting helpers (visit_policy, select_actions) in policy.py.
"""
from typing import Optional

import numpy as np

from pipeline.search import base
from pipeline.search import policy


def _scores(config, visits, value_sum, priors, edge_q, unvisited,
            visits_plus_one, q_min, q_max):
  """pUCT scores [B, S, A] of S nodes per row (root masking is the caller's).

  Per-node arguments are [B, S]; per-edge ones [B, S, A]: edge_q = Q(s, a)
  = r + discount * child value of visited edges and exactly 0 on unvisited
  ones, unvisited = 1.0 / 0.0, visits_plus_one = 1 + N(a) as floats; q_min /
  q_max [B]. The float operations, in this order, are the specification:
    fill = value_sum / N ("parent") | 0 ("zero") | q_min, 0 if none ("min")
    q = edge_q + unvisited * fill   (= Q if visited, else fill, exactly)
    q = (q - q_min) / (q_max - q_min) if q_max > q_min else q
    c = sqrt(N) * (c1 + log((N + c2 + 1) / c2))
    score = q + P * c / (1 + N(a))
  """
  # Unused node slots have 0 visits; max(., 1) only keeps them finite.
  n = np.maximum(visits, 1).astype(np.float64)
  if config.unvisited_q == "parent":
    q = edge_q + unvisited * (value_sum / n)[..., None]
  elif config.unvisited_q == "zero":
    q = edge_q
  else:  # "min"
    fill = np.where(np.isfinite(q_min), q_min, 0.0)
    q = edge_q + unvisited * fill[:, None, None]
  spread = q_max - q_min
  ok = spread > 0
  lo = np.where(ok, q_min, 0.0)[:, None, None]
  den = np.where(ok, spread, 1.0)[:, None, None]
  q = (q - lo) / den
  c = np.sqrt(n) * (config.c1 + np.log((n + config.c2 + 1.0) / config.c2))
  return q + priors * c[..., None] / visits_plus_one


def _argmax(x: np.ndarray) -> np.ndarray:
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


def puct_scores(tree: base.Tree, nodes: np.ndarray,
                config: base.SearchConfig) -> np.ndarray:
  """pUCT scores [B, A] of node `nodes[b]` of each row b of `tree`.

  Exactly what the search uses to select an action (invalid root actions are
  -inf when the node is the root), computed from the tree arrays.
  """
  nodes = np.asarray(nodes, dtype=np.int64)
  rows = np.arange(nodes.shape[0])

  def at(x):
    return x[rows, nodes][:, None]

  n_a = at(tree.child_visits)
  edge_q = np.where(n_a > 0, at(tree.rewards) + at(tree.discounts) *
                    at(tree.child_values), 0.0)
  score = _scores(config, at(tree.node_visits), at(tree.value_sum),
                  at(tree.priors), edge_q, (n_a == 0).astype(np.float64),
                  1.0 + n_a, tree.q_min, tree.q_max)[:, 0]
  return np.where((nodes == base.ROOT)[:, None] & tree.root_invalid, -np.inf,
                  score)


def search(root: base.RootOutput,
           recurrent_fn: base.RecurrentFn,
           config: base.SearchConfig,
           rng: Optional[np.random.Generator],
           add_noise: bool,
           invalid_actions: Optional[np.ndarray] = None,
           noise: Optional[np.ndarray] = None) -> base.SearchOutput:
  """Runs config.num_simulations simulations of MCTS for each batch row.

  Args:
    root: the network's output at the root states.
    recurrent_fn: (embedding [B, ...], action [B] int32) ->
      (RecurrentOutput, next_embedding [B, ...]); called once per simulation.
    config: search settings.
    rng: numpy Generator for the root Dirichlet noise (unused without noise).
    add_noise: mix Dirichlet noise into the root priors (acting time only).
    invalid_actions: [B, A] bool, True where an action is illegal at the root.
    noise: [B, A] noise to mix in instead of sampling (needs add_noise).

  Returns:
    SearchOutput (see the module docstring).
  """
  base.check_config(config)
  logits = np.asarray(root.prior_logits)
  if logits.ndim != 2:
    raise ValueError(f"root.prior_logits must be [B, A], got {logits.shape}")
  bsz, num_actions = logits.shape
  root_value = np.asarray(root.value, dtype=np.float64).reshape(-1)
  root_emb = np.asarray(root.embedding)
  if root_value.shape != (bsz,) or root_emb.shape[:1] != (bsz,):
    raise ValueError(
        f"root value {root_value.shape} / embedding {root_emb.shape} do not "
        f"match the batch of prior_logits {logits.shape}")
  invalid = base.check_invalid_actions(invalid_actions, bsz, num_actions)
  if noise is not None:
    if not add_noise:
      raise ValueError("noise was given but add_noise is False")
    noise = np.asarray(noise, dtype=np.float64)
    if noise.shape != (bsz, num_actions):
      raise ValueError(
          f"noise must be {(bsz, num_actions)}, got {noise.shape}")
  elif add_noise and rng is None:
    raise ValueError("add_noise needs an rng (or explicit noise)")

  num_sims = int(config.num_simulations)
  m = num_sims + 1  # nodes per row
  a = num_actions
  f64 = np.float64
  emb_shape = root_emb.shape[1:]

  # Storage is flat: node (b, i) is flat index b * M + i, and edge (b, i, a)
  # is (b * M + i) * A + a. One extra slot at the end, SCRATCH = B * M, is a
  # node of no row: it absorbs the writes of rows with nothing to write, so
  # every update is one unconditional vectorised assignment. The [B, M(, A)]
  # arrays of the tree are views of the flat storage without it.
  scratch = bsz * m
  size = bsz * m + 1

  def alloc(fill, dtype, shape=()):
    flat = np.full((size,) + shape, fill, dtype=dtype)
    return flat, flat[:scratch].reshape((bsz, m) + shape)

  visits_f, visits = alloc(0, np.int32)
  value_sum_f, value_sum = alloc(0.0, f64)
  terminal_f, terminal = alloc(False, bool)
  parents_f, parents = alloc(base.UNEXPANDED, np.int32)
  action_from_parent_f, action_from_parent = alloc(base.UNEXPANDED, np.int32)
  priors_f, priors = alloc(0.0, f64, (a,))
  children_f, children = alloc(base.UNEXPANDED, np.int32, (a,))
  child_visits_f, child_visits = alloc(0, np.int32, (a,))
  child_values_f, child_values = alloc(0.0, f64, (a,))
  rewards_f, rewards = alloc(0.0, f64, (a,))
  discounts_f, discounts = alloc(0.0, f64, (a,))
  embeddings_f, embeddings = alloc(0, root_emb.dtype, emb_shape)
  # Search-time caches (not part of the tree's meaning):
  #  edge_q: Q(s, a) = r + discount * child value of every visited edge, set
  #    when the edge is backed up (the child's value changes only then); 0
  #    while unvisited. unvisited (1.0 / 0.0) and visits_plus_one (1 + N(a))
  #    are float copies of child_visits == 0 and 1 + child_visits.
  #  edge_next: flat index of an edge's child, SCRATCH while the edge is not
  #    expanded (and forever for a terminal node's edges: they never are).
  #  next_node / best_action: per simulation, for every existing node, where
  #    its argmax edge leads (SCRATCH: stop the descent here) and that action.
  edge_q_f, edge_q = alloc(0.0, f64, (a,))
  unvisited_f, unvisited = alloc(1.0, f64, (a,))
  visits_plus_one_f, visits_plus_one = alloc(1.0, f64, (a,))
  edge_next_f, _ = alloc(scratch, np.int64, (a,))
  next_node_f, next_node = alloc(scratch, np.int64)
  best_action_f, best_action = alloc(0, np.int64)
  # Flat per-edge views, indexed by (flat node) * A + action.
  children_e = children_f.reshape(-1)
  child_visits_e = child_visits_f.reshape(-1)
  child_values_e = child_values_f.reshape(-1)
  rewards_e = rewards_f.reshape(-1)
  discounts_e = discounts_f.reshape(-1)
  edge_next_e = edge_next_f.reshape(-1)
  edge_q_e = edge_q_f.reshape(-1)
  unvisited_e = unvisited_f.reshape(-1)
  visits_plus_one_e = visits_plus_one_f.reshape(-1)
  if config.known_bounds is None:
    q_min = np.full(bsz, np.inf)
    q_max = np.full(bsz, -np.inf)
  else:
    q_min = np.full(bsz, float(config.known_bounds[0]))
    q_max = np.full(bsz, float(config.known_bounds[1]))

  rows = np.arange(bsz)
  root_f = rows.astype(np.int64) * m  # flat index of each row's root
  edge_base = (root_f[:, None] + np.arange(m)) * a  # [B, M] flat edge of a=0
  visits[:, base.ROOT] = 1
  value_sum[:, base.ROOT] = root_value
  priors[:, base.ROOT] = policy.root_priors(logits, invalid, config,
                                            add_noise, rng, noise)
  embeddings[:, base.ROOT] = root_emb
  discount = float(config.discount)

  for sim in range(num_sims):
    # --- Selection. Nothing in the tree changes during a descent, so the
    # argmax edge of every existing node (0..sim) is found in one pass, and
    # each row then follows these choices from its root until it reaches an
    # unexpanded edge or a terminal node. ---
    s = sim + 1
    score = _scores(config, visits[:, :s], value_sum[:, :s], priors[:, :s],
                    edge_q[:, :s], unvisited[:, :s], visits_plus_one[:, :s],
                    q_min, q_max)
    if invalid_actions is not None:
      score[:, base.ROOT] = np.where(invalid, -np.inf, score[:, base.ROOT])
    best = _argmax(score)  # lowest index on ties
    best_action[:, :s] = best
    next_node[:, :s] = edge_next_e[edge_base[:, :s] + best]
    node = root_f
    path = [node]  # flat node of each row at depth 0, 1, ...; then SCRATCH
    while True:
      node = next_node_f[node]
      path.append(node)
      if node.min() == scratch:  # every row has stopped
        break
    nodes = np.stack(path, axis=1)  # [B, L + 1]; the last column is SCRATCH
    length = (nodes != scratch).sum(axis=1)  # nodes on each row's path
    last = nodes[rows, length - 1]  # the deepest node reached

    # --- Expansion of (last, its argmax action) unless last is terminal:
    # one batched network call (terminal rows pass action 0, ignored). ---
    expanding = ~terminal_f[last]
    action = np.where(expanding, best_action_f[last], 0)
    out, next_emb = recurrent_fn(embeddings_f[last], action.astype(np.int32))
    new = np.where(expanding, root_f + s, scratch)
    edge = np.where(expanding, last * a + action, scratch * a)
    out_discount = np.asarray(out.discount, dtype=f64).reshape(bsz)
    is_terminal = out_discount == 0.0
    embeddings_f[new] = np.asarray(next_emb)
    priors_f[new] = policy.softmax(out.prior_logits)
    terminal_f[new] = is_terminal
    parents_f[new] = last - root_f
    action_from_parent_f[new] = action
    children_e[edge] = s
    edge_next_e[edge] = new
    rewards_e[edge] = np.asarray(out.reward, dtype=f64).reshape(bsz)
    discounts_e[edge] = discount * out_discount
    leaf_value = np.where(
        expanding & ~is_terminal,
        np.asarray(out.value, dtype=f64).reshape(bsz), 0.0)
    nodes[rows, length] = new  # the new node ends its row's path

    # --- Backup along the paths: edge k joins column k of `nodes` to column
    # k + 1; entries past a row's leaf are SCRATCH. ---
    child_nodes = nodes[:, 1:]
    valid = child_nodes != scratch
    edges = np.where(valid, nodes[:, :-1] * a + action_from_parent_f[
        child_nodes], scratch * a)
    # Past a row's leaf: reward 0, discount 1, so the return stays the leaf's.
    r = np.where(valid, rewards_e[edges], 0.0)
    d = np.where(valid, discounts_e[edges], 1.0)
    depth = nodes.shape[1] - 1
    returns = np.empty((bsz, depth + 1), dtype=f64)
    g = leaf_value
    returns[:, depth] = g
    for k in range(depth - 1, -1, -1):
      g = r[:, k] + d[:, k] * g
      returns[:, k] = g
    # The nodes of a path are distinct, so fancy-indexed += is exact (repeats
    # of SCRATCH only touch the scratch slot).
    visits_f[nodes] += 1
    value_sum_f[nodes] += returns
    child_visits_e[edges] += 1
    visits_plus_one_e[edges] += 1.0
    unvisited_e[edges] = 0.0
    child_value = value_sum_f[child_nodes] / visits_f[child_nodes]
    child_values_e[edges] = child_value
    q = r + d * child_value
    edge_q_e[edges] = q
    q_min = np.minimum(q_min, np.where(valid, q, np.inf).min(axis=1))
    q_max = np.maximum(q_max, np.where(valid, q, -np.inf).max(axis=1))

  tree = base.Tree(
      node_visits=visits,
      value_sum=value_sum,
      terminal=terminal,
      parents=parents,
      action_from_parent=action_from_parent,
      priors=priors,
      children=children,
      child_visits=child_visits,
      child_values=child_values,
      rewards=rewards,
      discounts=discounts,
      embeddings=embeddings,
      q_min=q_min,
      q_max=q_max,
      root_invalid=invalid)
  root_n = child_visits[:, base.ROOT]
  root_q = np.where(
      root_n > 0,
      rewards[:, base.ROOT] + discounts[:, base.ROOT] *
      child_values[:, base.ROOT], 0.0)
  return base.SearchOutput(
      visit_counts=root_n.copy(),
      root_value=(value_sum[:, base.ROOT] /
                  visits[:, base.ROOT]).astype(np.float32),
      q_values=root_q.astype(np.float32),
      tree=tree)
