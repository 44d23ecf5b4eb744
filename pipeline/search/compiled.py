"""Batched MuZero MCTS as ONE XLA-compiled TensorFlow graph.

`CompiledSearch` runs the whole search of a batch of B roots -- the
representation at the roots, num_simulations simulations each with ONE
batched dynamics + prediction call, and the backups -- inside a single
`tf.function(jit_compile=True)`. It returns to Python once per search, not
once per simulation, and the same function runs on CPU, GPU and TPU.

Its shape is the reference's (mcts.py): `build_search_fn` is a loop over
`simulate` (descend by the selection rule), `expand` and `backward`; the
rule is an argument (compiled_rules.py: pUCT, or Gumbel MuZero when
config.kind is "gumbel", whose `noise` input is then the root's Gumbel
noise and whose outputs add the chosen action and the improved policy).

Semantics: exactly those of the reference search, pipeline/search/mcts.py
(its module docstring is the specification: node numbering, root = first
visit, whole-tree min-max statistics, the three unvisited_q modes,
known_bounds, the root-only invalid-action mask, terminal nodes never
expanded, ties to the lowest action index). With the default float64 tree
the float operations are the reference's, in the reference's order, so the
visit counts agree exactly and values to float rounding
(pipeline/search/compiled_test.py checks this on random cases). Two details
make that hold:
* the exploration factor c(N) = sqrt(N) * (c1 + log((N + c2 + 1) / c2))
  depends on the integer N only, so it is a table computed with numpy, as
  the reference computes it, and looked up in the graph;
* argmax is "the first index of the maximum", written out (not tf.argmax).
XLA may contract a * b + c into a fused multiply-add on CPUs with FMA (its
LLVM backend allows it), so sums such as r + discount * G can differ from
numpy's in the last bit; that only matters for scores equal to within 1e-16,
which the random test cases never produce. `tree_dtype=tf.float32` is the
option for devices without float64 (TPU); then counts agree except at
near-ties.

The graph (shapes static per batch size B; M = num_simulations + 1 nodes per
row plus one scratch node, A actions):
  nodes [(M + 1) * B, 8 + 4A] float64, node-major (node i of row b is row
    i * B + b, so the B rows' node i form one contiguous slab): one packed
    row per node -- visits, value_sum, reward and discount of the
    edge into the node, parent, action from the parent, terminal flag, the
    network's value of the node, then
    per action: prior, child visits, Q(s, a) of the edge (cached when backed
    up; 0 while unvisited) and child index (-1: not expanded). Integers are
    exact in float64. embeddings [(M + 1) * B, *E]; q_min, q_max [B].
  tf.while_loop over simulations s = 0..N-1:
    1. descent: a tf.while_loop over depth; each step gathers the current
       node's row of every batch row (one gather), picks its edge by the
       selection rule (the root rule at depth 0),
       follows the argmax edge and records the node, action and row on the
       path; it stops at an unexpanded edge or a terminal node;
    2. expansion: ONE batched recurrent_fn call on the B leaves' embeddings
       (one gather); the new node s + 1 of every row is one contiguous slab,
       written with XLA's DynamicUpdateSlice (in place);
    3. backup: a tf.while_loop over depth from the deepest path node up: the
       recorded rows get their new visits, value sums and the updated
       edge (child visits, Q, child index), one row scatter per depth (rows
       whose path is shorter write to their scratch node), and q_min / q_max
       take the new Q values.
  Only the nodes on the paths are scored and written, so the work per
  simulation is O(B * depth * A), not O(B * M * A); XLA on the CPU runs dense
  ops fast but gathers and scatters element by element, and packed rows make
  each depth step one gather and one scatter.

Model functions (plain TF callables, traced into the graph):
  root_fn(observations [B, ...]) -> (prior_logits [B, A], value [B],
                                     embedding [B, *E])
  recurrent_fn(embedding [B, *E], action [B] int32) ->
      (reward [B], discount [B] (0 at a terminal), prior_logits [B, A],
       value [B], next_embedding [B, *E])
`network_functions(network)` gives them for the project's MuZeroNetwork
(both torsos); they read the network's tf.Variables, so new weights loaded
with network.set_weights are used by the next call without recompiling.

Root noise is an input: `noise` [B, A] (sampled outside, e.g. with
policy.dirichlet_noise from the actor's rng). compiled_ops.py has the slab
reads / writes, argmax and softmax used here.
"""
import time
from typing import Callable, NamedTuple, Optional, Tuple

