"""The consistency loss against a loop-by-loop numpy oracle, its masking and its gradients."""
import numpy as np
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


def test_loss_matches_a_loop_over_unrolls():
  rng = np.random.default_rng(0)
  seq = _sequences(rng)
  starts = np.array([[0, 3], [2, 4], [4, 0]])
  latents = [tf.constant(rng.normal(size=(B * S, 4)).astype(np.float32)) for _ in range(K + 1)]
  module = Consistency(parts.ConsistencyConfig(weight=0.5), _Doubling())
  loss, metrics = module(latents, _batch(starts), {k: tf.constant(v) for k, v in seq.items()})
  expected = np.zeros(B * S)
  for b in range(B):
    for j in range(S):
      n, s = b * S + j, starts[b, j]
      for k in range(1, K + 1):
        t = s + k
        ended = any(seq["last"][b, u] for u in range(s, t))
        if seq["mask"][b, t] == 0 or ended:
          continue
        p, q = latents[k].numpy()[n], 2.0 * seq["observation"][b, t]
        expected[n] += (1.0 - p @ q / (np.linalg.norm(p) * np.linalg.norm(q))) / K
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


def test_gradient_reaches_dynamics_and_representation_but_not_through_the_target():
  c = _config()
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
