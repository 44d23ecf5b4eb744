"""Tests of the batched numpy MCTS against independent oracles.

Oracles: hand-computed pUCT numbers on a hand-built tree; exhaustive search
on tiny tree MDPs; a scalar, node-object MCTS written here from the documented
semantics (MuZero-pseudocode style, one row at a time); batch-of-1 searches.
mctx is compared in mcts_mctx_test.py; the noise and acting helpers
(policy.py) are tested in policy_test.py.
"""
import math

import numpy as np
import pytest

from pipeline.search import base
from pipeline.search import policies
from pipeline.search import selection
from pipeline.search import toy_models

C_DEFAULT = base.SearchConfig(num_simulations=1)


# --------------------------------------------------------------------------
# pUCT on a hand-built tree.


def _hand_tree(q_min, q_max, root_invalid=None):
  """Row 0: root (node 0) with 3 actions, children 1 and 2 visited.

  Root: N = 4 visits, value_sum 8 (value 2.0), priors [0.5, 0.3, 0.2].
  Edge 0: reward 1.0, discount 0.5, child value 2.0, 2 visits -> Q = 2.0.
  Edge 1: reward 0.0, discount 0.5, child value 3.0, 1 visit  -> Q = 1.5.
  Edge 2: not expanded.
  Node 3: a fresh leaf (1 visit, value 0.4), priors [0.25, 0.75, 0].
  """
  m, a = 4, 3
  t = dict(
      node_visits=np.array([[4, 2, 1, 1]], np.int32),
      value_sum=np.array([[8.0, 4.0, 3.0, 0.4]]),
      terminal=np.zeros((1, m), bool),
      parents=np.array([[-1, 0, 0, 1]], np.int32),
      action_from_parent=np.array([[-1, 0, 1, 0]], np.int32),
      priors=np.array([[[0.5, 0.3, 0.2], [0.25, 0.75, 0.0],
                        [1 / 3, 1 / 3, 1 / 3], [0.25, 0.75, 0.0]]]),
      children=np.full((1, m, a), -1, np.int32),
      child_visits=np.zeros((1, m, a), np.int32),
      child_values=np.zeros((1, m, a)),
      rewards=np.zeros((1, m, a)),
      discounts=np.zeros((1, m, a)),
      embeddings=np.zeros((1, m)),
      q_min=np.array([q_min]),
      q_max=np.array([q_max]),
      root_invalid=(np.zeros((1, a), bool) if root_invalid is None
                    else np.array([root_invalid])))
  t["children"][0, 0, :2] = [1, 2]
  t["child_visits"][0, 0, :2] = [2, 1]
  t["child_values"][0, 0, :2] = [2.0, 3.0]
  t["rewards"][0, 0, :2] = [1.0, 0.0]
  t["discounts"][0, 0, :2] = [0.5, 0.5]
  return base.Tree(**t)


# c(N = 4) = sqrt(4) * (1.25 + ln((4 + 19652 + 1) / 19652))
#          = 2 * (1.25 + ln(1 + 5 / 19652)) = 2 * (1.25 + 2.5439467e-4)
#          = 2.50050879 (ln(1 + x) = x - x^2 / 2 + ..., x = 2.5443e-4)
# bonus = P * c / (1 + N(a)) = [0.5 c / 3, 0.3 c / 2, 0.2 c / 1]
#       = [0.41675146, 0.37507632, 0.50010176]
# With stats min 1, max 3: normalised Q = (Q - 1) / 2 -> edge 0: 0.5, edge 1:
# 0.25; the unvisited edge 2 gets, before normalisation: "parent" 2.0 (-> 0.5),
# "zero" 0 (-> -0.5), "min" 1.0 (-> 0).
@pytest.mark.parametrize("mode,expected", [
    ("parent", [0.91675146, 0.62507632, 1.00010176]),
    ("zero", [0.91675146, 0.62507632, 0.00010176]),
    ("min", [0.91675146, 0.62507632, 0.50010176]),
])
def test_puct_scores_hand_tree(mode, expected):
  config = C_DEFAULT._replace(unvisited_q=mode)
  scores = selection.puct_scores_at(_hand_tree(1.0, 3.0), np.array([0]), config)
  np.testing.assert_allclose(scores[0], expected, atol=1e-8)


