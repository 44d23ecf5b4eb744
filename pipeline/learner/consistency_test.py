"""The consistency loss against a loop-by-loop numpy oracle, its masking and its gradients."""
import numpy as np
import pytest
import tensorflow as tf

from pipeline import config_schema, parts
from pipeline.learner import auxiliary
from pipeline.learner.batch import UnrollBatch
from pipeline.learner.consistency import Consistency, negative_cosine, valid_steps
from pipeline.learner.train_step import TrainStep, unroll
from pipeline.networks.muzero_net import make_network

B, L, K, A, S = 3, 8, 3, 3, 2


def _config(weight=0.5):
  c = config_schema.base_config()
  c.network.hidden_sizes = (8,)
  c.network.latent_size = 6
  c.network.head_hidden = 5
  c.learner.unroll_steps = K
  c.replay.sequence_length, c.replay.sequence_overlap = L, K
  c.consistency.weight = weight
  return c


class _Doubling:
  """A stand-in network whose representation is 2 * observation (no parameters)."""

  def representation(self, obs):
    return 2.0 * obs


def _batch(starts):
  return UnrollBatch(*([None] * 7), start=tf.constant(starts, tf.int32), weight=None)


def _sequences(rng):
  seq = {"observation": rng.normal(size=(B, L, 4)).astype(np.float32),
         "mask": np.ones((B, L), np.float32), "last": np.zeros((B, L), np.float32)}
  seq["last"][1, 4] = 1          # row 1: its episode's final observation at 4, padding after
  seq["mask"][1, 5:] = 0
  return seq


def test_negative_cosine_on_hand_computed_vectors():
  got = negative_cosine(tf.constant([[1.0, 0.0], [1.0, 1.0], [3.0, 4.0]]),
                        tf.constant([[0.0, 2.0], [2.0, 2.0], [-3.0, -4.0]])).numpy()
  np.testing.assert_allclose(got, [1.0, 0.0, 2.0], atol=1e-6)


def test_valid_steps_stop_after_an_episodes_final_observation():
  mask = tf.constant([[1, 1, 1, 1, 0, 0]], tf.float32)
  last = tf.constant([[0, 0, 1, 0, 0, 0]], tf.float32)
  idx = tf.constant([[[0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5]]])
  # From 0: o_1, o_2 real (o_2 the final one), o_3 belongs to the next episode.
  # From 1: o_2 only. From 2 (the final observation): nothing.
  np.testing.assert_array_equal(valid_steps(mask, last, idx).numpy(),
                                [[[1, 1, 0], [1, 0, 0], [0, 0, 0]]])


def _valid_steps_by_hand(seq, starts):
  """(n, k, b, t) for every unroll n = b * S + j from s = starts[b, j] and step k whose
  o_t, t = s + k, is a real observation of the unroll's episode."""
  for b in range(B):
    for j in range(S):
      s = starts[b, j]
      for k in range(1, K + 1):
        t = s + k
        if seq["mask"][b, t] and not any(seq["last"][b, u] for u in range(s, t)):
          yield b * S + j, k, b, t


def _loop_oracle(seq, starts, latents, predicted=lambda x: x, target=lambda x: x):
  """The loss per unroll [B * S], unroll by unroll and step by step: 1 - cos of
  predicted(latent_k) and target(2 * o_{s+k}) (the _Doubling representation), / K."""
  expected = np.zeros(B * S)
  for n, k, b, t in _valid_steps_by_hand(seq, starts):
    p = predicted(latents[k].numpy()[n]).ravel()
    q = target(2.0 * seq["observation"][b, t]).ravel()
    norms = max(np.linalg.norm(p) * np.linalg.norm(q), 1e-8)   # a zero vector: 1 - 0
    expected[n] += (1.0 - p @ q / norms) / K
  return expected


def test_loss_matches_a_loop_over_unrolls():
  rng = np.random.default_rng(0)
  seq = _sequences(rng)
  starts = np.array([[0, 3], [2, 4], [4, 0]])
  latents = [tf.constant(rng.normal(size=(B * S, 4)).astype(np.float32)) for _ in range(K + 1)]
  module = Consistency(parts.ConsistencyConfig(weight=0.5), _Doubling())
  loss, metrics = module(latents, _batch(starts), {k: tf.constant(v) for k, v in seq.items()})
  expected = _loop_oracle(seq, starts, latents)
  np.testing.assert_allclose(metrics["loss/consistency"].numpy(), expected, rtol=1e-5)
  np.testing.assert_allclose(loss.numpy(), 0.5 * expected, rtol=1e-5)
  assert expected[2] > 0 and expected[3] == 0   # row 1 from 2: o_3, o_4; from 4 (final): none