import numpy as np
import tensorflow as tf

from pipeline.search import base
from pipeline.search import compiled_ops
from pipeline.search import compiled_rules

SearchConfig = base.SearchConfig


class SearchOutput(NamedTuple):
  visit_counts: np.ndarray  # [B, A] int32
  root_value: np.ndarray  # [B] float32
  q_values: np.ndarray  # [B, A] float32, 0 where unvisited
  action: Optional[np.ndarray] = None  # [B] int32, Gumbel MuZero's choice
  action_weights: Optional[np.ndarray] = None  # [B, A] float32, Gumbel's improved policy


RootFn = Callable[[tf.Tensor], Tuple[tf.Tensor, tf.Tensor, tf.Tensor]]
RecurrentFn = Callable[[tf.Tensor, tf.Tensor], Tuple[tf.Tensor, ...]]


def exploration_table(config: SearchConfig) -> np.ndarray:
  """c(N) for N = 0..num_simulations + 1 (N = 0 as N = 1), float64.

  The same numpy operations as selection.puct_scores, so the values are bit-identical.
  """
  visits = np.arange(int(config.num_simulations) + 2)
  n = np.maximum(visits, 1).astype(np.float64)
  return np.sqrt(n) * (config.c1 + np.log((n + config.c2 + 1.0) / config.c2))


# Columns of the packed node table (float64; integers are exact in it).
_VIS, _VSUM, _RIN, _DIN, _PAR, _ACT, _TERM, _RAW = range(8)
_FIXED = 8  # then priors, child_visits, edge_q, children: A columns each
_PRI, _CV, _EQ, _CH = range(4)


class _Shape(NamedTuple):
  """The static sizes of one program: B rows, M nodes a row (node M is the
  row's scratch node), A actions, the tree dtype and the embedding's."""
  bsz: int
  m: int
  a: int
  ft: tf.DType
  emb_shape: Tuple[int, ...]
  emb_dtype: tf.DType
  c_table: np.ndarray  # exploration_table(config)

  @property
  def width(self) -> int:
    return _FIXED + 4 * self.a

  def col(self, k: int) -> slice:
    return slice(_FIXED + k * self.a, _FIXED + (k + 1) * self.a)

  def flat(self, node: tf.Tensor) -> tf.Tensor:
    """Row index of node `node[b]` of each row b (node-major: node i of row b is i * B + b)."""
    return node * self.bsz + tf.range(self.bsz, dtype=tf.int32)

  def c_of(self, visits: tf.Tensor) -> tf.Tensor:
    """c_table[visits] for visits [B] (float, exact integers)."""
    return tf.gather(tf.constant(self.c_table, self.ft),
                     tf.minimum(tf.cast(visits, tf.int32), self.m))

  def fill(self, value) -> tf.Tensor:
    return tf.fill([self.bsz], tf.constant(value, self.ft))


class _Tree(NamedTuple):
  nodes: tf.Tensor       # [(M + 1) * B, width] packed rows, node-major
  embeddings: tf.Tensor  # [(M + 1) * B, *E]
  q_min: tf.Tensor       # [B]
  q_max: tf.Tensor


class _Path(NamedTuple):
  """A descent, depth-major ([M + 1, B(, width)]); entries at depths >=
  each row's length are stale (the buffers are reused across simulations)."""
  nodes: tf.Tensor
  actions: tf.Tensor
  rows: tf.Tensor


def unpack(row: tf.Tensor, shape: _Shape, tree: _Tree) -> compiled_rules.NodeRow:
  """The NodeRow of packed rows [B, width]."""
  return compiled_rules.NodeRow(
      row[:, _VIS], row[:, _VSUM], row[:, _RAW], shape.c_of(row[:, _VIS]), row[:, shape.col(_PRI)],
      row[:, shape.col(_CV)], row[:, shape.col(_EQ)], tree.q_min, tree.q_max)


def _node_rows(shape: _Shape, vis, vsum, r_in, d_in, parent, action, term, raw, priors):
  """Packed rows [B, width] of B fresh nodes (no visited edge, no child)."""
  zeros = tf.zeros([shape.bsz, shape.a], shape.ft)
  return tf.concat([
      tf.stack([vis, vsum, r_in, d_in, parent, action, term, raw], axis=1),
      priors, zeros, zeros, zeros - 1.0], axis=1)


