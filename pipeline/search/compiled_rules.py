"""Selection rules of the compiled search (compiled.py), in TensorFlow.

The same rules as selection.py, with the same float operations in the same
order, over one node per batch row (the compiled search scores only the
nodes on its paths):

  NodeRow                 a node of every row, unpacked from the packed tree
  Selection(root, interior)
      root(node, simulation) -> [B] int32, interior(node) -> [B] int32
  puct(config, ft, invalid)             MuZero's pUCT
  gumbel(config, ft, gumbel, invalid)   Gumbel MuZero (sequential halving)
  gumbel_result(node, config, gumbel, invalid) -> (action [B], improved policy [B, A])
"""
from typing import Callable, NamedTuple, Optional

import numpy as np
import tensorflow as tf

from pipeline.search import base
from pipeline.search import compiled_ops
from pipeline.search import selection


class NodeRow(NamedTuple):
  """One node of each of B rows: [B] per node, [B, A] per edge."""
  visits: tf.Tensor
  value_sum: tf.Tensor
  raw_value: tf.Tensor      # the network's value of the node
  c: tf.Tensor              # pUCT's exploration factor c(visits)
  priors: tf.Tensor
  child_visits: tf.Tensor   # float, exact integers
  edge_q: tf.Tensor         # r + discount * child value, 0 where unvisited
  q_min: tf.Tensor          # [B] the rows' whole-tree min-max statistics
  q_max: tf.Tensor


class Selection(NamedTuple):
  root: Callable[[NodeRow, tf.Tensor], tf.Tensor]
  interior: Callable[[NodeRow], tf.Tensor]


def puct_scores(node: NodeRow, config: base.SearchConfig) -> tf.Tensor:
  """selection.puct_scores of one node per row [B, A] (its ops, its order)."""
  n_a = node.child_visits
  unvisited = tf.cast(tf.equal(n_a, 0.0), n_a.dtype)
  q = node.edge_q
  if config.unvisited_q == "parent":
    q = q + unvisited * (node.value_sum / tf.maximum(node.visits, 1.0))[:, None]
  elif config.unvisited_q == "min":
    fill = tf.where(tf.math.is_finite(node.q_min), node.q_min, tf.zeros_like(node.q_min))
    q = q + unvisited * fill[:, None]
  spread = node.q_max - node.q_min
  ok = spread > 0
  lo = tf.where(ok, node.q_min, tf.zeros_like(node.q_min))[:, None]
  den = tf.where(ok, spread, tf.ones_like(spread))[:, None]
  q = (q - lo) / den
  return q + node.priors * node.c[:, None] / (n_a + 1.0)


def _masked(score: tf.Tensor, invalid: Optional[tf.Tensor]) -> tf.Tensor:
  if invalid is None:
    return score
  return tf.where(invalid, tf.constant(-np.inf, score.dtype), score)


def puct(config: base.SearchConfig, invalid: Optional[tf.Tensor] = None) -> Selection:
  def interior(node):
    return compiled_ops.first_argmax(puct_scores(node, config))

  def root(node, simulation):
    del simulation
    return compiled_ops.first_argmax(_masked(puct_scores(node, config), invalid))
  return Selection(root, interior)


def completed_q(node: NodeRow, config: base.SearchConfig) -> tf.Tensor:
  """selection.completed_q of one node per row [B, A]."""
  ft = node.priors.dtype
  visited = node.child_visits > 0
  zeros = tf.zeros_like(node.priors)
  n = tf.reduce_sum(node.child_visits, axis=-1)
  probs = tf.maximum(node.priors, tf.constant(np.finfo(ft.as_numpy_dtype).tiny, ft))
  mass = tf.reduce_sum(tf.where(visited, probs, zeros), axis=-1)
  weighted = tf.reduce_sum(tf.where(visited, probs * node.edge_q, zeros), axis=-1) / tf.where(
      mass > 0, mass, tf.ones_like(mass))
  mixed = (node.raw_value + n * weighted) / (n + 1.0)
  q = tf.where(visited, node.edge_q, zeros + mixed[:, None])
  lo = tf.reduce_min(q, axis=-1, keepdims=True)
  hi = tf.reduce_max(q, axis=-1, keepdims=True)
  q = (q - lo) / tf.maximum(hi - lo, tf.constant(1e-8, ft))
  scale = config.gumbel_maxvisit_init + tf.reduce_max(node.child_visits, axis=-1)
  return scale[:, None] * config.gumbel_value_scale * q


def _log_priors(priors: tf.Tensor) -> tf.Tensor:
  """selection._log_priors: log, floored at log(tiny)."""
  tiny = np.finfo(priors.dtype.as_numpy_dtype).tiny
  return tf.math.log(tf.maximum(priors, tf.constant(tiny, priors.dtype)))


def improved_policy(node: NodeRow, config: base.SearchConfig, invalid=None) -> tf.Tensor:
  """softmax(log priors + sigma(completed Q)) [B, A], invalid actions 0."""
  x = _masked(_log_priors(node.priors) + completed_q(node, config), invalid)
  x = x - tf.reduce_max(x, axis=-1, keepdims=True)
  e = tf.exp(x)
  return e / tf.reduce_sum(e, axis=-1, keepdims=True)


def _gumbel_scores(node, config, gumbel, considered_visit, invalid):
  logits = _log_priors(node.priors)
  logits = logits - tf.reduce_max(logits, axis=-1, keepdims=True)
  score = tf.maximum(tf.constant(selection.LOW_LOGIT, logits.dtype),
                     gumbel + logits + completed_q(node, config))
  score = tf.where(tf.equal(node.child_visits, considered_visit[:, None]), score,
                   tf.constant(-np.inf, score.dtype))
  return compiled_ops.first_argmax(_masked(score, invalid))


def gumbel(config: base.SearchConfig, gumbel_noise: tf.Tensor,
           invalid: Optional[tf.Tensor] = None) -> Selection:
  """selection.gumbel: `gumbel_noise` [B, A] in the tree dtype."""
  m = int(config.gumbel_max_considered)
  table = tf.constant(np.array([selection.considered_visits(k, config.num_simulations)
                                for k in range(m + 1)]), gumbel_noise.dtype)
  num_actions = gumbel_noise.shape[-1]
  if invalid is None:
    num_valid = tf.fill(tf.shape(gumbel_noise)[:1], num_actions)
  else:
    num_valid = tf.reduce_sum(tf.cast(tf.logical_not(invalid), tf.int32), axis=-1)
  considered = tf.minimum(m, num_valid)

  def interior(node):
    total = tf.reduce_sum(node.child_visits, axis=-1, keepdims=True)
    return compiled_ops.first_argmax(improved_policy(node, config) -
                                     node.child_visits / (1.0 + total))

  def root(node, simulation):
    visit = tf.gather(tf.gather(table, considered), simulation, axis=1)
    return _gumbel_scores(node, config, gumbel_noise, visit, invalid)
  return Selection(root, interior)


def gumbel_result(node: NodeRow, config: base.SearchConfig, gumbel_noise: tf.Tensor,
                  invalid: Optional[tf.Tensor] = None):
  """(action [B] int32, improved policy [B, A]) at the root after the search
  (selection.gumbel_action, selection.improved_policy)."""
  most = tf.reduce_max(node.child_visits, axis=-1)
  action = _gumbel_scores(node, config, gumbel_noise, most, invalid)
  return action, improved_policy(node, config, invalid)