def test_puct_scores_degenerate_stats_use_raw_q():
  # max == min: MuZero's normalize returns Q unchanged: [2.0, 1.5, 2.0].
  scores = selection.puct_scores_at(_hand_tree(2.0, 2.0), np.array([0]), C_DEFAULT)
  np.testing.assert_allclose(scores[0], [2.41675146, 1.87507632, 2.50010176],
                             atol=1e-8)


def test_puct_scores_interior_node_and_root_mask():
  tree = _hand_tree(1.0, 3.0, root_invalid=[False, False, True])
  scores = selection.puct_scores_at(tree, np.array([0]), C_DEFAULT)
  assert scores[0, 2] == -np.inf
  np.testing.assert_allclose(scores[0, :2], [0.91675146, 0.62507632],
                             atol=1e-8)
  # Node 3: N = 1, c = 1.25 + ln(19654 / 19652) = 1.25010177; no visited
  # edges, fill = its value 0.4 -> (0.4 - 1) / 2 = -0.3; the root mask does
  # not apply below the root.
  scores = selection.puct_scores_at(tree, np.array([3]), C_DEFAULT)
  np.testing.assert_allclose(
      scores[0], [-0.3 + 0.25 * 1.25010177, -0.3 + 0.75 * 1.25010177, -0.3],
      atol=1e-8)


# --------------------------------------------------------------------------
# An independent scalar MCTS: node objects, one row at a time, from the
# module docstring's semantics.


class _Node:

  def __init__(self, priors, embedding):
    self.priors = priors
    self.embedding = embedding
    self.visits = 0
    self.value_sum = 0.0
    self.children = {}
    self.reward = 0.0
    self.discount = 0.0
    self.terminal = False

  def value(self):
    return self.value_sum / self.visits


def _softmax(x, valid=None):
  x = np.asarray(x, np.float64)
  if valid is None:
    valid = np.ones(len(x), bool)
  e = [math.exp(v - max(x[valid])) if ok else 0.0 for v, ok in zip(x, valid)]
  return [v / sum(e) for v in e]


def scalar_search(logits, value, embedding, step, config, invalid=None,
                  noise=None):
  """Returns (visit counts, root value, root Q) for one row.

  step(embedding, action) -> (reward, discount, logits, value, embedding).
  """
  num_actions = len(logits)
  valid = (np.ones(num_actions, bool) if invalid is None
           else ~np.asarray(invalid))
  p = _softmax(logits, valid)
  if noise is not None:
    f = config.dirichlet_fraction
    p = [(1 - f) * pa + f * na if ok else 0.0
         for pa, na, ok in zip(p, noise, valid)]
    p = [pa / sum(p) for pa in p]
  root = _Node(p, embedding)
  root.visits, root.value_sum = 1, float(value)
  if config.known_bounds is None:
    lo, hi = math.inf, -math.inf
  else:
    lo, hi = config.known_bounds

  def score(node, a, is_root):
    if is_root and not valid[a]:
      return -math.inf
    child = node.children.get(a)
    n_a = child.visits if child is not None else 0
    if n_a > 0:
      q = child.reward + child.discount * child.value()
    elif config.unvisited_q == "parent":
      q = node.value()
    elif config.unvisited_q == "zero":
      q = 0.0
    else:
      q = lo if math.isfinite(lo) else 0.0
    if hi > lo:
      q = (q - lo) / (hi - lo)
    n = node.visits
    c = math.sqrt(n) * (config.c1 + math.log((n + config.c2 + 1) / config.c2))
    return q + node.priors[a] * c / (1 + n_a)

  for _ in range(config.num_simulations):
    node, path = root, [root]
    while True:
      scores = [score(node, a, node is root) for a in range(num_actions)]
      a = max(range(num_actions), key=lambda i: (scores[i], -i))
      if a not in node.children:
        r, d, lg, v, emb = step(node.embedding, a)
        child = _Node(_softmax(lg), emb)
        child.reward, child.discount = float(r), config.discount * float(d)
        child.terminal = float(d) == 0.0
        node.children[a] = child
        path.append(child)
        g = 0.0 if child.terminal else float(v)
        break
      node = node.children[a]
      path.append(node)
      if node.terminal:
        g = 0.0
        break
    for i in range(len(path) - 1, -1, -1):
      n = path[i]
      n.visits += 1
      n.value_sum += g
      if i > 0:
        q = n.reward + n.discount * n.value()
        lo, hi = min(lo, q), max(hi, q)
        g = n.reward + n.discount * g
  counts = [root.children[a].visits if a in root.children else 0
            for a in range(num_actions)]
  qs = [root.children[a].reward + root.children[a].discount *
        root.children[a].value() if counts[a] else 0.0
        for a in range(num_actions)]
  return np.array(counts), root.value(), np.array(qs)


