"""MuZero's three functions as Keras models, with categorical reward/value heads.

  representation: observation [B, *obs] -> latent [B, *latent] in [0, 1]
  dynamics: latent, action [B] -> next latent [B, *latent], reward logits [B, 2 Sr + 1]
  prediction: latent -> policy logits [B, A], value logits [B, 2 Sv + 1]

Torsos: "mlp" for vector observations (latent [B, latent_size]); "convmlp" for
small images [B, H, W, C]: one 3x3 convolution (channels, no padding, ReLU, as
MinAtar's DQN) before the "mlp" representation, the "mlp" dynamics (latent
[B, latent_size]); "resconv" for
image observations [B, H, W, C] (latent [B, H, W, channels], residual blocks,
the action given to the dynamics as one-hot planes); "atari", MuZero's Atari
network (Schrittwieser et al. 2020, appendix "Network Architecture"): uint8
observations [B, 96, 96, C] scaled by 1/255, downsampled to a 6x6 latent by
  conv 3x3 stride 2 (channels // 2) -> downsample_blocks[0] residual blocks ->
  conv 3x3 stride 2 (channels) -> downsample_blocks[1] residual blocks ->
  avg pool 3x3 stride 2 -> downsample_blocks[2] residual blocks -> avg pool 3x3 stride 2
then num_blocks residual blocks (MuZero: channels 256, blocks (2, 3, 3) and 16);
the dynamics: the latent with the action as one-hot planes -> conv 3x3 ->
norm -> ReLU -> num_blocks residual blocks. Latent [B, ceil(H/16), ceil(W/16),
channels]. Residual blocks use layer norm where MuZero used batch norm (no
batch statistics to keep between acting and learning). Latents are min-max
scaled to [0, 1] per example, as in MuZero. The prediction heads are `Head`s
(pipeline/networks/heads.py) so their weights can be snapshotted and stacked.
"""
from typing import NamedTuple, Tuple

import numpy as np
import tensorflow as tf

from pipeline import parts
from pipeline.networks import value_transform
from pipeline.networks.heads import Head

keras = tf.keras


def scale_to_unit(x: tf.Tensor) -> tf.Tensor:
  """Min-max scales each example of x [B, ...] to [0, 1]."""
  axes = list(range(1, x.shape.rank))
  low = tf.reduce_min(x, axis=axes, keepdims=True)
  high = tf.reduce_max(x, axis=axes, keepdims=True)
  return (x - low) / (high - low + 1e-5)


class ScaleToUnit(keras.layers.Layer):

  def call(self, x):
    return scale_to_unit(x)


def _mlp(sizes, name):
  return keras.Sequential([keras.layers.Dense(s, activation="relu") for s in sizes], name=name)


class _ResBlock(keras.layers.Layer):

  def __init__(self, channels, **kwargs):
    super().__init__(**kwargs)
    self.conv1 = keras.layers.Conv2D(channels, 3, padding="same", use_bias=False)
    self.norm1 = keras.layers.LayerNormalization(axis=[-3, -2, -1])
    self.conv2 = keras.layers.Conv2D(channels, 3, padding="same", use_bias=False)
    self.norm2 = keras.layers.LayerNormalization(axis=[-3, -2, -1])

  def call(self, x):
    y = tf.nn.relu(self.norm1(self.conv1(x)))
    y = self.norm2(self.conv2(y))
    return tf.nn.relu(x + y)


def _conv_torso(channels, num_blocks, name):
  layers = [keras.layers.Conv2D(channels, 3, padding="same", activation="relu")]
  layers += [_ResBlock(channels) for _ in range(num_blocks)]
  return keras.Sequential(layers, name=name)


