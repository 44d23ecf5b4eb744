"""The learned model's predictions and search functions against step-by-step calls."""
import ml_collections
import numpy as np
import pytest
import tensorflow as tf

from pipeline import config_schema
from pipeline.analysis import planning, value_error
from pipeline.analysis.learned_model import LearnedModel
from pipeline.analysis.roots import Roots
from pipeline.networks.muzero_net import make_network, to_scalars


def tiny_config() -> ml_collections.ConfigDict:
  c = config_schema.base_config()
  c.network.hidden_sizes = (16,)
  c.network.latent_size = 8
  c.network.head_hidden = 8
  c.network.value_support = 5
  c.network.reward_support = 2
  return c


@pytest.fixture(scope="module")
def network():
  tf.random.set_seed(0)
  return make_network(tiny_config(), (4,), 2)


def _roots(n, seed=0):
  obs = np.random.default_rng(seed).normal(size=(n, 4)).astype(np.float32)
  return Roots(obs, [None] * n)


def _step_by_step(network, observations, actions):
  """Oracle: recurrent_inference one step at a time; rewards [N, h]."""
  latent = network.initial_inference(tf.constant(observations)).latent
  out = []
  for k in range(actions.shape[1]):
    step = to_scalars(network.recurrent_inference(latent, tf.constant(actions[:, k], tf.int32)))
    latent = step.latent
    out.append(step.reward.numpy())
  return np.stack(out, axis=1)


def test_predicted_rewards_match_step_by_step_inference(network):
  roots = _roots(5)
  actions = np.random.default_rng(1).integers(2, size=(5, 4))
  model = LearnedModel(network, 0.9)
  np.testing.assert_allclose(model.predict_rewards(roots, actions),
                             _step_by_step(network, roots.observations, actions), atol=1e-5)


def test_rollout_leaf_values_are_discounted_predicted_rewards(network):
  roots = _roots(3)
  model = LearnedModel(network, 0.9, rollout_horizon=4, rng=np.random.default_rng(7))
  root = model.root(roots)
  # The same random actions, drawn from a generator in the same state.
  actions = np.random.default_rng(7).integers(2, size=(3, 4))
  rewards = _step_by_step(network, roots.observations, actions)
  np.testing.assert_allclose(root.value, (rewards * 0.9 ** np.arange(4)).sum(axis=1), atol=1e-5)


def test_value_head_leaves_and_priors(network):
  roots = _roots(3)
  policy_model = LearnedModel(network, 0.9)
  uniform_model = LearnedModel(network, 0.9, prior="uniform")
  expected = to_scalars(network.initial_inference(tf.constant(roots.observations)))
  root = policy_model.root(roots)
  np.testing.assert_allclose(root.value, expected.value.numpy(), atol=1e-5)
  np.testing.assert_allclose(root.prior_logits, expected.policy_logits.numpy(), atol=1e-5)
  assert np.all(uniform_model.root(roots).prior_logits == 0)
  out, latent = uniform_model.recurrent(root.embedding, np.array([0, 1, 1]))
  assert np.all(out.prior_logits == 0) and np.all(out.discount == 1)
  assert latent.shape == root.embedding.shape


def test_tv_and_kl_against_hand_values():
  prior = np.array([[0.5, 0.5], [0.25, 0.75]])
  visits = planning.empirical_visits(np.array([[3, 1], [0, 0]]))
  np.testing.assert_allclose(visits, [[4 / 6, 2 / 6], [0.5, 0.5]])
  np.testing.assert_allclose(planning.total_variation(prior, visits), [1 / 6, 0.25])
  kl0 = 0.5 * np.log(0.5 / (4 / 6)) + 0.5 * np.log(0.5 / (2 / 6))
  kl1 = 0.25 * np.log(0.5) + 0.75 * np.log(1.5)
  np.testing.assert_allclose(planning.kl_divergence(prior, visits), [kl0, kl1])


def test_sequence_probabilities_are_products_along_the_tree():
  # Two actions, horizon 2: pi(.|root) = [0.2, 0.8]; after action 0 [0.5, 0.5],
  # after action 1 the episode ended (uniform).
  probs = [np.array([[0.2, 0.8]]), np.array([[0.5, 0.5], [0.9, 0.1]])]
  ended = [np.array([False]), np.array([False, True])]
  p = value_error.sequence_probabilities(probs, ended, 2, 2)
  np.testing.assert_allclose(p, [0.1, 0.1, 0.4, 0.4])


def test_rank_statistics_sort_each_state_by_probability():
  table = value_error.SequenceTable(probs=np.array([[0.7, 0.1, 0.2], [0.1, 0.3, 0.6]]),
                                    errors=np.array([[1.0, 3.0, 2.0], [6.0, 4.0, 2.0]]))
  stats = value_error.rank_statistics(table)
  np.testing.assert_allclose(stats.prob_mean, [0.1, 0.25, 0.65])
  np.testing.assert_allclose(stats.error_mean, [4.5, 3.0, 1.5])
  np.testing.assert_allclose(value_error.spearman_per_state(table), [-1.0, -1.0])


def test_binned_rank_statistics_average_consecutive_ranks():
  probs = np.array([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]])
  errors = np.array([[4.0, 3.0, 2.0, 1.0], [0.0, 2.0, 4.0, 6.0]])
  stats = value_error.rank_statistics(value_error.SequenceTable(probs, errors), bins=2)
  np.testing.assert_allclose(stats.prob_mean, [0.15, 0.35])
  np.testing.assert_allclose(stats.error_mean, [(3.5 + 5.0) / 2, (1.5 + 1.0) / 2])
