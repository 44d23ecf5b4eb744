"""The XLA-compiled search (compiled.py) against the reference (mcts.py).

The oracle is the numpy reference search, itself tested against brute force,
a scalar MCTS and mctx (mcts_test.py, mcts_mctx_test.py). The same models
(toy_models.TableModel, looked up identically by numpy and TensorFlow), the
same inputs and the same noise must give exactly the same visit counts and
the same values (to float32 rounding of the outputs).

Compile time dominates, so the models live in tf.Variables: one compiled
program per group (configuration, batch size, action count) serves every
random model, root and mask of the group; only the group's settings are
baked into the program.
"""
import functools
from typing import NamedTuple, Optional, Tuple

import numpy as np
import pytest
import tensorflow as tf

from pipeline import config_schema, parts
from pipeline.networks import muzero_net
from pipeline.search import base
from pipeline.search import compiled
from pipeline.search import policies
from pipeline.search import policy
from pipeline.search import toy_models

NUM_STATES = 24


class TableVariables:
  """A TableModel's tables as tf.Variables (swap models without recompiling).

  root_fn / recurrent_fn have compiled.py's interface; they count how often
  they are traced into a graph.
  """

  def __init__(self, num_actions: int):
    s, a = NUM_STATES, num_actions
    self.next_state = tf.Variable(tf.zeros([s, a], tf.int64))
    self.reward = tf.Variable(tf.zeros([s, a]))
    self.discount = tf.Variable(tf.zeros([s, a]))
    self.value = tf.Variable(tf.zeros([s]))
    self.logits = tf.Variable(tf.zeros([s, a]))
    self.traces = {"root": 0, "recurrent": 0}

  def load(self, model: toy_models.TableModel):
    self.next_state.assign(model.next_state.astype(np.int64))
    self.reward.assign(model.reward)
    self.discount.assign(model.discount)
    self.value.assign(model.value)
    self.logits.assign(model.logits)

  def root_fn(self, states):
    self.traces["root"] += 1
    s = tf.cast(states, tf.int64)
    return tf.gather(self.logits, s), tf.gather(self.value, s), s

  def recurrent_fn(self, s, action):
    self.traces["recurrent"] += 1
    index = tf.stack([s, tf.cast(action, tf.int64)], axis=1)
    # .value(): XLA has no resource gather_nd.
    nxt = tf.gather_nd(self.next_state.value(), index)
    return (tf.gather_nd(self.reward.value(), index),
            tf.gather_nd(self.discount.value(), index),
            tf.gather(self.logits, nxt), tf.gather(self.value, nxt), nxt)


class Group(NamedTuple):
  """Settings shared by the cases of one compiled program."""
  num_actions: int
  batch: int
  config: base.SearchConfig
  noise: bool
  invalid: bool
  terminal_probs: Tuple[float, ...] = (0.0, 0.2, 0.5)
  reward_scale: Optional[float] = None  # None: 1 - discount or 1
  cases: int = 6


def _config(sims, mode, discount=0.997, bounds=None):
  return base.SearchConfig(num_simulations=sims, unvisited_q=mode,
                           discount=discount, known_bounds=bounds)


GROUPS = {
    # CartPole's shape: 2 actions, 50 simulations, a batch of actors.
    "a2_b16_parent_noise_mask": Group(2, 16, _config(50, "parent"), True,
                                      True),
    "a3_b5_zero_mask": Group(3, 5, _config(30, "zero", 0.9), False, True),
    "a4_b3_min_noise": Group(4, 3, _config(25, "min", 1.0), True, False),
    # One action: a chain, every path as deep as the simulations so far.
    "a1_b4_chain": Group(1, 4, _config(20, "parent"), False, False,
                         terminal_probs=(0.0, 0.05)),
    # MuZero's KnownBounds with Q in [0, 1] (rewards <= 1 - discount).
    "a6_b7_min_bounds": Group(6, 7, _config(40, "min", 0.9, (0.0, 1.0)),
                              True, True),
    "a5_b1_parent_bounds": Group(5, 1, _config(64, "parent", 0.9,
                                               (0.0, 1.0)), False, True),
    "a2_b2_one_sim": Group(2, 2, _config(1, "zero"), True, True),
    "a9_b6_parent": Group(9, 6, _config(33, "parent"), True, False,
                          reward_scale=1.0),
    # Many terminal transitions: zero-discount edges everywhere.
    "a3_b64_min_terminal": Group(3, 64, _config(12, "min", 0.997), False,
                                 True, terminal_probs=(0.5, 0.8, 1.0)),
    "a18_b4_zero": Group(18, 4, _config(50, "zero", 1.0), True, True,
                         reward_scale=0.3),
}
CASES = [(name, i) for name, g in GROUPS.items() for i in range(g.cases)]


