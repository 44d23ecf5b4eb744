"""The self-supervised consistency loss of EfficientZero (Ye et al. 2021, section 4.1).

An auxiliary loss (pipeline/learner/auxiliary.py), off by default (MuZero has
none). MuZero trains its dynamics only through the rewards, values and policies
predicted from the latents it unrolls; this loss also asks the latent the
dynamics predicts k steps along the taken actions to point the way the
representation of the observation actually reached there points:

  L_c = w * sum_{k=1..K} s_k * valid_k * (1 - cos(flat(latent_k), sg(flat(h(o_{s+k})))))

latent_k the unroll's k-th latent (gradients flow into the dynamics and the
representation of o_s), h the current representation (stop-gradient: the
target side), s_k = 1/K the unroll step scales of the other losses, valid_k = 1
while o_{s+k} is a real observation of the unroll's episode (no final step among
s .. s+k-1).

With `projection_size` 0 the latents are compared as they are and the loss has
no parameters. With projection_size P > 0, as in EfficientZero (after SimSiam),
both sides first pass through a projection g (Dense projection_hidden,
LayerNorm, ReLU, Dense P) and the predicted side also through a prediction
head q (Dense P/2, ReLU, Dense P):

  cos(q(g(flat(latent_k))), sg(g(flat(h(o_{s+k})))))

g and q are the loss's own parameters (`parameters()`), trained with the
network's and checkpointed with the learner.
"""
import math
from typing import Dict, List, Optional, Tuple

import tensorflow as tf

from pipeline import parts
from pipeline.learner import losses


def negative_cosine(predicted: tf.Tensor, target: tf.Tensor, eps: float = 1e-8) -> tf.Tensor:
  """1 - cos(predicted, target) over the last axis: [..., D], [..., D] -> [...]."""
  dot = tf.reduce_sum(predicted * target, -1)
  norms = tf.norm(predicted, axis=-1) * tf.norm(target, axis=-1)
  return 1.0 - dot / tf.maximum(norms, eps)


def valid_steps(mask: tf.Tensor, last: tf.Tensor, idx: tf.Tensor) -> tf.Tensor:
  """valid [B, S, K]: 1 where o_{s+k} (k = 1..K) is a real observation of the unroll's
  episode. mask, last [B, L] of the sequences; idx [B, S, K+1] = s + 0..K."""
  at = lambda x: tf.gather(tf.cast(x, tf.float32), idx, batch_dims=1)    # [B, S, K+1]
  m = at(mask)
  alive = m * (1.0 - at(last))                                           # step k goes on
  return tf.math.cumprod(alive[..., :-1], axis=-1) * m[..., 1:]


class ProjectionHeads(tf.Module):
  """EfficientZero's projection g and prediction head q: [N, D] -> [N, P]."""

  def __init__(self, latent_size: int, hidden: int, size: int):
    super().__init__(name="consistency_heads")
    layers = tf.keras.layers
    self.projection = tf.keras.Sequential(
        [layers.Dense(hidden), layers.LayerNormalization(), layers.ReLU(), layers.Dense(size)],
        name="projection")
    self.prediction = tf.keras.Sequential(
        [layers.Dense(max(size // 2, 1), activation="relu"), layers.Dense(size)],
        name="prediction")
    dummy = tf.zeros([1, latent_size])
    self.prediction(self.projection(dummy))  # build: the optimizer needs the variables

  def parameters(self) -> List[tf.Variable]:
    return self.projection.trainable_variables + self.prediction.trainable_variables


class Consistency(tf.Module):
  """The loss above; `weight` w, with EfficientZero's heads if projection_size > 0."""

  name = "consistency"

  def __init__(self, config: parts.ConsistencyConfig, network):
    super().__init__(name=self.name)
    self.weight, self.network = config.weight, network
    self.heads: Optional[ProjectionHeads] = None
    if config.projection_size > 0:
      latent_size = math.prod(network.latent_shape)
      self.heads = ProjectionHeads(latent_size, config.projection_hidden,
                                   config.projection_size)

  def parameters(self) -> List[tf.Variable]:
    return self.heads.parameters() if self.heads is not None else []

  def checkpointables(self) -> Dict[str, tf.Module]:
    return {"consistency_heads": self.heads} if self.heads is not None else {}

  def after_update(self, step: tf.Tensor) -> None:
    del step

  def __call__(self, latents, batch, sequences) -> Tuple[tf.Tensor, Dict[str, tf.Tensor]]:
    """The weighted loss [N] of the N = B * S unrolls (latents: K+1 tensors [N, *latent]
    from batch.start [B, S], row-major) and its metric."""
    k = len(latents) - 1
    obs = sequences["observation"]
    idx = batch.start[..., None] + tf.range(k + 1)[None, None]               # [B, S, K+1]
    later = tf.gather(obs, idx[..., 1:], batch_dims=1)                        # [B, S, K, *obs]
    flat_obs = tf.reshape(later, tf.concat([[-1], tf.shape(obs)[2:]], 0))     # [N*K, *obs]
    target = self.network.representation(tf.cast(flat_obs, tf.float32))
    n = tf.shape(latents[0])[0]
    target = tf.reshape(target, [n * k, -1])                                  # [N*K, D]
    predicted = tf.reshape(tf.stack(latents[1:], 1), [n * k, -1])             # [N*K, D]
    if self.heads is not None:                                                # D -> P
      target = self.heads.projection(target)
      predicted = self.heads.prediction(self.heads.projection(predicted))
    target = tf.reshape(tf.stop_gradient(target), [n, k, -1])                 # [N, K, *]
    predicted = tf.reshape(predicted, [n, k, -1])
    valid = tf.reshape(valid_steps(sequences["mask"], sequences["last"], idx), [n, k])
    per_step = negative_cosine(predicted, target) * valid                     # [N, K]
    loss = tf.reduce_sum(losses.step_scales(k)[1:] * per_step, axis=1)        # [N]
    return self.weight * loss, {"loss/consistency": loss}
