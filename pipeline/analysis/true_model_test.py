"""The true environment as a model: state restore, enumeration, zero errors."""
import itertools

import numpy as np
import pytest

from pipeline.analysis import behaviour, planning, true_model, value_error
from pipeline.analysis.roots import Roots
from pipeline.envs import registry
from pipeline.search import base
from pipeline.search import policies

DISCOUNT = 0.9


def _reach(name, seed, prefix):
  """A fresh env after `prefix` actions from reset, with the timestep."""
  env = registry.make(name, seed=seed)
  ts = env.reset()
  for a in prefix:
    ts = env.step(a)
  return env, ts


def _replay_rewards(name, seed, prefix, actions):
  """Oracle without get/set_state: a fresh env replays prefix + actions."""
  env, _ = _reach(name, seed, prefix)
  out, ended = [], False
  for a in actions:
    if ended:
      out.append(0.0)
      continue
    ts = env.step(a)
    out.append(float(ts.reward))
    ended = ts.last()
  return out


def _roots(name, seed, prefixes):
  obs, states = [], []
  for prefix in prefixes:
    env, ts = _reach(name, seed, prefix)
    obs.append(ts.observation)
    states.append(env.get_state())
  return Roots(np.stack(obs), states)


def _model_env(name):
  env = registry.make(name, seed=123)
  env.reset()
  return env


@pytest.mark.parametrize("a,h", [(2, 8), (6, 4), (3, 1)])
def test_all_sequences_are_the_a_to_the_h_sequences_in_order(a, h):
  seqs = true_model.all_sequences(a, h)
  assert seqs.shape == (a ** h, h)
  np.testing.assert_array_equal(seqs, np.array(list(itertools.product(range(a), repeat=h))))


@pytest.mark.parametrize("name,prefix,h", [
    ("CartPole-v1", [0] * 6, 5),       # the pole falls inside some sequences
    ("MinAtar/Breakout", [1, 3, 0, 3], 2),
    ("LunarLander-v3", [0] * 88, 3)])   # engines off: it crashes at step 90
def test_enumerated_tree_matches_fresh_replays(name, prefix, h):
  env = _model_env(name)
  num_actions = env.action_spec().num_values
  root = true_model.root_nodes(_roots(name, 5, [prefix]))[0]
  tree = true_model.enumerate_tree(env, root, h, num_actions)
  seqs = true_model.all_sequences(num_actions, h)
  assert tree.rewards.shape == (num_actions ** h, h)
  assert [len(o) for o in tree.observations] == [num_actions ** k for k in range(h)]
  for seq, rewards in zip(seqs, tree.rewards):
    assert list(rewards) == _replay_rewards(name, 5, prefix, seq)
  if name == "CartPole-v1":
    assert (tree.rewards == 0).any(), "some sequence should end the episode"
  if name == "LunarLander-v3":
    assert (tree.rewards[:, :2] == -100).any(), "some sequence should crash before its end"


def test_cartpole_restore_after_a_termination_pays_the_same_reward():
  env, _ = _reach("CartPole-v1", 0, [])
  state = env.get_state()
  outcomes = []
  for _ in range(2):
    env.set_state(state)
    ts = env.step(0)
    while not ts.last():
      ts = env.step(0)
    outcomes.append((ts.reward, ts.discount))
  assert outcomes == [(1.0, 0.0), (1.0, 0.0)]


@pytest.mark.parametrize("name", ["CartPole-v1", "MinAtar/Breakout", "LunarLander-v3"])
def test_true_model_has_zero_value_prediction_error(name):
  env = _model_env(name)
  num_actions = env.action_spec().num_values
  model = true_model.TrueModel(_model_env(name), num_actions, DISCOUNT)
  roots = _roots(name, 3, [[0] * 3, [1] * 5, [0, 1] * 4])
  rng = np.random.default_rng(0)
  policy = behaviour.UniformPolicy(num_actions)
  errors = value_error.evaluate_policy(env, model, policy, roots, 4, 6, DISCOUNT, rng)
  assert errors.def2.shape == (3, 6)
  assert np.all(errors.def1 == 0) and np.all(errors.def2 == 0)
  table = value_error.sequence_table(env, model, policy, roots, 2, num_actions, DISCOUNT, rng)
  assert table.errors.shape == (3, num_actions ** 2)
  assert np.all(table.errors == 0)
  np.testing.assert_allclose(table.probs, 1.0 / num_actions ** 2)


class OffsetModel:
  """Predicts the true reward plus a constant: an oracle for the error sums."""

  def __init__(self, inner, offset):
    self.inner, self.offset = inner, offset

  def predict_rewards(self, roots, actions):
    return self.inner.predict_rewards(roots, actions) + self.offset


def test_errors_of_a_constant_offset_model_are_the_discounted_offset_sums():
  env = _model_env("CartPole-v1")
  model = OffsetModel(true_model.TrueModel(_model_env("CartPole-v1"), 2, DISCOUNT), 0.5)
  roots = _roots("CartPole-v1", 1, [[0] * 4, [1, 0]])  # [0]*4 ends within the horizon
  errors = value_error.evaluate_policy(env, model, behaviour.UniformPolicy(2), roots, 3, 12,
                                       DISCOUNT, np.random.default_rng(1))
  expected = 0.5 * np.cumsum(DISCOUNT ** np.arange(12))
  np.testing.assert_allclose(errors.def2, np.broadcast_to(expected, (2, 12)))
  np.testing.assert_allclose(errors.def1, np.broadcast_to(expected, (2, 12)))


def test_mcts_with_the_true_cartpole_model_reaches_the_maximum_return():
  # 32 simulations with 10-step random rollouts reach CartPole's 500 (checked
  # for seeds 1 and 2, ~6 s each); the test caps the episode at 200 steps to
  # stay cheap and asks for the capped maximum, 200.
  model = true_model.TrueModel(_model_env("CartPole-v1"), 2, 0.997, rollout_horizon=10,
                               rng=np.random.default_rng(1))
  config = base.SearchConfig(num_simulations=32, discount=0.997)
  env = registry.make("CartPole-v1", seed=1)
  returns = planning.play_episodes([env], model, config, 200, np.random.default_rng(0))
  assert returns.tolist() == [200.0]


def test_true_model_search_marks_terminal_edges_with_discount_zero():
  name = "CartPole-v1"
  model = true_model.TrueModel(_model_env(name), 2, DISCOUNT)
  roots = _roots(name, 0, [[0] * 7])   # a few steps from falling over
  out = policies.muzero_search(model.root(roots), model.recurrent,
                    base.SearchConfig(num_simulations=40, discount=DISCOUNT), None, False)
  assert out.tree.terminal.any()
  terminal_nodes = np.flatnonzero(out.tree.terminal[0])
  for node in terminal_nodes:
    parent, action = out.tree.parents[0, node], out.tree.action_from_parent[0, node]
    assert out.tree.discounts[0, parent, action] == 0.0
  # The tree's real rewards along every path equal the replayed ones.
  errors = planning.trajectory_errors(out.tree, _model_env(name), roots, DISCOUNT)
  assert len(errors) == 1 and np.all(errors[0][:, 1] == 0)