@functools.lru_cache(maxsize=None)
def _searcher(name):
  group = GROUPS[name]
  tables = TableVariables(group.num_actions)
  search = compiled.CompiledSearch.from_functions(
      tables.root_fn, tables.recurrent_fn, group.config, group.num_actions,
      observation_dtype=tf.int64)
  return tables, search


def _case_inputs(group: Group, seed: int):
  rng = np.random.default_rng(seed)
  a, b = group.num_actions, group.batch
  discount = group.config.discount
  scale = group.reward_scale
  if scale is None:
    scale = 1.0 - discount if discount < 1 else 1.0
  model = toy_models.TableModel(
      seed=seed, num_states=NUM_STATES, num_actions=a, reward_scale=scale,
      logit_scale=float(rng.choice([0.5, 1.0, 3.0])),
      terminal_prob=float(rng.choice(group.terminal_probs)))
  states = rng.integers(0, NUM_STATES, b)
  invalid = None
  if group.invalid and a > 1:
    invalid = rng.random((b, a)) < 0.35
    invalid[np.arange(b), rng.integers(0, a, b)] = False
  # Noise over all actions: the search masks and renormalises it.
  noise = rng.dirichlet([0.3] * a, b) if group.noise else None
  return model, states, invalid, noise


@pytest.mark.parametrize("name,case", CASES)
def test_matches_reference(name, case):
  group = GROUPS[name]
  tables, search = _searcher(name)
  model, states, invalid, noise = _case_inputs(
      group, 1000 * list(GROUPS).index(name) + case)
  tables.load(model)
  ref = policies.muzero_search(model.root(states), model.recurrent_fn, group.config,
                    rng=None, add_noise=noise is not None,
                    invalid_actions=invalid, noise=noise)
  out = search(states, noise=noise, invalid_actions=invalid)
  np.testing.assert_array_equal(out.visit_counts, ref.visit_counts)
  np.testing.assert_allclose(out.root_value, ref.root_value, rtol=1e-6,
                             atol=1e-7)
  np.testing.assert_allclose(out.q_values, ref.q_values, rtol=1e-6,
                             atol=1e-7)
  assert out.visit_counts.dtype == np.int32
  assert (out.visit_counts.sum(axis=1) == group.config.num_simulations).all()
  if invalid is not None:
    assert not (out.visit_counts * invalid).any()


def _gumbel(sims, m, discount=0.997):
  return base.SearchConfig(num_simulations=sims, discount=discount, kind="gumbel",
                           gumbel_max_considered=m)


GUMBEL_GROUPS = {
    "gumbel_a2_b16_noise_mask": Group(2, 16, _gumbel(50, 16), True, True),
    "gumbel_a6_b7_m4_mask": Group(6, 7, _gumbel(30, 4, 0.9), True, True),
    "gumbel_a3_b6_no_noise_terminal": Group(3, 6, _gumbel(12, 2), False, True,
                                            terminal_probs=(0.5, 0.8)),
    "gumbel_a18_b4_m8": Group(18, 4, _gumbel(40, 8, 1.0), True, True, reward_scale=0.3),
}
GROUPS.update(GUMBEL_GROUPS)
GUMBEL_CASES = [(name, i) for name in GUMBEL_GROUPS for i in range(3)]


@pytest.mark.parametrize("name,case", GUMBEL_CASES)
def test_gumbel_matches_reference(name, case):
  group = GROUPS[name]
  tables, search = _searcher(name)
  model, states, invalid, _ = _case_inputs(group, 7000 + 100 * list(GROUPS).index(name) + case)
  g = np.random.default_rng(case).gumbel(size=(group.batch, group.num_actions)) \
      if group.noise else None
  tables.load(model)
  ref = policies.gumbel_muzero_policy(model.root(states), model.recurrent_fn, group.config,
                                      None, add_noise=False, temperature=1.0,
                                      invalid_actions=invalid, noise=g)
  out = search(states, noise=g, invalid_actions=invalid)
  np.testing.assert_array_equal(out.visit_counts, ref.search.visit_counts)
  np.testing.assert_array_equal(out.action, ref.actions)
  np.testing.assert_allclose(out.action_weights, ref.action_weights, rtol=1e-5, atol=1e-7)
  np.testing.assert_allclose(out.root_value, ref.root_value, rtol=1e-6, atol=1e-7)
  np.testing.assert_allclose(out.q_values, ref.search.q_values, rtol=1e-6, atol=1e-7)