def _atari_downsample(channels, blocks, name):
  """96x96 -> 6x6: MuZero's downsampling stack (see the module doc)."""
  b1, b2, b3 = (int(b) for b in blocks)
  layers = [keras.layers.Conv2D(max(channels // 2, 1), 3, strides=2, padding="same",
                                activation="relu")]
  layers += [_ResBlock(max(channels // 2, 1)) for _ in range(b1)]
  layers += [keras.layers.Conv2D(channels, 3, strides=2, padding="same", activation="relu")]
  layers += [_ResBlock(channels) for _ in range(b2)]
  layers += [keras.layers.AveragePooling2D(3, strides=2, padding="same")]
  layers += [_ResBlock(channels) for _ in range(b3)]
  layers += [keras.layers.AveragePooling2D(3, strides=2, padding="same")]
  return keras.Sequential(layers, name=name)


def atari_latent_shape(observation_shape, channels):
  """The "atari" torso's latent shape: each side halved four times (rounding up)."""
  def side(n):
    for _ in range(4):  # two strided convs and two pools, all "same" padded
      n = -(-n // 2)
    return n
  return (side(observation_shape[0]), side(observation_shape[1]), channels)


class Inference(NamedTuple):
  """One model step. Shapes: latent [B, *L]; logits [B, A] / [B, 2S + 1]."""
  latent: tf.Tensor
  reward_logits: tf.Tensor   # zeros-meaning "no reward" at the root
  policy_logits: tf.Tensor
  value_logits: tf.Tensor


class MuZeroNetwork(tf.Module):
  """Representation, dynamics and prediction for one game."""

  def __init__(self, config: parts.NetworkConfig, observation_shape: Tuple[int, ...],
               num_actions: int, name: str = "muzero"):
    super().__init__(name=name)
    self.num_actions = num_actions
    self.observation_shape = tuple(observation_shape)
    self.value_bins = 2 * config.value_support + 1
    self.reward_bins = 2 * config.reward_support + 1
    self.torso = config.torso
    if config.torso in ("mlp", "convmlp"):
      stem = ([keras.layers.Conv2D(config.channels, 3, activation="relu")]
              if config.torso == "convmlp" else [])
      self.representation = keras.Sequential(
          stem + [keras.layers.Flatten(), _mlp(config.hidden_sizes, "repr_mlp"),
                  keras.layers.Dense(config.latent_size), ScaleToUnit()], name="representation")
      self.dynamics_torso = keras.Sequential(
          [_mlp(config.hidden_sizes, "dyn_mlp"), keras.layers.Dense(config.latent_size)],
          name="dynamics")
      latent_shape = (config.latent_size,)
    elif config.torso == "atari":
      ch = config.channels
      self.representation = keras.Sequential(
          [keras.layers.Rescaling(1.0 / 255.0),
           _atari_downsample(ch, config.downsample_blocks, "repr_downsample")] +
          [_ResBlock(ch) for _ in range(config.num_blocks)] + [ScaleToUnit()],
          name="representation")
      self.dynamics_torso = keras.Sequential(
          [keras.layers.Conv2D(ch, 3, padding="same", use_bias=False),
           keras.layers.LayerNormalization(axis=[-3, -2, -1]), keras.layers.ReLU()] +
          [_ResBlock(ch) for _ in range(config.num_blocks)], name="dynamics")
      latent_shape = atari_latent_shape(observation_shape, ch)
    else:
      h, w = observation_shape[:2]
      self.representation = keras.Sequential(
          [_conv_torso(config.channels, config.num_blocks, "repr_conv"), ScaleToUnit()],
          name="representation")
      self.dynamics_torso = keras.Sequential(
          [_conv_torso(config.channels, config.num_blocks, "dyn_conv"),
           keras.layers.Conv2D(config.channels, 3, padding="same")], name="dynamics")
      latent_shape = (h, w, config.channels)
    self.latent_shape = latent_shape
    flat = int(np.prod(latent_shape))
    self.reward_head = Head(flat, config.head_hidden, self.reward_bins, "reward_head")
    self.value_head = Head(flat, config.head_hidden, self.value_bins, "value_head")
    self.policy_head = Head(flat, config.head_hidden, num_actions, "policy_head")
    # Build every weight now so that checkpoints and variable lists are complete.
    self.initial_inference(tf.zeros((1,) + self.observation_shape))
    self.recurrent_inference(tf.zeros((1,) + latent_shape), tf.zeros([1], tf.int32))

  # ---- pieces -------------------------------------------------------------
  def _flat(self, latent):
    return tf.reshape(latent, [tf.shape(latent)[0], -1])

  def predict(self, latent: tf.Tensor) -> Tuple[tf.Tensor, tf.Tensor]:
    """latent [B, *L] -> policy logits [B, A], value logits [B, 2Sv + 1]."""
    flat = self._flat(latent)
    return self.policy_head(flat), self.value_head(flat)

  def dynamics(self, latent: tf.Tensor, action: tf.Tensor) -> Tuple[tf.Tensor, tf.Tensor]:
    """latent [B, *L], action [B] -> next latent [B, *L], reward logits [B, 2Sr + 1]."""
    one_hot = tf.one_hot(tf.cast(action, tf.int32), self.num_actions)
    if latent.shape.rank == 2:  # a flat latent ("mlp", "convmlp")
      x = tf.concat([latent, one_hot], axis=-1)
    else:
      shape = tf.shape(latent)
      planes = tf.broadcast_to(one_hot[:, None, None, :],
                               tf.concat([shape[:3], [self.num_actions]], axis=0))
      x = tf.concat([latent, planes], axis=-1)
    next_latent = scale_to_unit(self.dynamics_torso(x))
    return next_latent, self.reward_head(self._flat(next_latent))

  # ---- MuZero's two inference calls --------------------------------------
  def initial_inference(self, observation: tf.Tensor) -> Inference:
    latent = self.representation(tf.cast(observation, tf.float32))
    policy, value = self.predict(latent)
    reward = tf.zeros([tf.shape(latent)[0], self.reward_bins])
    return Inference(latent, reward, policy, value)

  def recurrent_inference(self, latent: tf.Tensor, action: tf.Tensor) -> Inference:
    next_latent, reward = self.dynamics(latent, action)
    policy, value = self.predict(next_latent)
    return Inference(next_latent, reward, policy, value)

  # ---- parameters as flat lists (publishing, EMAs) -------------------------
  @property
  def weights(self):
    """Every weight, in a fixed order."""
    return (list(self.representation.weights) + list(self.dynamics_torso.weights) +
            self.reward_head.weights + self.value_head.weights + self.policy_head.weights)

  def get_weights(self):
    return [w.numpy() for w in self.weights]

  def set_weights(self, values):
    for w, v in zip(self.weights, values, strict=True):
      w.assign(v)


def make_network(config, observation_shape, num_actions: int) -> MuZeroNetwork:
  """The network config.network describes (a job's edge: the ConfigDict in)."""
  return MuZeroNetwork(parts.network_from(config), observation_shape, num_actions)


class ScalarOutputs(NamedTuple):
  """What the search consumes. latent [B, *L]; reward, value [B]; policy logits [B, A]."""
  latent: tf.Tensor
  reward: tf.Tensor
  policy_logits: tf.Tensor
  value: tf.Tensor


def to_scalars(out: Inference) -> ScalarOutputs:
  return ScalarOutputs(out.latent, value_transform.logits_to_scalar(out.reward_logits),
                       out.policy_logits, value_transform.logits_to_scalar(out.value_logits))