def _row_step(model):
  def step(state, action):
    out, nxt = model.recurrent_fn(np.array([state]), np.array([action]))
    return (out.reward[0], out.discount[0], out.prior_logits[0], out.value[0],
            int(nxt[0]))
  return step


@pytest.mark.parametrize("case", range(15))
def test_matches_scalar_search(case):
  rng = np.random.default_rng(100 + case)
  # 1 action: a chain, paths as deep as the simulations; 6: np.argmax.
  num_actions = (2, 3, 4, 6, 1)[case % 5]
  model = toy_models.TableModel(
      seed=case, num_states=int(rng.integers(4, 40)), num_actions=num_actions,
      reward_scale=float(rng.choice([0.1, 1.0])),
      terminal_prob=float(rng.choice([0.0, 0.2])))
  config = base.SearchConfig(
      num_simulations=int(rng.integers(1, 40)) if case else 1,
      discount=float(rng.choice([0.9, 0.997, 1.0])),
      unvisited_q=["parent", "zero", "min"][case % 3],
      known_bounds=(0.0, 1.0) if case % 4 == 3 else None)
  bsz = int(rng.integers(1, 6))
  root = model.root(rng.integers(0, model.num_states, bsz))
  invalid = rng.random((bsz, num_actions)) < 0.3
  invalid[np.arange(bsz), rng.integers(0, num_actions, bsz)] = False
  noise = rng.dirichlet([0.25] * num_actions, bsz) if case % 2 else None
  if num_actions == 1:
    invalid[:] = False
    noise = None
  out = policies.muzero_search(root, model.recurrent_fn, config, rng=None,
                    add_noise=noise is not None, invalid_actions=invalid,
                    noise=noise)
  for b in range(bsz):
    counts, value, q = scalar_search(
        root.prior_logits[b], root.value[b], int(root.embedding[b]),
        _row_step(model), config, invalid[b],
        None if noise is None else noise[b])
    np.testing.assert_array_equal(out.visit_counts[b], counts)
    np.testing.assert_allclose(out.root_value[b], value, rtol=1e-6)
    np.testing.assert_allclose(out.q_values[b], q, rtol=1e-6, atol=1e-7)
  assert (out.visit_counts.sum(axis=1) == config.num_simulations).all()
  assert not (out.visit_counts * invalid).any()


# --------------------------------------------------------------------------
# Exhaustive search on tiny tree MDPs.


