"""Gumbel MuZero (selection.gumbel, policies.gumbel_muzero_policy) against
mctx.gumbel_muzero_policy (a test-time oracle, skipped without mctx).

Both run the same small tabular models (toy_models.TableModel, no terminal
transitions: mctx expands below a zero discount, our search stops there) with
the same Gumbel noise: mctx draws it from its key and keeps it in
search_tree.extra_data.root_gumbel, which is handed to ours as `noise`.
mctx's qtransform_completed_by_mix_value defaults (value_scale 0.1,
maxvisit_init 50, rescaled, mixed value) are our config defaults. mctx works
in float32 and ours in float64; scores are rarely within 1e-6, so the chosen
actions and visit counts agree exactly on the fixed seeds below.
"""
import functools

import numpy as np
import pytest

from pipeline.search import base
from pipeline.search import mcts_mctx_test  # its mctx recurrent_fn over the same tables
from pipeline.search import policies
from pipeline.search import selection
from pipeline.search import toy_models

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # mctx 0.0.5

mctx = pytest.importorskip("mctx")
jax = pytest.importorskip("jax")
jnp = jax.numpy

GAMMA = mcts_mctx_test.GAMMA


@functools.partial(jax.jit, static_argnums=(3, 4))
def _mctx_gumbel(params, states, invalid, num_simulations, max_considered, key):
  _, _, _, value, logits = params
  root = mctx.RootFnOutput(prior_logits=logits[states], value=value[states], embedding=states)
  out = mctx.gumbel_muzero_policy(
      params=params, rng_key=key, root=root, recurrent_fn=mcts_mctx_test.recurrent_fn,
      num_simulations=num_simulations, invalid_actions=invalid,
      max_num_considered_actions=max_considered)
  tree = out.search_tree
  return (out.action, out.action_weights, tree.summary().visit_counts, tree.node_values[:, 0],
          tree.extra_data.root_gumbel)


@pytest.mark.parametrize("seed,num_actions,num_sims,max_considered", [
    (0, 4, 16, 4), (1, 4, 16, 16), (3, 6, 32, 6), (6, 5, 7, 16), (7, 6, 40, 3)])
def test_gumbel_muzero_matches_mctx(seed, num_actions, num_sims, max_considered):
  rng = np.random.default_rng(seed)
  bsz = 8
  model = toy_models.TableModel(seed=2000 + seed, num_states=24, num_actions=num_actions,
                                reward_scale=1.0 - GAMMA,
                                logit_scale=float(rng.choice([0.5, 2.0])))
  states = rng.integers(0, model.num_states, bsz)
  invalid = rng.random((bsz, num_actions)) < 0.25
  invalid[np.arange(bsz), rng.integers(0, num_actions, bsz)] = False
  params = tuple(jnp.asarray(x) for x in (
      model.next_state.astype(np.int32), model.reward, model.discount, model.value,
      model.logits))
  action, weights, counts, root_value, gumbel = (np.asarray(x) for x in _mctx_gumbel(
      params, jnp.asarray(states, jnp.int32), jnp.asarray(invalid, jnp.float32), num_sims,
      max_considered, jax.random.PRNGKey(seed)))
  config = base.SearchConfig(num_simulations=num_sims, discount=GAMMA, kind="gumbel",
                             gumbel_max_considered=max_considered)
  ours = policies.gumbel_muzero_policy(model.root(states), model.recurrent_fn, config, None,
                                       add_noise=True, temperature=1.0,
                                       invalid_actions=invalid, noise=gumbel)
  np.testing.assert_array_equal(ours.search.visit_counts, counts)
  np.testing.assert_array_equal(ours.actions, action)
  np.testing.assert_allclose(ours.action_weights, weights, rtol=1e-4, atol=1e-6)
  np.testing.assert_allclose(ours.root_value, root_value, rtol=1e-5, atol=1e-6)
  assert (ours.action_weights[invalid] == 0).all() and not invalid[np.arange(bsz), ours.actions].any()
  # The behaviour probability is the improved policy's, of the action taken.
  np.testing.assert_array_equal(ours.behaviour, ours.action_weights[np.arange(bsz), ours.actions])


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 8, 16])
@pytest.mark.parametrize("n", [1, 4, 7, 16, 50, 200])
def test_considered_visits_match_mctx(m, n):
  from mctx._src import seq_halving  # pylint: disable=g-import-not-at-top
  assert selection.considered_visits(m, n) == seq_halving.get_sequence_of_considered_visits(m, n)


def test_considered_visits_by_hand():
  # m = 4, N = 8: 2 phases; 4 actions get int(8 / (2 * 4)) = 1 visit each,
  # then 2 actions int(8 / (2 * 2)) = 2 visits each.
  assert selection.considered_visits(4, 8) == (0, 0, 0, 0, 1, 1, 2, 2)
  assert selection.considered_visits(1, 3) == (0, 1, 2)


def test_completed_q_by_hand():
  # One node, 3 actions, priors (0.5, 0.3, 0.2), raw value 1; edges 0 and 1
  # visited 2 and 1 times with Q 2 and 0; edge 2 unvisited.
  # v_mix = (1 + 3 * (0.5 * 2 + 0.3 * 0) / 0.8) / 4 = (1 + 3.75) / 4 = 1.1875
  # completed (2, 0, 1.1875) -> rescaled (1, 0, 0.59375) -> x (50 + 2) * 0.1
  stats = selection.NodeStats(
      visits=np.array([[4]]), value_sum=np.array([[5.0]]), raw_value=np.array([[1.0]]),
      priors=np.array([[[0.5, 0.3, 0.2]]]), child_visits=np.array([[[2, 1, 0]]]),
      edge_q=np.array([[[2.0, 0.0, 0.0]]]), unvisited=np.array([[[0.0, 0.0, 1.0]]]),
      visits_plus_one=np.array([[[3.0, 2.0, 1.0]]]), q_min=np.array([0.0]), q_max=np.array([2.0]))
  config = base.SearchConfig(num_simulations=3, kind="gumbel")
  np.testing.assert_allclose(selection.completed_q(stats, config)[0, 0],
                             5.2 * np.array([1.0, 0.0, 0.59375]))


def test_no_noise_is_the_greedy_choice_and_reproducible():
  model = toy_models.TableModel(seed=5, num_states=10, num_actions=4, reward_scale=0.1)
  states = np.arange(6)
  config = base.SearchConfig(num_simulations=8, discount=GAMMA, kind="gumbel",
                             gumbel_max_considered=4)
  a = policies.gumbel_muzero_policy(model.root(states), model.recurrent_fn, config,
                                    np.random.default_rng(0), add_noise=False, temperature=0.0)
  b = policies.gumbel_muzero_policy(model.root(states), model.recurrent_fn, config,
                                    np.random.default_rng(1), add_noise=False, temperature=0.0)
  np.testing.assert_array_equal(a.actions, b.actions)
  assert a.search.visit_counts.sum(axis=1).tolist() == [8] * 6