def test_float32_tree_on_one_group():
  # The float32 tree (for devices without float64) is exact only up to
  # near-ties; on these cases it agrees as well.
  name = "a2_b16_parent_noise_mask"
  group = GROUPS[name]
  tables = TableVariables(group.num_actions)
  search = compiled.CompiledSearch.from_functions(
      tables.root_fn, tables.recurrent_fn, group.config, group.num_actions,
      observation_dtype=tf.int64, tree_dtype=tf.float32)
  for case in range(3):
    model, states, invalid, noise = _case_inputs(group, 50 + case)
    tables.load(model)
    ref = policies.muzero_search(model.root(states), model.recurrent_fn, group.config,
                      None, True, invalid, noise)
    out = search(states, noise=noise, invalid_actions=invalid)
    np.testing.assert_array_equal(out.visit_counts, ref.visit_counts)
    np.testing.assert_allclose(out.root_value, ref.root_value, rtol=1e-5)


def test_enough_cases_and_one_model_call_per_simulation():
  assert len(CASES) >= 50
  # The model functions were traced once each into one program per variant:
  # the simulation loop makes one batched recurrent call per simulation.
  tables, search = _searcher("a2_b16_parent_noise_mask")
  model, states, invalid, noise = _case_inputs(
      GROUPS["a2_b16_parent_noise_mask"], 0)
  tables.load(model)
  search(states, noise=noise, invalid_actions=invalid)
  before = dict(tables.traces)
  search(states, noise=noise, invalid_actions=invalid)
  assert tables.traces == before  # no retracing for new inputs
  assert before["recurrent"] == before["root"]  # one each per trace


def test_terminal_rows_and_visits_are_reported_like_the_reference():
  # A TreeMDP with terminal states, through a TableModel-like adapter: every
  # root action enters a terminal state after its reward.
  model = toy_models.TableModel(seed=5, num_states=NUM_STATES, num_actions=3,
                                terminal_prob=1.0, reward_scale=1.0)
  tables = TableVariables(3)
  tables.load(model)
  config = _config(10, "parent")
  search = compiled.CompiledSearch.from_functions(
      tables.root_fn, tables.recurrent_fn, config, 3,
      observation_dtype=tf.int64)
  states = np.array([1, 2])
  out = search(states)
  ref = policies.muzero_search(model.root(states), model.recurrent_fn, config, None,
                    False)
  np.testing.assert_array_equal(out.visit_counts, ref.visit_counts)
  # Q of a terminal edge is its reward only.
  visited = out.visit_counts > 0
  np.testing.assert_allclose(out.q_values[visited],
                             model.reward[states][visited], rtol=1e-6)


def test_bad_inputs():
  tables = TableVariables(2)
  search = compiled.CompiledSearch.from_functions(
      tables.root_fn, tables.recurrent_fn, _config(3, "parent"), 2,
      observation_dtype=tf.int64)
  with pytest.raises(ValueError, match="no valid action"):
    search(np.array([0, 1]), invalid_actions=np.array([[True, True],
                                                       [False, True]]))
  with pytest.raises(ValueError, match="noise must be"):
    search(np.array([0, 1]), noise=np.ones((2, 3)))
  with pytest.raises(ValueError, match="unvisited_q"):
    compiled.CompiledSearch.from_functions(
        tables.root_fn, tables.recurrent_fn, _config(3, "mean"), 2)


# --------------------------------------------------------------------------
# Through the project's MuZeroNetwork.


def _network(torso, seed):
  c = config_schema.base_config()
  c.network.torso = torso
  c.network.hidden_sizes = (32,)
  c.network.latent_size = 16
  c.network.head_hidden = 16
  c.network.channels = 4
  c.network.num_blocks = 1
  c.network.value_support = 5
  c.network.reward_support = 3
  obs_shape = (4,) if torso == "mlp" else (5, 5, 2)
  net = muzero_net.make_network(c, obs_shape, 3)
  _randomise(net, seed)
  return net, obs_shape