def test_most_visited_is_best_by_exhaustive_search():
  rng = np.random.default_rng(7)
  discount = 0.997
  mdps, best = [], []
  while len(mdps) < 16:
    mdp = toy_models.random_tree_mdp(rng, depth=3,
                                     num_actions=int(rng.integers(2, 4)))
    q = mdp.optimal_values(discount)[0]
    top2 = np.sort(q)[-2:]
    if top2[1] - top2[0] < 0.15:  # keep a clear optimum
      continue
    mdps.append(mdp)
    best.append(int(q.argmax()))
  # One batch needs one action count: group by it.
  for num_actions in (2, 3):
    rows = [i for i, m in enumerate(mdps) if m.num_actions == num_actions]
    if not rows:
      continue
    root, fn = toy_models.tree_mdp_batch([mdps[i] for i in rows])
    out = policies.muzero_search(root, fn, base.SearchConfig(num_simulations=300),
                      rng=None, add_noise=False)
    assert (out.visit_counts.sum(axis=1) == 300).all()
    np.testing.assert_array_equal(out.visit_counts.argmax(axis=1),
                                  [best[i] for i in rows])


def _trap_mdp(values=None, logits=None):
  """Greedy is wrong: action 0 pays 1 now and then nothing; action 1 pays 0,
  then 0, then 3 along one branch (0.997^2 * 3 = 2.98 > 1)."""
  transitions = {
      0: {0: (1.0, 1), 1: (0.0, 2)},
      1: {0: (0.0, 3), 1: (0.0, 4)},
      2: {0: (0.0, 5), 1: (0.0, 6)},
      5: {0: (0.0, 7), 1: (3.0, 8)},
      6: {0: (0.0, 9), 1: (0.0, 10)},
  }
  return toy_models.TreeMDP(transitions, 2, values=values, logits=logits)


def test_trap_mdp_with_misleading_priors():
  # Priors favour the greedy branch everywhere (P = 0.62 vs 0.38). (With much
  # stronger wrong priors pUCT needs far more simulations: at P = 0.18 and
  # normalised Q 1 vs 0, action 1 is not revisited before N >> 400.)
  mdp = _trap_mdp(logits={0: [0.5, 0.0], 2: [0.5, 0.0], 5: [0.5, 0.0]})
  assert mdp.optimal_values(0.997)[0].argmax() == 1
  root, fn = toy_models.tree_mdp_batch([mdp])
  out = policies.muzero_search(root, fn, base.SearchConfig(num_simulations=400),
                    rng=None, add_noise=False)
  assert out.visit_counts[0].argmax() == 1
  np.testing.assert_allclose(out.q_values[0, 0], 1.0)  # r = 1, then nothing
  assert 2.0 < out.q_values[0, 1] < 0.997 ** 2 * 3


def test_terminal_child_value_does_not_count():
  # Action 0 enters a terminal state (reward 0.5) whose network value is 100;
  # action 1 pays 1 and continues (network value 0).
  mdp = toy_models.TreeMDP(
      {0: {0: (0.5, 1), 1: (1.0, 2)}, 2: {0: (0.0, 3), 1: (0.0, 4)}},
      2, values={1: 100.0}, logits={0: [2.0, 0.0]})
  root, fn = toy_models.tree_mdp_batch([mdp])
  out = policies.muzero_search(root, fn, base.SearchConfig(num_simulations=30),
                    rng=None, add_noise=False)
  tree = out.tree
  assert out.visit_counts[0, 0] >= 1
  assert out.q_values[0, 0] == 0.5  # the reward only
  assert out.visit_counts[0].argmax() == 1
  # Nothing is ever expanded below a terminal node, and its value is 0.
  assert tree.terminal[0, tree.children[0, 0, 0]]
  term = np.flatnonzero(tree.terminal[0])
  assert (tree.children[0, term] == -1).all()
  assert (tree.value_sum[0, term] == 0.0).all()
  assert not np.isin(tree.parents[0], term).any()
  # Root value: (root value 0 + visits * Q summed over actions) / (1 + N).
  expected = (out.visit_counts[0] * out.q_values[0]).sum() / 31
  np.testing.assert_allclose(out.root_value[0], expected, rtol=1e-6)


