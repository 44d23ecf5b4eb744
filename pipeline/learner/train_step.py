"""The learner's update as one compiled TensorFlow program.

`TrainStep(replay, fresh)` runs, inside one tf.function:
  1. importance weights of the replay sequences (prioritised replay; 1 for a
     queue and for reanalysed sequences);
  2. value targets z [B, L] (pipeline/learner/returns.py): TD(lambda) or n-step
     over the stored rewards, bootstrapping from the search root values stored
     with the sequence (learner.value_bootstrap="search", MuZero and the PVE
     paper), or from the target network's value of every stored observation
     ("target", as MuZero Reanalyse);
  3. the unroll starts and their targets (pipeline/learner/batch.py);
  4. the K-step unroll, MuZero's loss and the auxiliary losses
     (pipeline/learner/auxiliary.py: the past-policies loss when on), averaged
     over the counted unrolls of the global batch (each weighted by its
     sequence's importance weight), and the gradients;
  5. Adam (the learning-rate schedule, clipping after the cross-replica sum);
  6. the step counter, the target and search moving averages, the auxiliary
     losses' after-update hooks (the past-policies snapshot).
With learner.jit_compile, 2-5 and the moving averages are one XLA program on
a single device (with several replicas, 2-4 are, inside each replica). It returns the metrics and
the replay sequences' new priorities
(|root value - z_s| averaged over each sequence's counted starts).

The unroll, as MuZero's pseudocode: latent_0 = representation(o_s); latent_k,
r_k = dynamics(latent_{k-1}, a_{s+k-1}); the heads read every latent as it is,
and each latent_k (k >= 1) enters the next dynamics call with its gradient
scaled by dynamics_grad_scale (0.5).
"""
from typing import Dict, List, Optional, Tuple

import tensorflow as tf

from pipeline import parts
from pipeline.learner import auxiliary
from pipeline.learner import batch as batch_lib
from pipeline.learner import losses, returns
from pipeline.networks import value_transform


def unroll(network, observation: tf.Tensor, actions: tf.Tensor, grad_scale: float
           ) -> Tuple[tf.Tensor, tf.Tensor, tf.Tensor, List[tf.Tensor]]:
  """Predictions along the unroll from observation [N, *obs] with actions [N, K]:
  value logits [N, K+1, Vb], reward logits [N, K, Rb], policy logits [N, K+1, A],
  latents: K+1 tensors [N, *latent]."""
  out = network.initial_inference(observation)
  latent = out.latent
  latents, values, policies, rewards = [latent], [out.value_logits], [out.policy_logits], []
  for k in range(actions.shape[1]):
    into_dynamics = losses.scale_gradient(latent, grad_scale) if k > 0 else latent
    latent, reward_logits = network.dynamics(into_dynamics, actions[:, k])
    policy_logits, value_logits = network.predict(latent)
    latents.append(latent)
    values.append(value_logits)
    policies.append(policy_logits)
    rewards.append(reward_logits)
  return tf.stack(values, 1), tf.stack(rewards, 1), tf.stack(policies, 1), latents


def random_draws(seed: int, step: tf.Tensor, batch: int, length: int, unroll_steps: int,
                 starts: int, num_actions: int) -> Tuple[tf.Tensor, tf.Tensor]:
  """A step's random inputs, a function of (run seed, learner step) only (so a
  resumed run draws the same): uniform [B, L - K] in (0, 1) for random starts,
  actions [B, S, K] for the unroll past an episode's end."""
  key = tf.stack([tf.constant(seed, tf.int64), tf.cast(step, tf.int64)])
  uniform = tf.random.stateless_uniform([batch, length - unroll_steps], key, minval=1e-6,
                                        maxval=1.0)
  actions = tf.random.stateless_uniform([batch, starts, unroll_steps], key + 1,
                                        maxval=num_actions, dtype=tf.int32)
  return uniform, actions


def moving_average(strategy, target_vars, source_vars, rate) -> None:
  """target <- (1 - rate) target + rate source on every device holding them."""
  for t, s in zip(target_vars, source_vars):
    strategy.extended.update(t, lambda v, x: v.assign((1.0 - rate) * v + rate * x), args=(s,))