def _unused_rows(shape: _Shape) -> tf.Tensor:
  z = shape.fill(0.0)
  return _node_rows(shape, z, z, z, z, z - 1.0, z - 1.0, z, z, tf.zeros([shape.bsz, shape.a], shape.ft))


def init_tree(shape: _Shape, config: SearchConfig, root_value, root_emb, priors) -> _Tree:
  """The tree of the roots: node 0 visited once with the root value."""
  z, value = shape.fill(0.0), tf.reshape(tf.cast(root_value, shape.ft), [shape.bsz])
  root = _node_rows(shape, z + 1.0, value, z, z, z - 1.0, z - 1.0, z, value, priors)
  nodes = tf.concat([root, tf.tile(_unused_rows(shape), [shape.m, 1])], axis=0)
  embeddings = tf.concat([tf.reshape(root_emb, (shape.bsz,) + shape.emb_shape),
                          tf.zeros((shape.m * shape.bsz,) + shape.emb_shape, shape.emb_dtype)], 0)
  lo, hi = (np.inf, -np.inf) if config.known_bounds is None else config.known_bounds
  return _Tree(nodes, embeddings, shape.fill(float(lo)), shape.fill(float(hi)))


def simulate(tree: _Tree, sim, rule: compiled_rules.Selection, shape: _Shape, path: _Path):
  """Descends from every root by the rule (the root rule at depth 0) to an
  unexpanded edge or a terminal node, gathering only the nodes it visits.
  Returns (path, length [B], last node [B], its packed row, its chosen action)."""
  action_index = tf.range(shape.a, dtype=tf.int32)

  def step(k, node, going, length, path, row, best, choose):
    new_row = tf.gather(tree.nodes, shape.flat(node))
    best = tf.where(going, choose(unpack(new_row, shape, tree)), best)
    row = tf.where(going[:, None], new_row, row)  # a stopped row keeps its last node's
    pick = tf.equal(action_index, best[:, None])
    nxt = tf.cast(tf.reduce_max(tf.where(pick, row[:, shape.col(_CH)], tf.constant(-np.inf, shape.ft)), axis=1),
                  tf.int32)
    path = _Path(compiled_ops.write_slab(path.nodes, node[None], k),
                 compiled_ops.write_slab(path.actions, best[None], k),
                 compiled_ops.write_slab(path.rows, row[None], k))
    going = going & (nxt >= 0)
    return (k + 1, tf.where(going, nxt, node), going, length + tf.cast(going, tf.int32), path,
            row, best)

  zero = tf.zeros([shape.bsz], tf.int32)
  start = step(tf.constant(0), zero, tf.ones([shape.bsz], tf.bool), zero + 1, path,
               tf.zeros([shape.bsz, shape.width], shape.ft), zero,
               lambda node: rule.root(node, sim))
  out = tf.while_loop(lambda k, node, going, *unused: tf.reduce_any(going),
                      lambda *state: step(*state, rule.interior), start,
                      maximum_iterations=shape.m)
  _, last, _, length, path, last_row, best = out
  return path, length, last, last_row, best


def expand(tree: _Tree, sim, shape: _Shape, config: SearchConfig, recurrent_fn: RecurrentFn,
           last, last_row, best):
  """Expands each row's chosen edge at its last node (ONE batched
  recurrent_fn call; a row whose last node is terminal passes action 0 and
  creates nothing) as node sim + 1, one contiguous slab. Returns the tree and
  the new node's (index, visits, value sum, reward, discount, leaf value G,
  expanded) for the backup."""
  bsz, ft, z = shape.bsz, shape.ft, shape.fill(0.0)
  expanding = tf.equal(last_row[:, _TERM], 0.0)
  action = tf.where(expanding, best, 0)
  reward, out_discount, logits, value, next_emb = recurrent_fn(
      tf.gather(tree.embeddings, shape.flat(last)), action)
  out_discount = tf.reshape(tf.cast(out_discount, ft), [bsz])
  is_terminal = tf.equal(out_discount, 0.0)
  reward = tf.reshape(tf.cast(reward, ft), [bsz])
  d_in = float(config.discount) * out_discount
  leaf_value = tf.where(expanding & tf.logical_not(is_terminal),
                        tf.reshape(tf.cast(value, ft), [bsz]), z)
  new = sim + 1
  fresh = _node_rows(shape, z + 1.0, leaf_value, reward, d_in, tf.cast(last, ft),
                     tf.cast(action, ft), tf.cast(is_terminal, ft), leaf_value,
                     compiled_ops.softmax(logits, ft))
  nodes = compiled_ops.write_slab(
      tree.nodes, tf.where(expanding[:, None], fresh, _unused_rows(shape)), new * bsz)
  next_emb = tf.reshape(tf.cast(next_emb, shape.emb_dtype), (bsz,) + shape.emb_shape)
  emb_mask = tf.reshape(expanding, [bsz] + [1] * len(shape.emb_shape))
  embeddings = compiled_ops.write_slab(
      tree.embeddings, tf.where(emb_mask, next_emb, tf.zeros_like(next_emb)), new * bsz)
  child = (tf.fill([bsz], new), z + 1.0, leaf_value, reward, d_in, leaf_value, expanding)
  return tree._replace(nodes=nodes, embeddings=embeddings), child


