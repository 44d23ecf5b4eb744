"""The past-policies loss against a NumPy + rlax reference; frozen heads; checkpoints."""
import numpy as np
import rlax
import tensorflow as tf

from pipeline import config_schema, parts
from pipeline.learner import auxiliary
from pipeline.learner.batch import UnrollBatch
from pipeline.learner.past_policies import PastPolicies
from pipeline.learner.train_step import TrainStep, unroll
from pipeline.networks import value_transform
from pipeline.networks.heads import stacked_head_apply
from pipeline.networks.muzero_net import make_network

B, L, K, A, P = 3, 9, 2, 3, 4


def _config():
  c = config_schema.base_config()
  c.network.hidden_sizes = (8,)
  c.network.latent_size = 6
  c.network.head_hidden = 5
  c.network.value_support = 6
  c.learner.unroll_steps = K
  c.replay.sequence_length, c.replay.sequence_overlap = L, K
  c.past_policies.enabled = True
  c.past_policies.size = P
  c.past_policies.clip_rho = 1.0
  c.discount = 0.9
  return c


def _randomise_heads(net, rng):
  for w in net.value_head.weights + net.policy_head.weights:
    w.assign(rng.normal(size=w.shape).astype(np.float32) * 0.7)


def _sequences(rng, end_at=None, truncated=False):
  seq = {"observation": rng.normal(size=(B, L, 4)).astype(np.float32),
         "action": rng.integers(0, A, (B, L)).astype(np.int32),
         "reward": rng.normal(size=(B, L)).astype(np.float32),
         "discount": np.ones((B, L), np.float32),
         "behaviour": rng.uniform(0.2, 1.0, (B, L)).astype(np.float32),
         "last": np.zeros((B, L), np.float32), "mask": np.ones((B, L), np.float32)}
  if end_at is not None:   # row 0 ends: last observation at end_at, padding after
    # A termination: discount 0 on the transition into the final observation
    # (and on that observation's own step); a truncation keeps 1 there.
    seq["discount"][0, end_at - 1:] = 0
    if truncated:
      seq["discount"][0, end_at - 1:end_at + 1] = 1
    seq["reward"][0, end_at:] = 0
    seq["last"][0, end_at] = 1
    seq["mask"][0, end_at + 1:] = 0
  return seq


def _np_head(ws, x):
  w1, b1, w2, b2 = ws
  return np.maximum(x @ w1 + b1, 0) @ w2 + b2


def _np_scalar(logits, size):
  p = np.exp(logits - logits.max(-1, keepdims=True))
  p /= p.sum(-1, keepdims=True)
  return np.asarray(rlax.signed_parabolic(p @ np.arange(-size, size + 1), 0.01))


def _np_log_softmax(x):
  x = x - x.max(-1, keepdims=True)
  return x - np.log(np.exp(x).sum(-1, keepdims=True))


def _reference_loss(c, module, net, seq, starts, unroll_latents):
  """Loops over heads and sequences; V-trace by rlax on each episode's transitions."""
  size = c.network.value_support
  flat = net.representation(seq["observation"].reshape(B * L, 4)).numpy()
  per_head = []
  for j in range(int(module.count.numpy())):
    vw = [w[j].numpy() for w in module.value_weights]
    pw = [w[j].numpy() for w in module.policy_weights]
    v = _np_scalar(_np_head(vw, flat), size).reshape(B, L)
    logits = _np_head(pw, flat).reshape(B, L, A)
    pi = np.exp(_np_log_softmax(logits))
    rows = []
    for b in range(B):
      n = int(seq["mask"][b].sum())               # real steps
      end = n - 1                                  # the last step bootstraps (or is final)
      rho = pi[b, np.arange(L), seq["action"][b]] / seq["behaviour"][b]
      disc = c.discount * seq["discount"][b]
      errors = np.asarray(rlax.vtrace(v[b, :end], v[b, 1:end + 1], seq["reward"][b, :end],
                                      disc[:end], rho[:end], 1.0, 1.0))
      vs = np.zeros(L, np.float32)
      vs[:end] = v[b, :end] + errors
      terminated = seq["last"][b, end] > 0 and seq["discount"][b, end - 1] == 0
      vs[end] = 0.0 if terminated else v[b, end]   # absorbing after a termination
      rows.append(vs)
    vs = np.stack(rows)
    loss = np.zeros(B)
    for b in range(B):
      for k in range(K + 1):
        target = np.asarray(rlax.transform_to_2hot(
            rlax.signed_hyperbolic(vs[b, starts[b] + k], 0.01), -size, size, 2 * size + 1))
        pred = _np_head(vw, unroll_latents[k][b:b + 1].reshape(1, -1))[0]
        scale = 1.0 if k == 0 else 1.0 / K
        loss[b] += scale * -(target * _np_log_softmax(pred)).sum()
    per_head.append(loss)
  return c.past_policies.weight * np.mean(per_head, axis=0)


