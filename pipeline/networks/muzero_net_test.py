"""Network shapes, [0, 1] latents and weight round trips for the torsos."""
import numpy as np
import pytest
import tensorflow as tf

from pipeline import config_schema
from pipeline.networks import muzero_net


@pytest.mark.parametrize("torso,obs_shape", [("mlp", (4,)), ("resconv", (10, 10, 4)),
                                             ("convmlp", (10, 10, 4))])
def test_shapes_and_latent_range(torso, obs_shape):
  c = config_schema.base_config()
  c.network.torso = torso
  c.network.channels = 8
  net = muzero_net.make_network(c, obs_shape, 6)
  obs = tf.random.uniform((3,) + obs_shape)
  out = net.initial_inference(obs)
  assert out.policy_logits.shape == (3, 6)
  assert out.value_logits.shape == (3, 2 * c.network.value_support + 1)
  latent = out.latent.numpy()
  assert latent.min() >= 0.0 and latent.max() <= 1.0 + 1e-6
  nxt = net.recurrent_inference(out.latent, tf.constant([0, 3, 5]))
  assert nxt.latent.shape == out.latent.shape
  assert nxt.reward_logits.shape == (3, 2 * c.network.reward_support + 1)
  # Zero-initialised output layers: a uniform policy and a value of 0 at the start.
  scalars = muzero_net.to_scalars(nxt)
  np.testing.assert_allclose(scalars.value.numpy(), 0.0, atol=1e-5)
  np.testing.assert_allclose(tf.nn.softmax(scalars.policy_logits).numpy(), 1 / 6, atol=1e-6)


def test_weights_round_trip_between_networks():
  c = config_schema.base_config()
  a = muzero_net.make_network(c, (4,), 2)
  b = muzero_net.make_network(c, (4,), 2)
  a.value_head.w2.assign(tf.random.normal(a.value_head.w2.shape))
  b.set_weights(a.get_weights())
  obs = tf.random.normal((5, 4))
  np.testing.assert_allclose(a.initial_inference(obs).value_logits.numpy(),
                             b.initial_inference(obs).value_logits.numpy(), rtol=1e-6)


def test_convmlp_is_a_dqn_stem_before_the_mlp():
  """One unpadded 3x3 convolution (MinAtar's DQN), then the MLP: parameters by hand."""
  c = config_schema.base_config()
  c.network.torso = "convmlp"
  c.network.channels, c.network.hidden_sizes, c.network.latent_size = 16, (32,), 24
  net = muzero_net.make_network(c, (10, 10, 4), 6)
  conv = 3 * 3 * 4 * 16 + 16
  mlp = (8 * 8 * 16) * 32 + 32 + 32 * 24 + 24
  assert sum(int(np.prod(w.shape)) for w in net.representation.weights) == conv + mlp
  assert net.latent_shape == (24,)
  dynamics = (24 + 6) * 32 + 32 + 32 * 24 + 24  # the "mlp" dynamics on latent + one-hot action
  assert sum(int(np.prod(w.shape)) for w in net.dynamics_torso.weights) == dynamics
