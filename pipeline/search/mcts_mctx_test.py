"""The reference search against mctx.muzero_policy (a test-time oracle).

mctx (0.0.5, JAX) is not a dependency of the project; this test is skipped
when it is not installed (`pip install --no-deps mctx==0.0.5`).

Configuring mctx to compute what our search computes:
* mctx's default qtransform (qtransform_by_parent_and_siblings) normalises Q
  with the min and max over a node's siblings and the node's value, while our
  search (like MuZero) normalises with the running min and max over the whole
  tree. The two coincide when both are fixed known bounds: our
  config.known_bounds=(0, 1) (MuZero's KnownBounds) against mctx's
  qtransform_by_min_max(min_value=0, max_value=1), on models whose every Q
  stays in [0, 1] (rewards in [0, 1 - gamma], values in [0, 1]).
  qtransform_by_min_max gives unvisited edges min_value, which is our
  unvisited_q="min" (the tree minimum, here the bound 0).
* Noise off: dirichlet_fraction=0 in mctx, add_noise=False here.
* mctx's RecurrentFnOutput.discount is the full discount, so it gets
  config.discount * the model's discount. No terminal transitions: mctx keeps
  expanding below a zero-discount edge, while our search stops there (the
  contributions are the same, the tree shapes are not).
* mctx adds 1e-7 * uniform noise to break ties and works in float32; the
  models here have no exact ties, and scores are rarely within 1e-6, so the
  visit counts agree exactly (the fixed seeds below are all checked).
"""
import functools

import numpy as np
import pytest

from pipeline.search import base
from pipeline.search import policies
from pipeline.search import toy_models

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # mctx 0.0.5

mctx = pytest.importorskip("mctx")
jax = pytest.importorskip("jax")
jnp = jax.numpy

GAMMA = 0.9


def recurrent_fn(params, rng_key, action, embedding):
  del rng_key
  next_state, reward, discount, value, logits = params
  nxt = next_state[embedding, action]
  return mctx.RecurrentFnOutput(
      reward=reward[embedding, action],
      discount=GAMMA * discount[embedding, action],
      prior_logits=logits[nxt], value=value[nxt]), nxt


@functools.partial(jax.jit, static_argnums=(3,))
def _mctx_search(params, states, invalid, num_simulations):
  _, _, _, value, logits = params
  root = mctx.RootFnOutput(prior_logits=logits[states], value=value[states],
                           embedding=states)
  out = mctx.muzero_policy(
      params=params, rng_key=jax.random.PRNGKey(0), root=root,
      recurrent_fn=recurrent_fn, num_simulations=num_simulations,
      invalid_actions=invalid,
      qtransform=functools.partial(mctx.qtransform_by_min_max, min_value=0.0,
                                   max_value=1.0),
      dirichlet_fraction=0.0, pb_c_init=1.25, pb_c_base=19652.0)
  summary = out.search_tree.summary()
  return summary.visit_counts, out.search_tree.node_values[:, 0], \
      summary.qvalues


@pytest.mark.parametrize("seed", range(8))
def test_visit_counts_match_mctx(seed):
  rng = np.random.default_rng(seed)
  bsz, num_actions, num_sims = 8, 3, 30
  model = toy_models.TableModel(seed=1000 + seed, num_states=24,
                                num_actions=num_actions,
                                reward_scale=1.0 - GAMMA,
                                logit_scale=float(rng.choice([0.5, 2.0])))
  states = rng.integers(0, model.num_states, bsz)
  invalid = rng.random((bsz, num_actions)) < 0.25
  invalid[np.arange(bsz), rng.integers(0, num_actions, bsz)] = False
  config = base.SearchConfig(num_simulations=num_sims, discount=GAMMA,
                             unvisited_q="min", known_bounds=(0.0, 1.0))
  ours = policies.muzero_search(model.root(states), model.recurrent_fn, config, None,
                     add_noise=False, invalid_actions=invalid)
  params = tuple(jnp.asarray(x) for x in (
      model.next_state.astype(np.int32), model.reward, model.discount,
      model.value, model.logits))
  counts, root_value, q = _mctx_search(params, jnp.asarray(states, jnp.int32),
                                       jnp.asarray(invalid, jnp.float32),
                                       num_sims)
  # The bounds were never exceeded, so the normalisation was the same.
  assert (ours.tree.q_min == 0.0).all() and (ours.tree.q_max == 1.0).all()
  np.testing.assert_array_equal(ours.visit_counts, np.asarray(counts))
  np.testing.assert_allclose(ours.root_value, np.asarray(root_value),
                             rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(ours.q_values, np.asarray(q), rtol=1e-5,
                             atol=1e-6)
