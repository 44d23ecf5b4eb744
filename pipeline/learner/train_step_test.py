"""The compiled step: MuZero's gradient scaling on a hand-computed example,
"all" unroll starts against a brute-force loop over starts, target bootstraps."""
import types

import numpy as np
import pytest
import tensorflow as tf

from pipeline import config_schema, parts
from pipeline import targets as host_targets
from pipeline.learner import auxiliary, losses
from pipeline.learner.train_step import TrainStep, random_draws, unroll
from pipeline.networks import value_transform
from pipeline.networks.muzero_net import make_network


class _ScalarModel:
  """latent_0 = w_r o; dynamics latent' = w_d latent; both heads read the latent."""

  def __init__(self, w_r, w_d):
    self.w_r, self.w_d = tf.Variable(w_r), tf.Variable(w_d)

  def initial_inference(self, observation):
    latent = self.w_r * observation
    return types.SimpleNamespace(latent=latent, value_logits=latent, policy_logits=latent)

  def dynamics(self, latent, action):
    return self.w_d * latent, latent

  def predict(self, latent):
    return latent, latent


def test_heads_read_the_unscaled_latent_and_the_dynamics_chain_is_halved():
  # o = 2, w_r = 3, w_d = 5, K = 2, scale 0.5. By hand (MuZero's pseudocode:
  # latent_1 = w_d latent_0, latent_2 = w_d scale(latent_1)):
  #   v1 = w_d w_r o:        dv1/dw_r = w_d o = 10 (unscaled),  dv1/dw_d = w_r o = 6
  #   v2 = w_d^2 w_r o:      dv2/dw_r = 0.5 w_d^2 o = 25 (halved once: latent_1 -> latent_2)
  #                          dv2/dw_d = w_d w_r o + 0.5 w_d w_r o = 45 (unscaled: 60)
  model = _ScalarModel(3.0, 5.0)
  obs, actions = tf.constant([[2.0]]), tf.zeros([1, 2], tf.int32)
  with tf.GradientTape(persistent=True) as tape:
    values, _, _, latents = unroll(model, obs, actions, 0.5)
    v1, v2 = values[0, 1, 0], values[0, 2, 0]
  assert float(v1) == 30.0 and float(v2) == 150.0                 # forward: unchanged
  assert float(tape.gradient(v1, model.w_r)) == pytest.approx(10.0)
  assert float(tape.gradient(v1, model.w_d)) == pytest.approx(6.0)
  assert float(tape.gradient(v2, model.w_r)) == pytest.approx(25.0)
  assert float(tape.gradient(v2, model.w_d)) == pytest.approx(45.0)


B, L, OVERLAP, K, A = 4, 10, 3, 3, 3


def _config(pve=False, rule="all", bootstrap="search"):
  c = config_schema.base_config()
  c.network.hidden_sizes = (8,)
  c.network.latent_size = 6
  c.network.head_hidden = 5
  c.network.value_support = 6
  c.network.reward_support = 3
  c.learner.unroll_steps = K
  c.learner.unroll_starts = rule
  c.learner.value_bootstrap = bootstrap
  c.learner.batch_size = B
  c.learner.td_lambda = 0.8
  c.replay.kind = "queue"
  c.replay.sequence_length, c.replay.sequence_overlap = L, OVERLAP
  c.reanalyse.enabled = False
  c.discount = 0.9
  c.past_policies.enabled = pve
  c.past_policies.size = 3
  return config_schema.validate(c)


def _sequences(rng):
  """Row 0 full; row 1 terminates at 4; row 2 truncates at 6; row 3 opens on its last step."""
  seq = {"observation": rng.normal(size=(B, L, 4)).astype(np.float32),
         "action": rng.integers(0, A, (B, L)).astype(np.int32),
         "reward": rng.normal(size=(B, L)).astype(np.float32),
         "discount": np.ones((B, L), np.float32),
         "policy": rng.dirichlet(np.ones(A), (B, L)).astype(np.float32),
         "behaviour": rng.uniform(0.2, 1.0, (B, L)).astype(np.float32),
         "value": rng.normal(size=(B, L)).astype(np.float32),
         "last": np.zeros((B, L), np.float32), "mask": np.ones((B, L), np.float32)}
  for row, end, terminated in ((1, 4, True), (2, 6, False), (3, 0, True)):
    seq["last"][row, end] = 1
    seq["reward"][row, end:] = 0
    seq["mask"][row, end + 1:] = 0
    for key in ("observation", "value", "policy", "behaviour", "action"):
      seq[key][row, end + 1:] = 0
    seq["discount"][row, end + 1:] = 0
    if terminated:
      seq["discount"][row, max(end - 1, 0):end + 1] = 0
      seq["value"][row, end] = 0
  return seq