def test_zero_when_the_unroll_predicts_the_representation_of_what_came():
  rng = np.random.default_rng(1)
  seq = _sequences(rng)
  starts = np.array([[0, 1], [0, 1], [0, 2]])
  obs = seq["observation"]
  latents = [tf.constant(np.stack([3.0 * obs[b, starts[b, j] + k] for b in range(B)
                                   for j in range(S)])) for k in range(K + 1)]  # same direction
  loss, _ = Consistency(parts.ConsistencyConfig(1.0), _Doubling())(
      latents, _batch(starts), {k: tf.constant(v) for k, v in seq.items()})
  np.testing.assert_allclose(loss.numpy(), 0.0, atol=1e-6)


@pytest.mark.parametrize("projection_size", [0, 16])
def test_gradient_reaches_dynamics_and_representation_but_not_through_the_target(
    projection_size):
  tf.keras.utils.set_random_seed(2)  # fixed weights: no head whose every unit is dead
  c = _config()
  c.consistency.projection_size = projection_size
  net = make_network(c, (4,), A)
  rng = np.random.default_rng(2)
  seq = {k: tf.constant(v) for k, v in _sequences(rng).items()}
  starts = np.zeros((B, 1), np.int32)
  module = Consistency(parts.learner_from(c).consistency, net)
  obs = tf.constant(_sequences(rng)["observation"][:, 0])
  actions = tf.constant(rng.integers(0, A, (B, K)).astype(np.int32))
  with tf.GradientTape(persistent=True) as tape:
    _, _, _, latents = unroll(net, obs, actions, 0.5)
    loss = tf.reduce_mean(module(latents, _batch(starts), seq)[0])
    # The same loss with the unroll's latents held fixed: only the target side is live.
    frozen = tf.reduce_mean(module([tf.stop_gradient(x) for x in latents], _batch(starts),
                                   seq)[0])
  grads = dict(zip([v.name for v in net.trainable_variables],
                   tape.gradient(loss, net.trainable_variables)))
  heads = [v.name for v in net.value_head.weights + net.policy_head.weights
           + net.reward_head.weights]
  assert all(grads[n] is None for n in heads)
  assert all(g is not None and float(tf.reduce_max(tf.abs(g))) > 0
             for n, g in grads.items() if n not in heads)
  assert all(g is None for g in tape.gradient(frozen, net.trainable_variables))
  # The heads (if any) learn from the predicted side.
  assert all(g is not None and float(tf.reduce_max(tf.abs(g))) > 0
             for g in tape.gradient(frozen, module.parameters()))


def test_config_turns_it_on_and_a_learner_step_reports_it():
  assert auxiliary.from_config(parts.learner_from(_config(0.0)), None) == []
  c = _config(2.0)
  net = make_network(c, (4,), A)
  [module] = auxiliary.from_config(parts.learner_from(c), net)
  assert isinstance(module, Consistency) and module.weight == 2.0
  step = TrainStep(parts.update_from(c), net, make_network(c, (4,), A), make_network(c, (4,), A),
                   tf.keras.optimizers.Adam(1e-3), tf.Variable(1, dtype=tf.int64),
                   auxiliary_losses=[module])
  rng = np.random.default_rng(3)
  seq = dict(_sequences(rng), action=rng.integers(0, A, (B, L)).astype(np.int32),
             reward=rng.normal(size=(B, L)).astype(np.float32),
             discount=np.ones((B, L), np.float32), behaviour=np.ones((B, L), np.float32),
             policy=np.full((B, L, A), 1 / A, np.float32),
             value=rng.normal(size=(B, L)).astype(np.float32))
  metrics, _ = step({k: tf.constant(v) for k, v in seq.items()}, tf.ones([B]), tf.ones([B]))
  assert 0.0 < float(metrics["loss/consistency"]) <= 2.0


class _DoublingWithShape(_Doubling):
  latent_shape = (4,)