def test_revisiting_a_terminal_backs_up_its_reward_only():
  # The only action sequence with reward ends at once: both actions are
  # terminal, so every simulation after the first two re-enters a terminal.
  mdp = toy_models.TreeMDP({0: {0: (0.2, 1), 1: (0.7, 2)}}, 2,
                           values={1: 50.0, 2: -50.0})
  root, fn = toy_models.tree_mdp_batch([mdp])
  out = policies.muzero_search(root, fn, base.SearchConfig(num_simulations=20),
                    rng=None, add_noise=False)
  np.testing.assert_allclose(out.q_values[0], [0.2, 0.7], rtol=1e-6)
  assert out.visit_counts[0].sum() == 20
  assert (out.tree.node_visits[0, 3:] == 0).all()  # no node after the two
  n = out.visit_counts[0]
  np.testing.assert_allclose(out.root_value[0], (0.2 * n[0] + 0.7 * n[1]) / 21,
                             rtol=1e-6)


# --------------------------------------------------------------------------
# Invalid actions, noise, batching.


def test_invalid_actions_never_visited():
  # Action 1 is by far the best (and most likely) but illegal in row 0.
  mdp = toy_models.TreeMDP({0: {0: (0.0, 1), 1: (10.0, 2), 2: (0.1, 3)}}, 3,
                           logits={0: [0.0, 5.0, 0.0]})
  root, fn = toy_models.tree_mdp_batch([mdp, mdp])
  invalid = np.array([[False, True, False], [False, False, False]])
  out = policies.muzero_search(root, fn, base.SearchConfig(num_simulations=25),
                    rng=np.random.default_rng(0), add_noise=True,
                    invalid_actions=invalid)
  assert out.visit_counts[0, 1] == 0
  assert out.tree.priors[0, 0, 1] == 0.0
  assert out.visit_counts[0].sum() == 25
  assert out.visit_counts[1].argmax() == 1


def test_no_valid_action_is_an_error():
  model = toy_models.TableModel(0, num_actions=2)
  with pytest.raises(ValueError, match="no valid action"):
    policies.muzero_search(model.root([0]), model.recurrent_fn, C_DEFAULT, None, False,
                invalid_actions=np.array([[True, True]]))


def test_noise_only_with_add_noise():
  model = toy_models.TableModel(3, num_actions=4)
  root = model.root(np.arange(5))
  config = base.SearchConfig(num_simulations=4)
  expected = np.exp(root.prior_logits.astype(np.float64))
  expected /= expected.sum(axis=1, keepdims=True)
  out = policies.muzero_search(root, model.recurrent_fn, config,
                    np.random.default_rng(0), add_noise=False)
  np.testing.assert_allclose(out.tree.priors[:, 0], expected, rtol=1e-6)
  # Given noise: P <- 0.7 P + 0.3 noise, exactly.
  noise = np.random.default_rng(1).dirichlet([0.25] * 4, 5)
  out = policies.muzero_search(root, model.recurrent_fn, config, None, add_noise=True,
                    noise=noise)
  np.testing.assert_allclose(out.tree.priors[:, 0],
                             0.7 * expected + 0.3 * noise, rtol=1e-6)
  # Sampled noise: reproducible from the rng, different per row, a
  # distribution over the valid actions only.
  invalid = np.zeros((5, 4), bool)
  invalid[:, 3] = True
  p1 = policies.muzero_search(root, model.recurrent_fn, config, np.random.default_rng(2),
                   True, invalid_actions=invalid).tree.priors[:, 0]
  p2 = policies.muzero_search(root, model.recurrent_fn, config, np.random.default_rng(2),
                   True, invalid_actions=invalid).tree.priors[:, 0]
  np.testing.assert_array_equal(p1, p2)
  assert (p1[:, 3] == 0).all()
  np.testing.assert_allclose(p1.sum(axis=1), 1.0)
  clean = np.exp(root.prior_logits[:, :3].astype(np.float64))
  clean /= clean.sum(axis=1, keepdims=True)
  eta = (p1[:, :3] - 0.7 * clean) / 0.3  # the Dirichlet draw
  assert (eta >= -1e-9).all()
  np.testing.assert_allclose(eta.sum(axis=1), 1.0)
  assert not np.allclose(eta[0], eta[1])
  with pytest.raises(ValueError, match="add_noise"):
    policies.muzero_search(root, model.recurrent_fn, config, None, add_noise=False,
                noise=noise)


