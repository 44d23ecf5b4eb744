"""The "atari" torso (MuZero's Atari network): shapes from paper size to CPU size."""
import importlib.util
import os

import numpy as np
import pytest
import tensorflow as tf

from pipeline.networks import muzero_net

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _config(path):
  spec = importlib.util.spec_from_file_location("cfg", os.path.join(ROOT, path))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config()


def _check(net, obs_shape, num_actions, latent, value_bins, reward_bins, batch=2):
  obs = tf.constant(np.random.default_rng(0).integers(0, 256, (batch,) + obs_shape), tf.uint8)
  out = net.initial_inference(obs)
  assert out.latent.shape == (batch,) + latent
  assert out.policy_logits.shape == (batch, num_actions)
  assert out.value_logits.shape == (batch, value_bins)
  x = out.latent.numpy()
  assert x.min() >= 0.0 and x.max() <= 1.0 + 1e-6
  nxt = net.recurrent_inference(out.latent, tf.constant([0, num_actions - 1][:batch]))
  assert nxt.latent.shape == out.latent.shape
  assert nxt.reward_logits.shape == (batch, reward_bins)
  assert nxt.policy_logits.shape == (batch, num_actions)


def test_paper_size_network():
  """atari57_muzero.py's network: 96x96 x (32 frames + 32 actions) -> 6x6x256, 601 bins.

  The residual tower is cut from 16 to 2 blocks per function to keep the test
  fast: the blocks keep the 6x6x256 shape, so every shape is the paper size's.
  """
  c = _config("configs/atari57_muzero.py")
  assert (c.network.channels, tuple(c.network.downsample_blocks), c.network.num_blocks) == (256, (2, 3, 3), 16)
  obs_shape = (96, 96, 64)
  assert muzero_net.atari_latent_shape(obs_shape, 256) == (6, 6, 256)
  c.network.num_blocks = 2
  net = muzero_net.make_network(c, obs_shape, 18)
  _check(net, obs_shape, 18, (6, 6, 256), 601, 601, batch=1)
  # Downsampling layers as in MuZero: stride-2 convs to 128 then 256 channels, two avg pools.
  down = net.representation.layers[1]
  convs = [l for l in down.layers if isinstance(l, tf.keras.layers.Conv2D)]
  assert [(l.filters, l.strides) for l in convs] == [(128, (2, 2)), (256, (2, 2))]
  assert sum(isinstance(l, tf.keras.layers.AveragePooling2D) for l in down.layers) == 2
  assert sum(isinstance(l, muzero_net._ResBlock) for l in down.layers) == 8  # 2 + 3 + 3


def test_small_cpu_network_and_weights_round_trip():
  c = _config("configs/atari_small.py")
  obs_shape = (96, 96, 8)
  a = muzero_net.make_network(c, obs_shape, 6)
  _check(a, obs_shape, 6, (6, 6, 32), 41, 11)
  n = sum(int(np.prod(w.shape)) for w in a.weights)
  assert n < 1_000_000
  b = muzero_net.make_network(c, obs_shape, 6)
  a.value_head.w2.assign(tf.random.normal(a.value_head.w2.shape))
  b.set_weights(a.get_weights())
  obs = tf.constant(np.random.default_rng(1).integers(0, 256, (2,) + obs_shape), tf.uint8)
  np.testing.assert_allclose(a.initial_inference(obs).value_logits.numpy(),
                             b.initial_inference(obs).value_logits.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size,latent", [((84, 84), (6, 6, 8)), ((64, 48), (4, 3, 8))])
def test_other_frame_sizes(size, latent):
  c = _config("configs/atari_small.py")
  c.network.channels = 8
  c.network.downsample_blocks = (0, 0, 0)
  c.network.num_blocks = 0
  obs_shape = size + (2,)
  assert muzero_net.atari_latent_shape(obs_shape, 8) == latent
  _check(muzero_net.make_network(c, obs_shape, 4), obs_shape, 4, latent, 41, 11)