class TrainStep:
  """Callable: (replay data {field: [Br, L, ...]}, probability [Br], table size [Br],
  reanalysed data {field: [Bf, L, ...]} or None) -> (metrics {name: []}, priorities [Br])."""

  def __init__(self, update: parts.UpdateConfig, network, target_network, search_network,
               optimizer, step, strategy=None, auxiliary_losses=()):
    """update: the step's typed config (pipeline/parts.py); auxiliary_losses: a list of
    auxiliary losses (pipeline/learner/auxiliary.py; from_config builds the config's)."""
    self.update, self.network, self.optimizer, self.step = update, network, optimizer, step
    self.target_network, self.search_network = target_network, search_network
    self.strategy = strategy or tf.distribute.get_strategy()
    self.weights = losses.LossWeights(*update.loss_weights)
    self.auxiliary = auxiliary.by_name(list(auxiliary_losses))
    # What the optimizer trains: the network's variables, then the auxiliary losses' own.
    self.trained = (list(network.trainable_variables)
                    + auxiliary.parameters(list(self.auxiliary.values())))
    self.period = update.period
    self.start_rule = update.start_rule
    jit = update.jit_compile
    self._grads = tf.function(self._loss_and_grads, jit_compile=jit)
    # One device: the update and the moving averages join the XLA program too.
    self._single = tf.function(self._single_device_update, jit_compile=jit)
    self._step = tf.function(self._train, reduce_retracing=True)
    self._steps = tf.function(self._train_many, reduce_retracing=True)

  def checkpointables(self) -> Dict[str, tf.Module]:
    out: Dict[str, tf.Module] = {}
    for loss in self.auxiliary.values():
      out.update(loss.checkpointables())
    return out

  # ---- inside one replica ------------------------------------------------------
  def _value_targets(self, seq) -> tf.Tensor:
    u = self.update
    f32 = lambda k: tf.cast(seq[k], tf.float32)
    values = f32("value")
    if u.value_bootstrap == "target":
      obs = seq["observation"]
      b, length = tf.shape(obs)[0], obs.shape[1]
      flat = tf.reshape(tf.cast(obs, tf.float32), tf.concat([[-1], tf.shape(obs)[2:]], 0))
      logits = self.target_network.initial_inference(flat).value_logits
      values = tf.reshape(value_transform.logits_to_scalar(logits), [b, length])
      # An episode's final observation: 0 after a termination (absorbing).
      values = values * (1.0 - f32("last") * (1.0 - f32("discount")))
    return returns.value_targets(f32("reward"), f32("discount"), values, f32("last"),
                                 f32("mask"), u.discount, u.td_lambda, u.n_step)

  def _starts(self, mask, uniform):
    if self.start_rule == "all":
      return batch_lib.all_starts(mask, self.period)
    return batch_lib.random_starts(mask, self.update.unroll_steps, uniform)

  def _count(self, mask):
    """This replica's number of counted unrolls (before the cross-replica sum)."""
    if self.start_rule == "all":
      return tf.reduce_sum(batch_lib.all_starts(mask, self.period)[1])
    return tf.cast(tf.shape(mask)[0], tf.float32)

  def _loss_and_grads(self, seq, importance_weights, uniform, random_actions, count):
    """Targets, unrolls, the loss averaged over the global batch's `count` counted
    unrolls, its gradients and the sequences' new priorities [B]."""
    u = self.update
    z = self._value_targets(seq)
    start, weight = self._starts(tf.cast(seq["mask"], tf.float32), uniform)
    batch = batch_lib.make_unroll_batch(seq, z, start, weight, random_actions,
                                        u.value_support, u.reward_support)
    unroll_weight = tf.reshape(importance_weights[:, None] * weight, [-1])
    variables = self.trained
    with tf.GradientTape() as tape:
      values, rewards, policies, latents = unroll(self.network, batch.observation,
                                                  batch.actions,
                                                  u.dynamics_grad_scale)
      terms = losses.muzero_loss(values, rewards, policies, batch.target_value,
                                 batch.target_reward, batch.target_policy, batch.policy_mask,
                                 self.weights)
      total, metrics = terms["total"], {}
      for aux in self.auxiliary.values():
        extra, extra_metrics = aux(latents, batch, seq)
        total = total + extra
        metrics.update(extra_metrics)
      loss = tf.reduce_sum(unroll_weight * total) / count
    grads = tape.gradient(loss, variables)
    counted = tf.reshape(weight, [-1])
    mean = lambda x: tf.reduce_sum(counted * x) / count  # this replica's share of the mean
    metrics = {k: mean(v) if v.shape.rank else v / self.strategy.num_replicas_in_sync
               for k, v in metrics.items()}
    metrics.update({f"loss/{k}": mean(v) for k, v in terms.items()})
    metrics["loss/optimised"] = loss
    metrics["grad_norm"] = tf.linalg.global_norm(grads) / self.strategy.num_replicas_in_sync
    root_value = value_transform.logits_to_scalar(values[:, 0])
    error = tf.reshape(tf.abs(root_value - batch.value_scalar[:, 0]), tf.shape(weight))
    per_sequence = tf.reduce_sum(weight * error, 1) / tf.maximum(tf.reduce_sum(weight, 1), 1.0)
    priorities = (per_sequence + 1e-3) ** u.priority_exponent
    return grads, metrics, priorities

  def _replica_step(self, seq, importance_weights, uniform, random_actions):
    count = tf.distribute.get_replica_context().all_reduce(
        tf.distribute.ReduceOp.SUM, self._count(tf.cast(seq["mask"], tf.float32)))
    grads, metrics, priorities = self._grads(seq, importance_weights, uniform, random_actions,
                                             tf.maximum(count, 1.0))
    self.optimizer.apply_gradients(zip(grads, self.trained))
    return metrics, priorities

  def _moving_averages(self, step) -> None:
    """The target (every target_update_every steps) and search parameter EMAs."""
    u = self.update
    rate = tf.where(tf.equal(step % u.target_update_every, 0), u.target_update_rate, 0.0)
    moving_average(self.strategy, self.target_network.weights, self.network.weights, rate)
    moving_average(self.strategy, self.search_network.weights, self.network.weights,
                   tf.constant(u.search_update_rate))

  def _single_device_update(self, seq, importance_weights, uniform, random_actions):
    count = tf.maximum(self._count(tf.cast(seq["mask"], tf.float32)), 1.0)
    grads, metrics, priorities = self._loss_and_grads(seq, importance_weights, uniform,
                                                      random_actions, count)
    self.optimizer.apply_gradients(zip(grads, self.trained))
    self._moving_averages(self.step + 1)
    return metrics, priorities

  # ---- the whole step ------------------------------------------------------------
  def _importance_weights(self, probability, table_size):
    beta = self.update.importance_exponent
    if beta == 0.0:
      return tf.ones_like(probability, tf.float32)
    w = (1.0 / (tf.cast(table_size, tf.float32) * tf.cast(probability, tf.float32))) ** beta
    return w / tf.reduce_max(w)

  def _train(self, replay, probability, table_size, fresh):
    u = self.update
    weights = self._importance_weights(probability, table_size)
    seq = replay
    if fresh is not None:  # reanalysed sequences: drawn uniformly, weight 1
      seq = {k: tf.concat([v, fresh[k]], 0) for k, v in replay.items()}
      weights = tf.concat([weights, tf.ones([tf.shape(fresh["mask"])[0]])], 0)
    b, length = seq["mask"].shape[0], seq["mask"].shape[1]
    starts = self.period if self.start_rule == "all" else 1
    uniform, random_actions = random_draws(u.seed, self.step, b, length, u.unroll_steps,
                                           starts, self.network.num_actions)
    n = self.strategy.num_replicas_in_sync
    if n == 1:
      metrics, priorities = self._single(seq, weights, uniform, random_actions)
      step = self.step.assign_add(1)
    else:
      split = lambda x: self.strategy.experimental_distribute_values_from_function(
          lambda ctx: tf.split(x, n, axis=0)[ctx.replica_id_in_sync_group])
      args = ({key: split(v) for key, v in seq.items()}, split(weights), split(uniform),
              split(random_actions))
      metrics, priorities = self.strategy.run(self._replica_step, args=args)
      metrics = {key: self.strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None)
                 for key, v in metrics.items()}
      priorities = self.strategy.gather(priorities, axis=0)
      step = self.step.assign_add(1)
      self._moving_averages(step)
    priorities = priorities[: tf.shape(probability)[0]]
    for aux in self.auxiliary.values():
      aux.after_update(step)
    return metrics, priorities

  def _train_many(self, batches):
    outputs = [self._train(*batch) for batch in batches]  # in order: each reads the last's step
    return outputs[-1][0], [priorities for _, priorities in outputs]

  def __call__(self, replay: Dict[str, tf.Tensor], probability: tf.Tensor,
               table_size: tf.Tensor, fresh: Optional[Dict[str, tf.Tensor]] = None):
    return self._step(replay, probability, table_size, fresh)

  def many(self, batches: List[Tuple]) -> Tuple[Dict[str, tf.Tensor], List[tf.Tensor]]:
    """len(batches) steps in one call, as that many calls of __call__ in order, each
    batch a tuple of its arguments: (the last step's metrics, each step's priorities).
    One call costs the Python and executor overhead of one (BENCHMARKS.md, session 24)."""
    return self._steps(tuple(tuple(batch) for batch in batches))