def _two_hot(x, size):
  return host_targets.two_hot(np.asarray(x, np.float32), size)


def _brute_force_loss(c, net, seq, module, random_actions):
  """Loops over every (sequence, real start s < period) with numpy gathers and
  rlax targets; each start's loss as a batch of one; the mean over starts."""
  z = host_targets.value_targets(seq["reward"], seq["discount"], seq["value"], seq["last"],
                                 seq["mask"], c.discount, c.learner.td_lambda)
  weights = losses.LossWeights(c.learner.value_loss_weight, c.learner.reward_loss_weight,
                               c.learner.policy_loss_weight)
  per_start = []
  for b in range(B):
    for s in range(L - OVERLAP):
      if seq["mask"][b, s] == 0:
        continue
      idx = np.arange(s, s + K + 1)
      alive = seq["mask"][b, idx] * (1 - seq["last"][b, idx])
      actions = np.where(alive[:K] > 0, seq["action"][b, idx[:K]], random_actions[b, s])
      values, rewards, policies, latents = unroll(
          net, tf.constant(seq["observation"][b, s][None]), tf.constant(actions[None]), 0.5)
      parts = losses.muzero_loss(
          values, rewards, policies, tf.constant(_two_hot(z[b, idx], 6)[None]),
          tf.constant(_two_hot(seq["reward"][b, idx[:K]] * alive[:K], 3)[None]),
          tf.constant(seq["policy"][b, idx][None]), tf.constant(alive[None]), weights)
      total = float(parts["total"][0])
      if module is not None:
        one = {k: tf.constant(v[b:b + 1]) for k, v in seq.items()}
        fake = types.SimpleNamespace(start=tf.constant([[s]]), weight=tf.ones([1, 1]))
        total += float(module(latents, fake, one)[0][0])
      per_start.append(total)
  return float(np.mean(per_start)), len(per_start)


def _step(c, seed=0):
  tf.keras.utils.set_random_seed(seed)
  nets = [make_network(c, (4,), A) for _ in range(3)]
  for n in nets[1:]:
    n.set_weights(nets[0].get_weights())
  step = tf.Variable(7, dtype=tf.int64)
  train = TrainStep(parts.update_from(c), *nets, tf.keras.optimizers.Adam(1e-3), step,
                    auxiliary_losses=auxiliary.from_config(parts.learner_from(c), nets[0]))
  return train, nets, step


@pytest.mark.parametrize("pve", [False, True])
def test_all_starts_equal_the_mean_of_a_brute_force_loop_over_starts(pve):
  c = _config(pve=pve)
  train, nets, step = _step(c)
  rng = np.random.default_rng(1)
  if pve:  # two stored heads that depend on the latent
    for _ in range(2):
      for w in nets[0].value_head.weights + nets[0].policy_head.weights:
        w.assign(rng.normal(size=w.shape).astype(np.float32) * 0.5)
      train.auxiliary["past_policies"].push()
  seq = _sequences(rng)
  _, random_actions = random_draws(c.seed, step, B, L, K, L - OVERLAP, A)
  expected, count = _brute_force_loss(c, nets[0], seq, train.auxiliary.get("past_policies"),
                                      random_actions.numpy())
  # Real starts below the period: 7 (full row), 5 and 7 (the rows that end), 1 (opens on its end).
  assert count == 7 + 5 + 7 + 1
  metrics, priorities = train({k: tf.constant(v) for k, v in seq.items()}, tf.ones([B]),
                              tf.ones([B]))
  assert float(metrics["loss/optimised"]) == pytest.approx(expected, rel=1e-5)
  assert priorities.shape == (B,)