def backward(tree: _Tree, shape: _Shape, path: _Path, length, child) -> _Tree:
  """Backs up from the new nodes along the paths, deepest step first: each
  step rewrites one packed row per batch row (visits, value sum, and the
  edge's child visits, Q and child index; the scratch node for rows whose
  path is shorter) and feeds the edge's new Q to q_min / q_max."""
  action_index = tf.range(shape.a, dtype=tf.int32)
  scratch = tf.fill([shape.bsz], shape.m)
  cv, eq, ch = shape.col(_CV), shape.col(_EQ), shape.col(_CH)

  def body(k, nodes, q_min, q_max, c_idx, c_n, c_vs, c_r, c_d, g, has):
    active = k < length
    node = tf.where(active, compiled_ops.read_slab(path.nodes, k), scratch)
    row = compiled_ops.read_slab(path.rows, k)
    up = active & has
    q = c_r + c_d * (c_vs / tf.maximum(c_n, 1.0))
    g_new = tf.where(up, c_r + c_d * g, g)
    n_new = row[:, _VIS] + 1.0
    vs_new = row[:, _VSUM] + g_new
    edge = tf.equal(action_index, compiled_ops.read_slab(path.actions, k)[:, None]) & up[:, None]
    new_row = tf.concat([
        tf.stack([n_new, vs_new], axis=1), row[:, _RIN:_FIXED],
        row[:, shape.col(_PRI)], tf.where(edge, c_n[:, None], row[:, cv]),
        tf.where(edge, q[:, None], row[:, eq]),
        tf.where(edge, tf.cast(c_idx, shape.ft)[:, None], row[:, ch])], axis=1)
    nodes = tf.tensor_scatter_nd_update(nodes, shape.flat(node)[:, None], new_row)
    q_min = tf.where(up, tf.minimum(q_min, q), q_min)
    q_max = tf.where(up, tf.maximum(q_max, q), q_max)
    return (k - 1, nodes, q_min, q_max, tf.where(active, node, c_idx),
            tf.where(active, n_new, c_n), tf.where(active, vs_new, c_vs),
            tf.where(active, row[:, _RIN], c_r), tf.where(active, row[:, _DIN], c_d),
            g_new, has | active)

  out = tf.while_loop(lambda k, *unused: k >= 0, body,
                      (tf.reduce_max(length) - 1, tree.nodes, tree.q_min, tree.q_max)
                      + tuple(child), maximum_iterations=shape.m + 1)
  return tree._replace(nodes=out[1], q_min=out[2], q_max=out[3])


def _root_priors(config, logits, ft, invalid, noise):
  """pUCT: softmax over the valid actions, Dirichlet `noise` mixed in when
  given; Gumbel: the softmax only (its noise acts in the root rule)."""
  valid = None if invalid is None else tf.logical_not(invalid)
  p = compiled_ops.softmax(logits, ft, valid)
  if noise is None or config.kind == "gumbel":
    return p
  fraction = float(config.dirichlet_fraction)
  p = (1.0 - fraction) * p + fraction * tf.cast(noise, ft)
  if valid is not None:
    p = tf.where(valid, p, tf.zeros_like(p))
  return p / tf.reduce_sum(p, axis=-1, keepdims=True)