@pytest.mark.parametrize("mode", ["parent", "zero", "min"])
def test_batch_rows_equal_single_row_searches(mode):
  rng = np.random.default_rng(5)
  model = toy_models.TableModel(seed=11, num_states=50, num_actions=3,
                                terminal_prob=0.1)
  bsz = 7
  root = model.root(rng.integers(0, 50, bsz))
  invalid = np.zeros((bsz, 3), bool)
  invalid[2, 0] = invalid[4, 2] = True
  noise = rng.dirichlet([0.3] * 3, bsz)
  config = base.SearchConfig(num_simulations=30, unvisited_q=mode)
  calls = []

  def counting_fn(embedding, action):
    calls.append(action.shape)
    return model.recurrent_fn(embedding, action)

  out = policies.muzero_search(root, counting_fn, config, None, True, invalid, noise)
  assert calls == [(bsz,)] * 30  # one batched call per simulation
  for b in range(bsz):
    row = base.RootOutput(*(x[b:b + 1] for x in root))
    one = policies.muzero_search(row, model.recurrent_fn, config, None, True,
                      invalid[b:b + 1], noise[b:b + 1])
    np.testing.assert_array_equal(out.visit_counts[b], one.visit_counts[0])
    np.testing.assert_array_equal(out.root_value[b], one.root_value[0])
    np.testing.assert_array_equal(out.q_values[b], one.q_values[0])
    np.testing.assert_array_equal(out.tree.children[b], one.tree.children[0])


def test_tree_invariants():
  rng = np.random.default_rng(9)
  model = toy_models.TableModel(seed=4, num_states=30, num_actions=4,
                                terminal_prob=0.15)
  root = model.root(rng.integers(0, 30, 6))
  config = base.SearchConfig(num_simulations=40)
  out = policies.muzero_search(root, model.recurrent_fn, config, rng, True)
  t = out.tree
  for b in range(6):
    used = t.node_visits[b] > 0
    # Every used node but the root has a parent whose edge points back.
    for i in np.flatnonzero(used)[1:]:
      assert t.children[b, t.parents[b, i], t.action_from_parent[b, i]] == i
    # A node's visits: 1 (its own evaluation; the root's value) + its edges'.
    np.testing.assert_array_equal(
        t.node_visits[b][used & ~t.terminal[b]],
        1 + t.child_visits[b].sum(axis=1)[used & ~t.terminal[b]])
    # value_sum of a node = own value + sum over edges of n * Q (each edge's
    # returns are r + d * (child's returns)).
    for i in np.flatnonzero(used & ~t.terminal[b]):
      own = root.value[b] if i == 0 else model.value[
          int(t.embeddings[b, i])]
      q = t.rewards[b, i] + t.discounts[b, i] * t.child_values[b, i]
      np.testing.assert_allclose(
          t.value_sum[b, i], own + (t.child_visits[b, i] * q).sum(),
          rtol=1e-9, atol=1e-9)
  # q_min / q_max bound every visited edge's Q.
  q = t.rewards + t.discounts * t.child_values
  visited = t.child_visits > 0
  assert (np.where(visited, q, np.inf).min(axis=(1, 2)) >= t.q_min).all()
  assert (np.where(visited, q, -np.inf).max(axis=(1, 2)) <= t.q_max).all()


def test_bad_config():
  model = toy_models.TableModel(0)
  with pytest.raises(ValueError, match="unvisited_q"):
    policies.muzero_search(model.root([0]), model.recurrent_fn,
                C_DEFAULT._replace(unvisited_q="mean"), None, False)
  with pytest.raises(ValueError, match="num_simulations"):
    policies.muzero_search(model.root([0]), model.recurrent_fn,
                C_DEFAULT._replace(num_simulations=0), None, False)