def _setup(seed, end_at=None, truncated=False):
  rng = np.random.default_rng(seed)
  c = _config()
  net = make_network(c, (4,), A)
  module = PastPolicies(parts.past_policies_from(c), net)
  for _ in range(3):             # three of the four slots used
    _randomise_heads(net, rng)
    module.push()
  seq = _sequences(rng, end_at, truncated)
  starts = np.array([0, 3, L - 1 - K], np.int32)
  latents = [tf.constant(rng.uniform(size=(B, 6)).astype(np.float32)) for _ in range(K + 1)]
  return c, net, module, seq, starts, latents


def _same_buffer(module, like):
  """`module` with the stored heads and count of `like`."""
  for mine, theirs in zip(module.value_weights + module.policy_weights,
                          like.value_weights + like.policy_weights):
    mine.assign(theirs)
  module.count.assign(like.count)
  return module


def _batch(starts):
  """What the loss reads of an UnrollBatch: one start per sequence, [B, 1]."""
  return UnrollBatch(*([None] * 7), start=tf.constant(starts[:, None]),
                     weight=tf.ones([len(starts), 1]))


def test_terminal_target_is_zero_and_truncation_bootstraps():
  for truncated in (False, True):
    c, net, module, seq, starts, latents = _setup(7, end_at=5, truncated=truncated)
    flat = net.representation(seq["observation"].reshape(B * L, 4))
    vs = module.returns(module.value_weights, module.policy_weights, flat,
                        {k: tf.constant(v) for k, v in seq.items()}).numpy()   # [P, B, L]
    head_values = value_transform.logits_to_scalar(
        stacked_head_apply(module.value_weights, flat)).numpy().reshape(P, B, L)
    if truncated:
      np.testing.assert_allclose(vs[:3, 0, 5], head_values[:3, 0, 5], rtol=1e-5)
      assert np.all(np.abs(vs[:3, 0, 5]) > 1e-4)
    else:
      np.testing.assert_array_equal(vs[:, 0, 5], 0.0)
    np.testing.assert_array_equal(vs[:, 0, 6:], 0.0)     # padding


def test_loss_matches_numpy_and_rlax_reference():
  for seed, end_at, truncated in ((0, None, False), (1, 5, False), (2, 5, True)):
    c, net, module, seq, starts, latents = _setup(seed, end_at, truncated)
    batch = _batch(starts)
    ours, metrics = module(latents, batch, {k: tf.constant(v) for k, v in seq.items()})
    expected = _reference_loss(c, module, net, seq, starts, [l.numpy() for l in latents])
    np.testing.assert_allclose(ours.numpy(), expected, rtol=2e-4, atol=2e-4)
    assert metrics["past_policies/stored"].numpy() == 3


def test_ring_buffer_keeps_the_newest_size_snapshots():
  rng = np.random.default_rng(2)
  c = _config()
  net = make_network(c, (4,), A)
  module = PastPolicies(parts.past_policies_from(c), net)
  pushed = []
  for _ in range(P + 2):
    _randomise_heads(net, rng)
    module.push()
    pushed.append(net.value_head.w1.numpy().copy())
  stored = {module.value_weights[0][j].numpy().tobytes() for j in range(P)}
  assert stored == {w.tobytes() for w in pushed[-P:]}
  assert int(module.count.numpy()) == P