def build_search_fn(root_fn: RootFn, recurrent_fn: RecurrentFn,
                    config: SearchConfig, tree_dtype=tf.float64,
                    use_noise: bool = False, use_invalid: bool = False):
  """The search as a Python function of tensors, to trace into one graph.

  search(observations [B, ...], *extra) -> (visit_counts [B, A] int32,
  root_value [B] float32, q_values [B, A] float32) and, for Gumbel, (action
  [B] int32, improved policy [B, A] float32), where extra is
  (invalid_actions [B, A] bool) if use_invalid, then (noise [B, A]: Dirichlet
  draws, or Gumbel noise for Gumbel) if use_noise (a static choice: each
  combination is its own program).
  """
  base.check_config(config)
  num_sims = int(config.num_simulations)
  c_table = exploration_table(config)

  def search(observations, *extra):
    extra = list(extra)
    invalid = extra.pop(0) if use_invalid else None
    noise = extra.pop(0) if use_noise else None
    prior_logits, root_value, root_emb = root_fn(observations)
    bsz, a = prior_logits.shape
    if bsz is None or a is None:
      raise ValueError("the compiled search needs static batch and action "
                       f"dimensions, got prior_logits {prior_logits.shape}")
    shape = _Shape(bsz, num_sims + 1, a, tree_dtype, tuple(root_emb.shape[1:]), root_emb.dtype,
                   c_table)
    if config.kind == "gumbel":
      g = tf.zeros([bsz, a], tree_dtype) if noise is None else tf.cast(noise, tree_dtype)
      rule = compiled_rules.gumbel(config, g, invalid)
    else:
      rule = compiled_rules.puct(config, invalid)
    tree = init_tree(shape, config, root_value, root_emb,
                     _root_priors(config, prior_logits, tree_dtype, invalid, noise))
    path = _Path(tf.zeros([shape.m + 1, bsz], tf.int32), tf.zeros([shape.m + 1, bsz], tf.int32),
                 tf.zeros([shape.m + 1, bsz, shape.width], tree_dtype))

    def one_simulation(sim, tree, path):
      path, length, last, last_row, best = simulate(tree, sim, rule, shape, path)
      tree, child = expand(tree, sim, shape, config, recurrent_fn, last, last_row, best)
      return sim + 1, backward(tree, shape, path, length, child), path

    tree = tf.while_loop(lambda sim, *unused: sim < num_sims, one_simulation,
                         (tf.constant(0), tree, path), maximum_iterations=num_sims)[1]
    root = unpack(tree.nodes[:bsz], shape, tree)
    root_q = tf.where(root.child_visits > 0, root.edge_q, tf.zeros_like(root.edge_q))
    out = (tf.cast(root.child_visits, tf.int32), tf.cast(root.value_sum / root.visits, tf.float32),
           tf.cast(root_q, tf.float32))
    if config.kind == "gumbel":
      action, weights = compiled_rules.gumbel_result(root, config, g, invalid)
      out += (action, tf.cast(weights, tf.float32))
    return out

  return search


def network_functions(network) -> Tuple[RootFn, RecurrentFn]:
  """root_fn / recurrent_fn of a MuZeroNetwork (scalar reward and value).

  The learned model has no terminal states: its discount is 1 (the search
  multiplies by config.discount).
  """
  # Imported here so the search itself does not depend on the networks.
  from pipeline.networks.muzero_net import to_scalars  # pylint: disable=g-import-not-at-top

  def root_fn(observations):
    out = to_scalars(network.initial_inference(observations))
    return out.policy_logits, out.value, out.latent

  def recurrent_fn(latent, action):
    out = to_scalars(network.recurrent_inference(latent, action))
    return (out.reward, tf.ones_like(out.value), out.policy_logits, out.value,
            out.latent)

  return root_fn, recurrent_fn