class _LatentNorm(tf.Module):
  """A second auxiliary loss, defined here only: w * the mean squared latent along each unroll."""
  name = "latent_norm"

  def __init__(self, weight):
    super().__init__(name=self.name)
    self.weight = weight
    self.updates = tf.Variable(0, dtype=tf.int64, trainable=False)

  def __call__(self, latents, batch, sequences):
    norms = tf.reduce_mean(tf.stack([tf.reduce_mean(tf.square(l), axis=-1) for l in latents], 1), 1)
    return self.weight * norms, {"loss/latent_norm": norms}

  def parameters(self):
    return []

  def checkpointables(self):
    return {self.name: self}

  def after_update(self, step):
    self.updates.assign_add(1)


def test_a_second_auxiliary_loss_plugs_in_without_changing_the_train_step():
  c = _config(pve=False)
  tf.keras.utils.set_random_seed(0)
  nets = [make_network(c, (4,), A) for _ in range(3)]
  step = tf.Variable(7, dtype=tf.int64)
  extra = _LatentNorm(0.3)
  train = TrainStep(parts.update_from(c), *nets, tf.keras.optimizers.Adam(1e-3), step,
                    auxiliary_losses=[extra])
  assert train.checkpointables() == {"latent_norm": extra}
  seq = _sequences(np.random.default_rng(5))
  _, random_actions = random_draws(c.seed, step, B, L, K, L - OVERLAP, A)
  expected, _ = _brute_force_loss(c, nets[0], seq, extra, random_actions.numpy())
  metrics, _ = train({k: tf.constant(v) for k, v in seq.items()}, tf.ones([B]), tf.ones([B]))
  assert float(metrics["loss/optimised"]) == pytest.approx(expected, rel=1e-5)
  assert "loss/latent_norm" in metrics and int(extra.updates.numpy()) == 1
  with pytest.raises(ValueError, match="two auxiliary losses are named 'latent_norm'"):
    TrainStep(parts.update_from(c), *nets, tf.keras.optimizers.Adam(1e-3), step,
              auxiliary_losses=[extra, extra])


def test_random_starts_give_one_unroll_per_sequence():
  c = _config(rule="random")
  train, nets, step = _step(c)
  seq = _sequences(np.random.default_rng(2))
  metrics, _ = train({k: tf.constant(v) for k, v in seq.items()}, tf.ones([B]), tf.ones([B]))
  assert np.isfinite(float(metrics["loss/optimised"]))
  assert int(step.numpy()) == 8


def test_target_bootstrap_uses_the_target_networks_values():
  c = _config(bootstrap="target")
  train, nets, _ = _step(c)
  rng = np.random.default_rng(3)
  for w in nets[1].weights:  # a target network unlike the online one
    w.assign(rng.normal(size=w.shape).astype(np.float32) * 0.3)
  seq = _sequences(rng)
  tensors = {k: tf.constant(v) for k, v in seq.items()}
  ours = train._value_targets(tensors).numpy()
  logits = nets[1].initial_inference(tf.constant(seq["observation"].reshape(B * L, 4)))
  v = value_transform.logits_to_scalar(logits.value_logits).numpy().reshape(B, L)
  terminated_end = (seq["last"] > 0) & (seq["discount"] == 0)
  v = np.where(terminated_end, 0.0, v)
  expected = host_targets.value_targets(seq["reward"], seq["discount"], v, seq["last"],
                                        seq["mask"], c.discount, c.learner.td_lambda)
  np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)
  stored = host_targets.value_targets(seq["reward"], seq["discount"], seq["value"],
                                      seq["last"], seq["mask"], c.discount, c.learner.td_lambda)
  assert np.abs(ours - stored).max() > 1e-2   # it is not the stored-value target


def test_xla_compiled_step_equals_the_plain_one():
  seq = {k: tf.constant(v) for k, v in _sequences(np.random.default_rng(4)).items()}
  out = []
  for jit in (False, True):
    c = _config(pve=True)
    c.learner.jit_compile = jit
    train, nets, _ = _step(c)
    for _ in range(2):
      metrics, _ = train(seq, tf.ones([B]), tf.ones([B]))
    out.append((float(metrics["loss/optimised"]), nets[0].get_weights()))
  assert out[0][0] == pytest.approx(out[1][0], rel=1e-4)
  for a, b in zip(out[0][1], out[1][1]):
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