def _numpy_heads(heads, x):
  """EfficientZero's heads by hand from their Keras weights: (projection, prediction)."""
  w1, b1, gamma, beta, w2, b2 = [v.numpy() for v in heads.projection.weights]
  w3, b3, w4, b4 = [v.numpy() for v in heads.prediction.weights]

  def project(v):
    h = v @ w1 + b1
    mean, var = h.mean(-1, keepdims=True), h.var(-1, keepdims=True)
    h = (h - mean) / np.sqrt(var + 1e-3) * gamma + beta    # Keras LayerNormalization, eps 1e-3
    return np.maximum(h, 0.0) @ w2 + b2

  return project(x), np.maximum(project(x) @ w3 + b3, 0.0) @ w4 + b4


def test_projection_heads_match_a_loop_over_unrolls():
  rng = np.random.default_rng(4)
  seq = _sequences(rng)
  starts = np.array([[0, 3], [2, 4], [4, 0]])
  latents = [tf.constant(rng.normal(size=(B * S, 4)).astype(np.float32)) for _ in range(K + 1)]
  tf.keras.utils.set_random_seed(4)
  config = parts.ConsistencyConfig(weight=1.5, projection_size=16, projection_hidden=10)
  module = Consistency(config, _DoublingWithShape())
  assert len(module.parameters()) == 10                # 3 Dense + LayerNorm, 2 Dense
  _, metrics = module(latents, _batch(starts), {k: tf.constant(v) for k, v in seq.items()})
  expected = _loop_oracle(seq, starts, latents,
                          predicted=lambda x: _numpy_heads(module.heads, x[None])[1],
                          target=lambda x: _numpy_heads(module.heads, x[None])[0])
  np.testing.assert_allclose(metrics["loss/consistency"].numpy(), expected, rtol=1e-4)
  assert expected[2] > 0 and expected[3] == 0
  # The heads' gradients come from the predicted side only: against the same sum, term by
  # term, with each target projected beforehand and held as a constant.
  tf_seq = {k: tf.constant(v) for k, v in seq.items()}
  with tf.GradientTape() as tape:
    total = tf.reduce_sum(module(latents, _batch(starts), tf_seq)[0])
  got = tape.gradient(total, module.parameters())
  heads = module.heads
  with tf.GradientTape() as tape:
    oracle = 0.0
    for n, k, b, t in _valid_steps_by_hand(seq, starts):
      p = heads.prediction(heads.projection(latents[k][n:n + 1]))[0]
      q = tf.constant(heads.projection(2.0 * seq["observation"][b, t][None]).numpy()[0])
      oracle += 1.5 * (1.0 - tf.reduce_sum(p * q) / (tf.norm(p) * tf.norm(q))) / K
  want = tape.gradient(oracle, module.parameters())
  for g, w in zip(got, want):
    np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-4, atol=1e-6)


def test_projection_heads_are_trained_with_the_network_and_checkpointed(tmp_path):
  from pipeline.learner.checkpointing_test import _sample  # pylint: disable=g-import-not-at-top
  from pipeline.learner.learner import Learner  # pylint: disable=g-import-not-at-top
  tf.keras.utils.set_random_seed(5)
  c = _config(1.0)
  c.consistency.projection_size, c.consistency.projection_hidden = 16, 12
  c.learner.batch_size, c.learner.num_steps = 4, 3
  c.learner.checkpoint_every_seconds = 1e9
  config_schema.validate(c)
  learner = Learner(parts.learner_from(c), (4,), 2, str(tmp_path), client=None)
  [module] = learner.train_step.auxiliary.values()
  initial = [v.numpy().copy() for v in module.parameters()]
  assert [id(v) for v in learner.train_step.trained[-len(initial):]] == [
      id(v) for v in module.parameters()]
  rng = np.random.default_rng(0)
  learner.run([_sample(c, rng) for _ in range(3)])
  trained = [v.numpy() for v in module.parameters()]
  assert all(np.abs(a - b).max() > 0 for a, b in zip(initial, trained))  # every variable moved
  # A new learner on the same workdir restores the heads it trained.
  again = Learner(parts.learner_from(c), (4,), 2, str(tmp_path), client=None)
  [restored] = again.train_step.auxiliary.values()
  assert int(again.step.numpy()) == 3
  for a, b in zip(trained, restored.parameters()):
    np.testing.assert_array_equal(a, b.numpy())