def test_snapshots_every_interval_from_the_start_step():
  c = _config()
  c.past_policies.interval, c.past_policies.start_step = 10, 25
  module = PastPolicies(parts.past_policies_from(c), make_network(c, (4,), A))
  stored_after = []
  for step in range(1, 61):
    module.after_update(tf.constant(step, tf.int64))
    stored_after.append(int(module.count.numpy()))
  # Snapshots at steps 30, 40, 50, 60 only (10 and 20 are before the start step).
  snapshot_steps = [step for step in range(2, 61) if stored_after[step - 1] > stored_after[step - 2]]
  assert snapshot_steps == [30, 40, 50, 60] and stored_after[28] == 0


def test_stored_heads_frozen_and_gradient_reaches_representation_and_dynamics_only():
  c, net, module, seq, starts, latents = _setup(3)
  before = [w.numpy().copy() for w in module.value_weights + module.policy_weights]
  obs = tf.constant(seq["observation"][np.arange(B), starts])
  actions = tf.constant(seq["action"][:, :K])
  with tf.GradientTape() as tape:
    _, _, _, unrolled = unroll(net, obs, actions, 0.5)
    loss, _ = module(unrolled, _batch(starts), {k: tf.constant(v) for k, v in seq.items()})
    loss = tf.reduce_mean(loss)
  grads = dict(zip([v.name for v in net.weights], tape.gradient(loss, net.weights)))
  heads = [v.name for v in net.value_head.weights + net.policy_head.weights + net.reward_head.weights]
  assert all(grads[n] is None for n in heads)
  others = [g for n, g in grads.items() if n not in heads]
  assert any(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in others)
  # A real optimisation step leaves the stored heads untouched.
  optimizer = tf.keras.optimizers.Adam(1e-2)
  step = TrainStep(parts.update_from(c), net, make_network(c, (4,), A), make_network(c, (4,), A),
                   optimizer,
                   tf.Variable(1, dtype=tf.int64), auxiliary_losses=[module])
  full = dict(seq, policy=np.full((B, L, A), 1 / A, np.float32),
              value=rng_values(B, L))
  metrics, _ = step({k: tf.constant(v) for k, v in full.items()}, tf.ones([B]), tf.ones([B]))
  assert metrics["loss/past_policies"].numpy() > 0
  after = [w.numpy() for w in module.value_weights + module.policy_weights]
  for x, y in zip(before, after):
    np.testing.assert_array_equal(x, y)


def rng_values(b, length):
  return np.random.default_rng(9).normal(size=(b, length)).astype(np.float32)


def test_buffer_survives_a_checkpoint_round_trip(tmp_path):
  c, net, module, *_ = _setup(5)
  tf.train.Checkpoint(pp=module).save(str(tmp_path / "ckpt"))
  net2 = make_network(c, (4,), A)
  fresh = PastPolicies(parts.past_policies_from(c), net2)
  tf.train.Checkpoint(pp=fresh).restore(tf.train.latest_checkpoint(str(tmp_path))).assert_consumed()
  assert int(fresh.count.numpy()) == 3 and int(fresh.next_slot.numpy()) == 3
  for a, b in zip(module.value_weights + module.policy_weights,
                  fresh.value_weights + fresh.policy_weights):
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_head_subsampling_is_an_unbiased_estimate_of_the_all_heads_loss():
  c, net, module, seq, starts, latents = _setup(6)   # 3 of 4 slots used
  batch = _batch(starts)
  tensors = {k: tf.constant(v) for k, v in seq.items()}
  everything = module(latents, batch, tensors)[0].numpy()
  c.past_policies.heads_per_step = 2
  sub = _same_buffer(PastPolicies(parts.past_policies_from(c), net), module)
  draws = np.stack([sub(latents, batch, tensors)[0].numpy() for _ in range(300)])
  assert len({d.tobytes() for d in draws}) == 3        # the three pairs of valid heads
  np.testing.assert_allclose(draws.mean(0), everything, rtol=0.05)