class CompiledSearch:
  """The batched search as one XLA-compiled function; see the module doc.

  CompiledSearch(network, config) builds it from a MuZeroNetwork;
  CompiledSearch.from_functions(root_fn, recurrent_fn, config, num_actions)
  from plain TF callables. A program is compiled on first use for each batch
  size and each of the four (noise, invalid_actions) combinations (self-play
  uses one, evaluation another); `warm_up(batch_size)` compiles ahead.
  """

  def __init__(self, network, config: SearchConfig, tree_dtype=tf.float64):
    root_fn, recurrent_fn = network_functions(network)
    self._setup(root_fn, recurrent_fn, config, network.num_actions,
                tuple(network.observation_shape), tf.float32, tree_dtype)

  @classmethod
  def from_functions(cls, root_fn: RootFn, recurrent_fn: RecurrentFn,
                     config: SearchConfig, num_actions: int,
                     observation_shape: Optional[Tuple[int, ...]] = None,
                     observation_dtype=tf.float32, tree_dtype=tf.float64):
    self = cls.__new__(cls)
    self._setup(root_fn, recurrent_fn, config, num_actions,
                observation_shape, observation_dtype, tree_dtype)
    return self

  def _setup(self, root_fn, recurrent_fn, config, num_actions,
             observation_shape, observation_dtype, tree_dtype):
    base.check_config(config)
    self.config = config
    self.num_actions = int(num_actions)
    self.observation_shape = (None if observation_shape is None
                              else tuple(observation_shape))
    self.observation_dtype = tf.as_dtype(observation_dtype)
    self.tree_dtype = tf.as_dtype(tree_dtype)
    self._fns = (root_fn, recurrent_fn)
    self._functions = {}  # (use_noise, use_invalid) -> tf.function
    self._concrete = {}  # (use_noise, use_invalid, obs shape) -> concrete

  @property
  def model_functions(self) -> Tuple[RootFn, RecurrentFn]:
    """(root_fn, recurrent_fn) that the search traces into its program."""
    return self._fns

  def function(self, use_noise: bool = False, use_invalid: bool = False):
    """The tf.function(jit_compile=True) of one (noise, invalid) variant.

    Arguments: observations, then invalid_actions [B, A] bool if
    use_invalid, then noise [B, A] (tree dtype) if use_noise.
    """
    key = (bool(use_noise), bool(use_invalid))
    if key not in self._functions:
      fn = build_search_fn(*self._fns, self.config, self.tree_dtype,
                           use_noise=key[0], use_invalid=key[1])
      self._functions[key] = tf.function(fn, jit_compile=True)
    return self._functions[key]

  def _concrete_function(self, use_noise, use_invalid, obs_shape):
    key = (use_noise, use_invalid, obs_shape)
    if key not in self._concrete:
      b, a = obs_shape[0], self.num_actions
      specs = [tf.TensorSpec(obs_shape, self.observation_dtype)]
      if use_invalid:
        specs.append(tf.TensorSpec((b, a), tf.bool))
      if use_noise:
        specs.append(tf.TensorSpec((b, a), self.tree_dtype))
      self._concrete[key] = self.function(
          use_noise, use_invalid).get_concrete_function(*specs)
    return self._concrete[key]

  def warm_up(self, batch_size: int, use_noise: bool = False,
              use_invalid: bool = False) -> float:
    """Compiles one variant for `batch_size` now; returns the seconds taken."""
    if self.observation_shape is None:
      raise ValueError("warm_up needs observation_shape")
    start = time.perf_counter()
    obs = np.zeros((batch_size,) + self.observation_shape,
                   self.observation_dtype.as_numpy_dtype)
    a = self.num_actions
    self(obs, noise=np.full((batch_size, a), 1.0 / a) if use_noise else None,
         invalid_actions=(np.zeros((batch_size, a), bool) if use_invalid
                          else None))
    return time.perf_counter() - start

  def __call__(self, observations, noise=None,
               invalid_actions=None) -> SearchOutput:
    """Searches from every row of `observations` (numpy in, numpy out).

    noise: [B, A] Dirichlet draws to mix into the root priors, or for
    Gumbel the root's Gumbel noise (None: no noise); invalid_actions: [B, A]
    bool, True where illegal at the root.
    """
    obs = np.asarray(observations, self.observation_dtype.as_numpy_dtype)
    bsz, a = obs.shape[0], self.num_actions
    inputs = [tf.constant(obs)]
    use_invalid = invalid_actions is not None
    if use_invalid:
      inputs.append(tf.constant(base.check_invalid_actions(invalid_actions, bsz, a)))
    use_noise = noise is not None
    if use_noise:
      noise = np.asarray(noise, self.tree_dtype.as_numpy_dtype)
      if noise.shape != (bsz, a):
        raise ValueError(f"noise must be {(bsz, a)}, got {noise.shape}")
      inputs.append(tf.constant(noise))
    fn = self._concrete_function(use_noise, use_invalid, obs.shape)
    # Calling the concrete function's flat entry point skips tf.function's
    # argument binding (~0.3 ms a call on the 2-core machine, more than a
    # batch-1 search). It is private API of the pinned TF 2.15; the public
    # call is the fallback.
    call_flat = getattr(fn, "_call_flat", None)
    outputs = call_flat(inputs, fn.captured_inputs) if call_flat is not None else fn(*inputs)
    return SearchOutput(*(x.numpy() for x in outputs))