def _randomise(net, seed):
  # The output layers start at zero (every value 0, uniform priors: all
  # ties); random weights make the tree depend on the network.
  rng = np.random.default_rng(seed)
  net.set_weights([w + 0.3 * rng.normal(size=w.shape).astype(np.float32)
                   for w in net.get_weights()])


def _xla_reference(net, observations, config, noise):
  """The reference search driven by XLA-compiled model calls of `net`."""
  root_fn, recurrent_fn = compiled.network_functions(net)
  root_xla = tf.function(root_fn, jit_compile=True)
  recurrent_xla = tf.function(recurrent_fn, jit_compile=True)
  logits, value, latent = root_xla(tf.constant(observations))
  root = base.RootOutput(logits.numpy(), value.numpy(), latent.numpy())

  def recurrent(latent, action):
    r, d, lg, v, nxt = recurrent_xla(tf.constant(latent), tf.constant(action))
    return base.RecurrentOutput(r.numpy(), d.numpy(), lg.numpy(),
                                v.numpy()), nxt.numpy()

  return policies.muzero_search(root, recurrent, config, None, noise is not None,
                     noise=noise)


@pytest.mark.parametrize("torso", ["mlp", "resconv"])
def test_muzero_network_matches_reference_and_reads_new_weights(torso):
  net, obs_shape = _network(torso, seed=1)
  config = base.SearchConfig(num_simulations=12)
  search = compiled.CompiledSearch(net, config)
  rng = np.random.default_rng(0)
  obs = rng.normal(size=(4,) + obs_shape).astype(np.float32)
  noise = rng.dirichlet([0.25] * 3, 4)
  out = search(obs, noise=noise)
  ref = _xla_reference(net, obs, config, noise)
  np.testing.assert_array_equal(out.visit_counts, ref.visit_counts)
  np.testing.assert_allclose(out.root_value, ref.root_value, rtol=1e-4,
                             atol=1e-5)
  np.testing.assert_allclose(out.q_values, ref.q_values, rtol=1e-4,
                             atol=1e-5)
  # New weights (as the actors load them) are read by the same program.
  traces = search.function(True, False).experimental_get_tracing_count()
  _randomise(net, seed=2)
  out2 = search(obs, noise=noise)
  ref2 = _xla_reference(net, obs, config, noise)
  assert search.function(True, False).experimental_get_tracing_count() == (
      traces)
  np.testing.assert_array_equal(out2.visit_counts, ref2.visit_counts)
  np.testing.assert_allclose(out2.root_value, ref2.root_value, rtol=1e-4,
                             atol=1e-5)
  assert not np.allclose(out2.root_value, out.root_value)


# --------------------------------------------------------------------------
# Acting: the config flag and decide() with either search.


