"""Batched MuZero MCTS as ONE XLA-compiled TensorFlow graph.

`CompiledSearch` runs the whole search of a batch of B roots -- the
representation at the roots, num_simulations simulations each with ONE
batched dynamics + prediction call, and the backups -- inside a single
`tf.function(jit_compile=True)`. It returns to Python once per search, not
once per simulation, and the same function runs on CPU, GPU and TPU.

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
    row per node -- visits, value_sum, c(visits), reward and discount of the
    edge into the node, parent, action from the parent, terminal flag, then
    per action: prior, child visits, Q(s, a) of the edge (cached when backed
    up; 0 while unvisited) and child index (-1: not expanded). Integers are
    exact in float64. embeddings [(M + 1) * B, *E]; q_min, q_max [B].
  tf.while_loop over simulations s = 0..N-1:
    1. descent: a tf.while_loop over depth; each step gathers the current
       node's row of every batch row (one gather), scores its A edges (pUCT
       as in mcts._scores; the root's invalid actions -inf at depth 0),
       follows the argmax edge and records the node, action and row on the
       path; it stops at an unexpanded edge or a terminal node;
    2. expansion: ONE batched recurrent_fn call on the B leaves' embeddings
       (one gather); the new node s + 1 of every row is one contiguous slab,
       written with XLA's DynamicUpdateSlice (in place);
    3. backup: a tf.while_loop over depth from the deepest path node up: the
       recorded rows get their new visits, value sums, c and the updated
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

SearchConfig = base.SearchConfig


class SearchOutput(NamedTuple):
  visit_counts: np.ndarray  # [B, A] int32
  root_value: np.ndarray  # [B] float32
  q_values: np.ndarray  # [B, A] float32, 0 where unvisited


RootFn = Callable[[tf.Tensor], Tuple[tf.Tensor, tf.Tensor, tf.Tensor]]
RecurrentFn = Callable[[tf.Tensor, tf.Tensor], Tuple[tf.Tensor, ...]]


def exploration_table(config: SearchConfig) -> np.ndarray:
  """c(N) for N = 0..num_simulations + 1 (N = 0 as N = 1), float64.

  The same numpy operations as mcts._scores, so the values are bit-identical.
  """
  visits = np.arange(int(config.num_simulations) + 2)
  n = np.maximum(visits, 1).astype(np.float64)
  return np.sqrt(n) * (config.c1 + np.log((n + config.c2 + 1.0) / config.c2))


# Columns of the packed node table (float64; integers are exact in it).
_VIS, _VSUM, _C, _RIN, _DIN, _PAR, _ACT, _TERM = range(8)
_FIXED = 8  # then priors, child_visits, edge_q, children: A columns each


def build_search_fn(root_fn: RootFn, recurrent_fn: RecurrentFn,
                    config: SearchConfig, tree_dtype=tf.float64,
                    use_noise: bool = False, use_invalid: bool = False):
  """The search as a Python function of tensors, to trace into one graph.

  search(observations [B, ...], *extra) -> (visit_counts [B, A] int32,
  root_value [B] float32, q_values [B, A] float32), where extra is
  (invalid_actions [B, A] bool) if use_invalid, then (noise [B, A]) if
  use_noise (a static choice: each combination is its own program).
  """
  base.check_config(config)
  num_sims = int(config.num_simulations)
  m = num_sims + 1  # nodes per row; node m is a per-row scratch node
  mode = config.unvisited_q
  discount = float(config.discount)
  fraction = float(config.dirichlet_fraction)
  c_table_np = exploration_table(config)
  ft = tree_dtype
  inf = np.inf

  def search(observations, *extra):
    extra = list(extra)
    invalid = extra.pop(0) if use_invalid else None
    noise = extra.pop(0) if use_noise else None
    prior_logits, root_value, root_emb = root_fn(observations)
    bsz, num_actions = prior_logits.shape
    if bsz is None or num_actions is None:
      raise ValueError("the compiled search needs static batch and action "
                       f"dimensions, got prior_logits {prior_logits.shape}")
    a = num_actions
    emb_shape = tuple(root_emb.shape[1:])
    emb_dtype = root_emb.dtype
    width = _FIXED + 4 * a
    pri, cv, eq, ch = (slice(_FIXED + k * a, _FIXED + (k + 1) * a)
                       for k in range(4))
    i32 = tf.int32
    rows = tf.range(bsz, dtype=i32)
    scratch = tf.fill([bsz], m)
    c_table = tf.constant(c_table_np, ft)
    zeros_f = tf.zeros([bsz], ft)
    zeros_a = tf.zeros([bsz, a], ft)
    minus_one = tf.fill([bsz], tf.constant(-1.0, ft))

    # --- Root priors: softmax over the valid actions, noise when asked. ---
    if use_invalid:
      valid = tf.logical_not(invalid)
      p = compiled_ops.softmax(prior_logits, ft, valid)
    else:
      p = compiled_ops.softmax(prior_logits, ft)
    if use_noise:
      p = (1.0 - fraction) * p + fraction * tf.cast(noise, ft)
      if use_invalid:
        p = tf.where(valid, p, tf.zeros_like(p))
      p = p / tf.reduce_sum(p, axis=-1, keepdims=True)

    def node_rows(vis, vsum, c, r_in, d_in, parent, action, term, priors):
      """Packed rows [B, width] of B fresh nodes."""
      return tf.concat([
          tf.stack([vis, vsum, c, r_in, d_in, parent, action, term], axis=1),
          priors, zeros_a, zeros_a, tf.fill([bsz, a], tf.constant(-1., ft))],
                       axis=1)

    # The tree: nodes [(m + 1) * B, width], node-major (node i of row b is
    # row i * B + b, so the rows' node i form one contiguous slab) and
    # embeddings [(m + 1) * B, *E] likewise.
    unused = node_rows(zeros_f, zeros_f, zeros_f + c_table_np[0], zeros_f,
                       zeros_f, minus_one, minus_one, zeros_f, zeros_a)
    root = node_rows(zeros_f + 1.0, tf.reshape(tf.cast(root_value, ft),
                                               [bsz]),
                     zeros_f + c_table_np[1], zeros_f, zeros_f, minus_one,
                     minus_one, zeros_f, p)
    nodes = tf.concat([root, tf.tile(unused, [m, 1])], axis=0)
    embeddings = tf.concat(
        [tf.reshape(root_emb, (bsz,) + emb_shape),
         tf.zeros((m * bsz,) + emb_shape, emb_dtype)], axis=0)
    if config.known_bounds is None:
      q_min = tf.fill([bsz], tf.constant(inf, ft))
      q_max = tf.fill([bsz], tf.constant(-inf, ft))
    else:
      q_min = tf.fill([bsz], tf.constant(float(config.known_bounds[0]), ft))
      q_max = tf.fill([bsz], tf.constant(float(config.known_bounds[1]), ft))
    neg_inf = tf.constant(-inf, ft)
    action_index = tf.range(a, dtype=i32)

    def flat(node):
      """Flat index (node, row) of a [m + 1, B, ...] array as [B*(m+1), ...]."""
      return node * bsz + rows

    def lookup_c(visits):
      """c_table[visits] for visits [B] (float, exact integers)."""
      return tf.gather(c_table, tf.minimum(tf.cast(visits, i32), m))

    def scores(row, q_min, q_max, at_root):
      """pUCT scores [B, A] of one node per batch row (mcts._scores' ops)."""
      n_a = row[:, cv]
      unvisited = tf.cast(tf.equal(n_a, 0.0), ft)
      q = row[:, eq]
      if mode == "parent":
        fill = row[:, _VSUM] / tf.maximum(row[:, _VIS], 1.0)
        q = q + unvisited * fill[:, None]
      elif mode == "min":
        fill = tf.where(tf.math.is_finite(q_min), q_min, tf.zeros_like(q_min))
        q = q + unvisited * fill[:, None]
      spread = q_max - q_min
      ok = spread > 0
      lo = tf.where(ok, q_min, tf.zeros_like(q_min))[:, None]
      den = tf.where(ok, spread, tf.ones_like(spread))[:, None]
      q = (q - lo) / den
      score = q + row[:, pri] * row[:, _C][:, None] / (n_a + 1.0)
      if use_invalid:
        score = tf.where(invalid & at_root, neg_inf, score)
      return score

    def descend(nodes, q_min, q_max, path, actions, path_rows):
      """Follows the argmax edges from each root to an unexpanded edge or a
      terminal node, scoring only the nodes it visits (one row gather per
      depth). Returns the path: node indices, argmax actions and the packed
      rows [m + 1, B(, width)] at depths 0..length-1 (the buffers are reused
      from simulation to simulation: later entries are stale), each row's
      length, and its last node with its row and argmax action."""

      def cond(k, node, going, *unused):
        del k, node, unused
        return tf.reduce_any(going)

      def body(k, node, going, length, path, actions, path_rows, *unused):
        del unused
        # Rows that have stopped gather their last node again: at the end,
        # row and best are those of every row's last node.
        row = tf.gather(nodes, flat(node))
        best = compiled_ops.first_argmax(
            scores(row, q_min, q_max, tf.equal(k, 0)))
        pick = tf.equal(action_index, best[:, None])
        nxt = tf.cast(tf.reduce_max(tf.where(pick, row[:, ch], neg_inf),
                                    axis=1), i32)
        path = compiled_ops.write_slab(path, node[None], k)
        actions = compiled_ops.write_slab(actions, best[None], k)
        path_rows = compiled_ops.write_slab(path_rows, row[None], k)
        going = going & (nxt >= 0)
        node = tf.where(going, nxt, node)
        return (k + 1, node, going, length + tf.cast(going, i32), path,
                actions, path_rows, row, best)

      zero = tf.zeros([bsz], i32)
      out = tf.while_loop(cond, body, (
          tf.constant(0), zero, tf.ones([bsz], tf.bool), zero + 1, path,
          actions, path_rows, tf.zeros([bsz, width], ft), zero),
                          maximum_iterations=m + 1)
      _, last, _, length, path, actions, path_rows, last_row, best = out
      return last, length, path, actions, path_rows, last_row, best

    def backup(nodes, q_min, q_max, path, actions, path_rows, length, child):
      """Backs up from the leaves along the paths (deepest step first).

      child = (index, visits, value_sum, reward, discount, G, has_child) of
      each row's node below the path's last node (the new node), has_child
      False for a terminal leaf (then G = 0). Each step rewrites one packed
      row per batch row (the scratch node m for rows whose path is shorter).
      """

      def cond(k, *unused):
        del unused
        return k >= 0

      def body(k, nodes, q_min, q_max, c_idx, c_n, c_vs, c_r, c_d, g, has):
        active = k < length
        node = tf.where(active, compiled_ops.read_slab(path, k), scratch)
        row = compiled_ops.read_slab(path_rows, k)
        up = active & has
        q = c_r + c_d * (c_vs / tf.maximum(c_n, 1.0))
        g_new = tf.where(up, c_r + c_d * g, g)
        n_new = row[:, _VIS] + 1.0
        vs_new = row[:, _VSUM] + g_new
        edge = tf.equal(action_index,
                        compiled_ops.read_slab(actions, k)[:, None]) & (
                            up[:, None])
        new_row = tf.concat([
            tf.stack([n_new, vs_new, lookup_c(n_new)], axis=1),
            row[:, _RIN:_FIXED], row[:, pri],
            tf.where(edge, c_n[:, None], row[:, cv]),
            tf.where(edge, q[:, None], row[:, eq]),
            tf.where(edge, tf.cast(c_idx, ft)[:, None], row[:, ch])], axis=1)
        nodes = tf.tensor_scatter_nd_update(nodes, flat(node)[:, None],
                                            new_row)
        q_min = tf.where(up, tf.minimum(q_min, q), q_min)
        q_max = tf.where(up, tf.maximum(q_max, q), q_max)
        return (k - 1, nodes, q_min, q_max,
                tf.where(active, node, c_idx),
                tf.where(active, n_new, c_n), tf.where(active, vs_new, c_vs),
                tf.where(active, row[:, _RIN], c_r),
                tf.where(active, row[:, _DIN], c_d),
                g_new, has | active)

      out = tf.while_loop(
          cond, body,
          (tf.reduce_max(length) - 1, nodes, q_min, q_max) + tuple(child),
          maximum_iterations=m + 1)
      return out[1], out[2], out[3]

    def sim_body(sim, nodes, embeddings, q_min, q_max, path, actions,
                 path_rows):
      (last, length, path, actions, path_rows, last_row,
       best) = descend(nodes, q_min, q_max, path, actions, path_rows)
      expanding = tf.equal(last_row[:, _TERM], 0.0)
      action = tf.where(expanding, best, 0)
      leaf_emb = tf.gather(embeddings, flat(last))
      reward, out_discount, logits, value, next_emb = recurrent_fn(
          leaf_emb, action)
      out_discount = tf.reshape(tf.cast(out_discount, ft), [bsz])
      is_terminal = tf.equal(out_discount, 0.0)
      reward = tf.reshape(tf.cast(reward, ft), [bsz])
      d_in = discount * out_discount
      leaf_value = tf.where(expanding & tf.logical_not(is_terminal),
                            tf.reshape(tf.cast(value, ft), [bsz]), zeros_f)
      new = sim + 1
      fresh = node_rows(zeros_f + 1.0, leaf_value, zeros_f + c_table_np[1],
                        reward, d_in, tf.cast(last, ft), tf.cast(action, ft),
                        tf.cast(is_terminal, ft),
                        compiled_ops.softmax(logits, ft))
      nodes = compiled_ops.write_slab(
          nodes, tf.where(expanding[:, None], fresh, unused), new * bsz)
      next_emb = tf.reshape(tf.cast(next_emb, emb_dtype), (bsz,) + emb_shape)
      emb_mask = tf.reshape(expanding, [bsz] + [1] * len(emb_shape))
      embeddings = compiled_ops.write_slab(
          embeddings, tf.where(emb_mask, next_emb, tf.zeros_like(next_emb)),
          new * bsz)
      child = (tf.fill([bsz], new), zeros_f + 1.0, leaf_value, reward, d_in,
               leaf_value, expanding)
      nodes, q_min, q_max = backup(nodes, q_min, q_max, path, actions,
                                   path_rows, length, child)
      return (sim + 1, nodes, embeddings, q_min, q_max, path, actions,
              path_rows)

    nodes = tf.while_loop(
        lambda sim, *unused: sim < num_sims, sim_body,
        (tf.constant(0), nodes, embeddings, q_min, q_max,
         tf.zeros([m + 1, bsz], i32), tf.zeros([m + 1, bsz], i32),
         tf.zeros([m + 1, bsz, width], ft)),
        maximum_iterations=num_sims)[1]
    root = nodes[:bsz]
    root_n = root[:, cv]
    root_q = tf.where(root_n > 0, root[:, eq], zeros_a)
    root_v = root[:, _VSUM] / root[:, _VIS]
    return (tf.cast(root_n, i32), tf.cast(root_v, tf.float32),
            tf.cast(root_q, tf.float32))

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

    noise: [B, A] Dirichlet draws to mix into the root priors (None: no
    noise); invalid_actions: [B, A] bool, True where illegal at the root.
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
    if call_flat is not None:
      counts, value, q = call_flat(inputs, fn.captured_inputs)
    else:
      counts, value, q = fn(*inputs)
    return SearchOutput(counts.numpy(), value.numpy(), q.numpy())