def test_sequence_subsampling_scales_the_first_sequences_losses():
  c, net, module, seq, starts, latents = _setup(6)
  batch = _batch(starts)
  tensors = {k: tf.constant(v) for k, v in seq.items()}
  everything, metrics = module(latents, batch, tensors)
  c.past_policies.sequences_per_step = 2
  sub = _same_buffer(PastPolicies(parts.past_policies_from(c), net), module)
  part, part_metrics = sub(latents, batch, tensors)
  # One start per sequence (S = 1): unrolls 0 and 1 are sequences 0 and 1.
  np.testing.assert_allclose(part.numpy()[:2], everything.numpy()[:2] * B / 2, rtol=1e-6)
  np.testing.assert_array_equal(part.numpy()[2:], 0.0)
  np.testing.assert_allclose(part_metrics["loss/past_policies"].numpy()[:2],
                             metrics["loss/past_policies"].numpy()[:2] * B / 2, rtol=1e-6)


def test_heads_equal_to_the_behaviour_policy_give_the_lambda_one_return():
  """Every stored head = the current heads and mu = the stored policy: the
  V-trace ratios are 1, so each target is the lambda = 1 return of rlax."""
  c = _config()
  c.past_policies.clip_rho = c.past_policies.clip_c = 1.0
  rng = np.random.default_rng(11)
  net = make_network(c, (4,), A)
  _randomise_heads(net, rng)
  module = PastPolicies(parts.past_policies_from(c), net)
  for _ in range(P):
    module.push()
  seq = _sequences(rng, end_at=6)
  flat = net.representation(seq["observation"].reshape(B * L, 4))
  pi = tf.nn.softmax(net.policy_head(flat)).numpy().reshape(B, L, A)
  seq["behaviour"] = np.take_along_axis(pi, seq["action"][..., None], -1)[..., 0]
  vs = module.returns(module.value_weights, module.policy_weights, flat,
                      {k: tf.constant(v) for k, v in seq.items()}).numpy()
  v = value_transform.logits_to_scalar(net.value_head(flat)).numpy().reshape(B, L)
  for b in range(B):
    n = int(seq["mask"][b].sum())
    terminated = seq["last"][b, n - 1] > 0 and seq["discount"][b, n - 2] == 0
    boot = v[b, 1:n].copy()
    if terminated:
      boot[-1] = 0.0
    g = np.asarray(rlax.lambda_returns(seq["reward"][b, :n - 1],
                                       c.discount * seq["discount"][b, :n - 1], boot, 1.0))
    for j in range(P):
      np.testing.assert_allclose(vs[j, b, :n - 1], g, rtol=1e-4, atol=1e-4)


def test_weight_zero_gives_bit_identical_parameters_to_no_loss():
  rng = np.random.default_rng(12)
  seq = _sequences(rng, end_at=5)
  full = {k: tf.constant(v) for k, v in dict(
      seq, policy=np.full((B, L, A), 1 / A, np.float32), value=rng_values(B, L)).items()}
  weights = []
  for enabled in (False, True):
    c = _config()
    c.past_policies.enabled = enabled
    c.past_policies.weight = 0.0
    c.learner.batch_size = B
    tf.keras.utils.set_random_seed(0)
    nets = [make_network(c, (4,), A) for _ in range(3)]
    step = TrainStep(parts.update_from(c), *nets, tf.keras.optimizers.Adam(1e-2),
                     tf.Variable(1, dtype=tf.int64),
                     auxiliary_losses=auxiliary.from_config(parts.learner_from(c), nets[0]))
    if enabled:
      _randomise_heads(nets[0], np.random.default_rng(13))
      step.auxiliary["past_policies"].push()
      tf.keras.utils.set_random_seed(0)
      fresh = make_network(c, (4,), A)
      nets[0].set_weights(fresh.get_weights())   # same start as without the loss
    for _ in range(3):
      step(full, tf.ones([B]), tf.ones([B]))
    weights.append([w.numpy() for w in nets[0].weights])
  for a, b in zip(*weights):
    np.testing.assert_array_equal(a, b)