def test_decide_compiled_and_reference_agree():
  # pylint: disable=g-import-not-at-top
  from pipeline.actors import acting
  from pipeline.actors import model_fns
  net, obs_shape = _network("mlp", seed=3)
  config = base.SearchConfig(num_simulations=10)
  obs = np.random.default_rng(1).normal(size=(6,) + obs_shape).astype(
      np.float32)
  decisions = {}
  for implementation in ("compiled", "reference"):
    fns = model_fns.ModelFns(net, implementation)
    decisions[implementation] = [
        acting.decide(fns, obs, config, np.random.default_rng(seed),
                      add_noise=noise, temperature=temperature)
        for seed, noise, temperature in ((0, True, 1.0), (1, False, 0.0))]
  for ours, ref in zip(decisions["compiled"], decisions["reference"]):
    np.testing.assert_array_equal(ours.actions, ref.actions)
    np.testing.assert_array_equal(ours.policy, ref.policy)
    np.testing.assert_allclose(ours.root_value, ref.root_value, rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_array_equal(ours.behaviour, ref.behaviour)
  with pytest.raises(ValueError, match="implementation"):
    model_fns.ModelFns(net, "numpy")


def test_config_flag():
  # pylint: disable=g-import-not-at-top
  from pipeline.errors import PipelineError
  c = config_schema.base_config()
  assert c.search.implementation == "compiled"
  c.search.implementation = "reference"
  config_schema.validate(c)
  c.search.implementation = "fast"
  with pytest.raises(PipelineError, match="search.implementation"):
    config_schema.validate(c)


def test_the_selection_rule_is_one_config_value():
  """search.kind picks the rule for acting (self-play, reanalyse and
  evaluation go through acting.decide) and for the analyses."""
  # pylint: disable=g-import-not-at-top
  from pipeline.actors import acting
  from pipeline.actors import model_fns
  from pipeline.analysis import behaviour
  from pipeline.errors import PipelineError
  net, obs_shape = _network("mlp", seed=4)
  obs = np.random.default_rng(2).normal(size=(5,) + obs_shape).astype(np.float32)
  c = config_schema.base_config()
  c.search.kind, c.search.implementation, c.search.num_simulations = "gumbel", "reference", 8
  config_schema.validate(c)
  scfg = parts.search_from(c)
  assert scfg.kind == "gumbel" and scfg.gumbel_max_considered == 16
  fns = model_fns.ModelFns(net, "reference")
  d = acting.decide(fns, obs, scfg, np.random.default_rng(0), add_noise=True, temperature=1.0)
  g = policies.gumbel_muzero_policy(fns.root(obs), fns.recurrent, scfg,
                                    np.random.default_rng(0), True, 1.0)
  np.testing.assert_array_equal(d.actions, g.actions)
  np.testing.assert_allclose(d.policy, g.action_weights, rtol=1e-6)
  np.testing.assert_allclose(d.behaviour, d.policy[np.arange(5), d.actions], rtol=1e-6)
  # The improved policy is not the visit distribution: the target changed with the rule.
  puct = acting.decide(fns, obs, scfg._replace(kind="puct"), np.random.default_rng(0),
                       add_noise=False, temperature=1.0)
  assert not np.allclose(puct.policy, d.policy)
  probs = behaviour.Behaviour(net, scfg, temperature=1.0, add_noise=False).probs(
      obs, np.random.default_rng(0))
  np.testing.assert_allclose(probs, policies.gumbel_muzero_policy(
      fns.root(obs), fns.recurrent, scfg, None, False, 1.0).acting_probs, rtol=1e-6)
  compiled_d = acting.decide(model_fns.ModelFns(net, "compiled"), obs, scfg,
                             np.random.default_rng(0), add_noise=True, temperature=1.0)
  np.testing.assert_array_equal(compiled_d.actions, d.actions)
  # float32 network calls round differently in the graph: targets agree to ~1e-5
  np.testing.assert_allclose(compiled_d.policy, d.policy, rtol=1e-3, atol=1e-4)
  c.search.implementation = "compiled"
  config_schema.validate(c)
  c.search.kind = "mcts"
  with pytest.raises(PipelineError, match="search.kind"):
    config_schema.validate(c)


def test_decide_reports_the_configured_root_value():
  """search.root_value "max_q": the best visited root Q of the same search, with either
  implementation; the actions and targets are those of "mean"."""
  # pylint: disable=g-import-not-at-top
  from pipeline.actors import acting
  from pipeline.actors import model_fns
  net, obs_shape = _network("mlp", seed=5)
  obs = np.random.default_rng(3).normal(size=(6,) + obs_shape).astype(np.float32)
  c = config_schema.base_config()
  c.search.num_simulations, c.search.root_value = 10, "max_q"
  config_schema.validate(c)
  scfg = parts.search_from(c)
  assert scfg.root_value == "max_q"
  for implementation in ("compiled", "reference"):
    fns = model_fns.ModelFns(net, implementation)
    mean = acting.decide(fns, obs, scfg._replace(root_value="mean"), np.random.default_rng(0),
                         add_noise=True, temperature=1.0)
    best = acting.decide(fns, obs, scfg, np.random.default_rng(0), add_noise=True,
                         temperature=1.0)
    np.testing.assert_array_equal(best.actions, mean.actions)
    np.testing.assert_array_equal(best.policy, mean.policy)
    rng = np.random.default_rng(0)  # the same draws as decide's
    if implementation == "compiled":
      search = fns.search(obs, scfg, noise=policy.dirichlet_noise(
          rng, scfg.dirichlet_alpha, np.ones((6, net.num_actions), bool)))
    else:
      search = policies.muzero_search(fns.root(obs), fns.recurrent, scfg, rng, True)
    # Brute force over the same search's root children.
    expect = [max(q for q, n in zip(qs, ns) if n > 0)
              for qs, ns in zip(search.q_values, search.visit_counts)]
    np.testing.assert_allclose(best.root_value, expect, rtol=1e-6)
    np.testing.assert_allclose(mean.root_value, search.root_value, rtol=1e-6)
    assert not np.allclose(best.root_value, mean.root_value)
  from pipeline.errors import PipelineError
  c.search.root_value = "max"
  with pytest.raises(PipelineError, match="search.root_value"):
    config_schema.validate(c)
