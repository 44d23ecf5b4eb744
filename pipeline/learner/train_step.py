"""One compiled optimisation step: K-step unroll, MuZero loss, Adam update.

The unroll: latent_0 = representation(o_s); latent_{k+1}, r_{k+1} =
dynamics(latent_k, a_{s+k}) with the gradient into each new latent scaled by
`dynamics_grad_scale` (0.5 in MuZero); prediction at every latent. Extra
losses (the past-policies loss) plug in through `extra_loss`.
"""
from typing import Dict

import numpy as np
import tensorflow as tf

from pipeline.learner import losses
from pipeline.learner.batch import UnrollBatch
from pipeline.learner.past_policies import PastPolicies
from pipeline.networks import value_transform


class TrainStep:
  """Callable: (UnrollBatch, sequences dict [B, L, ...], IS weights [B]) -> metrics."""

  def __init__(self, config, network, optimizer, strategy=None):
    self.config, self.network, self.optimizer = config, network, optimizer
    self.strategy = strategy or tf.distribute.get_strategy()
    lc = config.learner
    self.weights = losses.LossWeights(lc.value_loss_weight, lc.reward_loss_weight,
                                      lc.policy_loss_weight)
    self.extra_loss = PastPolicies(config, network) if config.past_policies.enabled else None
    self._step = tf.function(self._train, reduce_retracing=True)

  def checkpointables(self) -> Dict[str, tf.Module]:
    return {} if self.extra_loss is None else self.extra_loss.checkpointables()

  def after_update(self, step: int) -> None:
    if self.extra_loss is not None:
      self.extra_loss.after_update(step)

  def unroll(self, observation, actions):
    """Predictions along the unroll: value [B, K+1, Vb], reward [B, K, Rb],
    policy [B, K+1, A], latents [K+1] list of [B, *L]."""
    lc = self.config.learner
    out = self.network.initial_inference(observation)
    latent = out.latent
    latents, values, policies, rewards = [latent], [out.value_logits], [out.policy_logits], []
    for k in range(lc.unroll_steps):
      latent, reward_logits = self.network.dynamics(latent, actions[:, k])
      latent = losses.scale_gradient(latent, lc.dynamics_grad_scale)
      policy_logits, value_logits = self.network.predict(latent)
      latents.append(latent)
      values.append(value_logits)
      policies.append(policy_logits)
      rewards.append(reward_logits)
    return (tf.stack(values, 1), tf.stack(rewards, 1), tf.stack(policies, 1), latents)

  def _replica_step(self, batch: UnrollBatch, sequences, importance_weights):
    """One replica's share of the batch; the loss is averaged over the GLOBAL
    batch, so summing gradients over replicas gives the global mean."""
    variables = self.network.weights
    with tf.GradientTape() as tape:
      values, rewards, policies, latents = self.unroll(batch.observation, batch.actions)
      parts = losses.muzero_loss(values, rewards, policies, batch.target_value,
                                 batch.target_reward, batch.target_policy, batch.policy_mask,
                                 self.weights)
      total = parts["total"]
      metrics = {}
      if self.extra_loss is not None:
        extra, extra_metrics = self.extra_loss(latents, batch, sequences)
        total = total + extra
        metrics.update(extra_metrics)
      loss = tf.nn.compute_average_loss(importance_weights * total,
                                        global_batch_size=self.config.learner.batch_size)
    grads = tape.gradient(loss, variables)
    grad_norm = tf.linalg.global_norm(grads)  # this replica's, before clipping
    self.optimizer.apply_gradients(zip(grads, variables))
    global_mean = lambda x: tf.nn.compute_average_loss(
        x, global_batch_size=self.config.learner.batch_size)
    metrics = {k: v * tf.cast(tf.shape(total)[0], tf.float32) /
               self.config.learner.batch_size for k, v in metrics.items()}  # summed over replicas
    metrics.update({f"loss/{k}": global_mean(v) for k, v in parts.items()})
    metrics["loss/optimised"] = loss
    metrics["grad_norm"] = grad_norm / self.strategy.num_replicas_in_sync
    return metrics, value_transform.logits_to_scalar(values[:, 0])

  def _train(self, batch: UnrollBatch, sequences, importance_weights):
    """Runs the step on every replica; metrics [] summed, root values [B] gathered."""
    n = self.strategy.num_replicas_in_sync
    split = lambda x: self.strategy.experimental_distribute_values_from_function(
        lambda ctx: tf.split(x, n, axis=0)[ctx.replica_id_in_sync_group])
    args = (UnrollBatch(*[split(x) for x in batch]),
            {k: split(v) for k, v in sequences.items()}, split(importance_weights))
    metrics, root_value = self.strategy.run(self._replica_step, args=args)
    metrics = {k: self.strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None)
               for k, v in metrics.items()}
    metrics["root_value"] = self.strategy.gather(root_value, axis=0)
    return metrics

  def __call__(self, batch: UnrollBatch, sequences: Dict[str, np.ndarray], importance_weights):
    batch = UnrollBatch(*[tf.convert_to_tensor(x) for x in batch])
    needed = {} if self.extra_loss is None else {
        k: tf.convert_to_tensor(sequences[k]) for k in self.extra_loss.sequence_fields}
    return self._step(batch, needed, tf.convert_to_tensor(importance_weights))
