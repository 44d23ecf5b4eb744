"""The past-policies loss of Proper Value Equivalence (Grimm et al. 2021, A.4).

Every `interval` learner steps from `start_step` on (0: from the start) the
current value and policy heads are copied into a ring buffer of `size` snapshots (frozen, checkpointed). The extra loss
regresses each stored value head j, applied to the current model's latents
along the K-step unroll, onto a V-trace return for stored policy j computed
from the sequence's rewards, with importance ratios
rho_t = pi_j(a_t | s_t) / mu(a_t | s_t), mu the behaviour probability stored
with the trajectory:

  L_pp = w * mean_j sum_k s_k CE(two_hot(vs^j_{s+k}), v_j(latent_k)),

s_k the unroll step scales of the value loss; an episode's end absorbs as in
the main value targets (vs = 0 at a final observation after a termination). All stored heads are evaluated
at once with stacked weights (pipeline/networks/heads.py: one einsum per
layer). Gradients reach the representation and dynamics only.

`heads_per_step` = m > 0 evaluates m stored heads drawn uniformly without
replacement each step instead of all of them: an unbiased estimate of the
mean over heads at m/size of the cost (the paper, on TPUs, used all).

`sequences_per_step` = M > 0 computes the loss on the batch's first M
sequences only (a uniform subset: replay samples them independently), scaled
by B / M, and 0 on the others: an unbiased estimate of the batch's loss. The
V-trace targets need the current representation of every observation of a
sequence (B x L of them, forward only): with convolutional torsos and one
random unroll start per sequence that costs more than the whole main loss
(MinAtar: a step takes about 3x as long with the loss on), and M < B cuts it
to M / B. The paper (on TPUs) used every sequence.
"""
from typing import Dict, List, Tuple

import tensorflow as tf

from pipeline import parts
from pipeline.learner import losses
from pipeline.learner.vtrace import vtrace_returns
from pipeline.networks import value_transform
from pipeline.networks.heads import stacked_head_apply


def len_heads(stacked) -> int:
  """The number of heads in stacked weights [m, ...]."""
  return stacked[0].shape[0]


class PastPolicies(tf.Module):
  """The buffer of stored heads and the loss over it."""

  name = "past_policies"  # an auxiliary loss (pipeline/learner/auxiliary.py)

  def __init__(self, pc: parts.PastPoliciesConfig, network):
    super().__init__(name=self.name)
    self.config, self.network = pc, network
    self.size, self.interval, self.weight = pc.size, pc.interval, pc.weight
    self.start_step = pc.start_step
    stack = lambda ws: [tf.Variable(tf.zeros([pc.size] + w.shape.as_list()), trainable=False)
                        for w in ws]
    self.value_weights = stack(network.value_head.weights)
    self.policy_weights = stack(network.policy_head.weights)
    self.count = tf.Variable(0, dtype=tf.int32, trainable=False)       # valid snapshots
    self.next_slot = tf.Variable(0, dtype=tf.int32, trainable=False)   # ring position
    self.heads_per_step = pc.heads_per_step if 0 < pc.heads_per_step < pc.size else pc.size
    self.sequences_per_step = pc.sequences_per_step  # 0: all
    self.rng = tf.random.Generator.from_seed(pc.seed + 17)

  def parameters(self) -> List[tf.Variable]:
    return []  # the stored heads are frozen copies

  def checkpointables(self) -> Dict[str, tf.Module]:
    return {"past_policies": self}

  def push(self) -> None:
    """Stores the network's current value and policy heads (graph-safe)."""
    slot = self.next_slot.read_value()
    for stored, live in zip(self.value_weights + self.policy_weights,
                            self.network.value_head.weights + self.network.policy_head.weights):
      # A whole-variable assign (a sliced assign would not reach every mirror
      # of a MirroredVariable under tf.distribute).
      stored.assign(tf.tensor_scatter_nd_update(stored, [[slot]], tf.convert_to_tensor(live)[None]))
    self.next_slot.assign((slot + 1) % self.size)
    self.count.assign(tf.minimum(self.count + 1, self.size))

  def after_update(self, step: tf.Tensor) -> None:
    """Inside the compiled step: a snapshot every `interval` learner steps from `start_step`."""
    def push():
      self.push()
      return tf.no_op()
    step = tf.cast(step, tf.int64)
    due = tf.logical_and(tf.equal(step % self.interval, 0), step >= self.start_step)
    tf.cond(due, push, tf.no_op)

  def chosen_heads(self):
    """(value weights, policy weights, used [m]) of the m heads used this step."""
    if self.heads_per_step == self.size:
      used = tf.cast(tf.range(self.size) < self.count, tf.float32)
      return self.value_weights, self.policy_weights, used
    # m random valid slots (invalid ones sort last and are masked out by `used`).
    keys = tf.where(tf.range(self.size) < self.count, self.rng.uniform([self.size]), 2.0)
    slots = tf.argsort(keys)[: self.heads_per_step]
    pick = lambda ws: [tf.gather(w, slots) for w in ws]
    used = tf.cast(slots < self.count, tf.float32)
    return pick(self.value_weights), pick(self.policy_weights), used

  def returns(self, value_weights, policy_weights, flat_latents, sequences) -> tf.Tensor:
    """V-trace returns of the given stored heads: [m, B, L].

    flat_latents [B * L, D]: the current representation of every observation.
    """
    seq = sequences
    b, length = tf.shape(seq["reward"])[0], tf.shape(seq["reward"])[1]
    values = value_transform.logits_to_scalar(stacked_head_apply(value_weights, flat_latents))
    logits = stacked_head_apply(policy_weights, flat_latents)               # [m, B*L, A]
    taken = tf.one_hot(tf.reshape(seq["action"], [-1]), logits.shape[-1])    # [B*L, A]
    pi = tf.reduce_sum(tf.nn.softmax(logits) * taken[None], axis=-1)        # [P, B*L]
    shape = [len_heads(value_weights), b, length]
    values, pi = tf.reshape(values, shape), tf.reshape(pi, shape)
    mask, last = seq["mask"], seq["last"]
    # A transition t -> t+1 exists inside the sequence: a real, non-final step, not the last column.
    valid = mask * (1.0 - last) * tf.concat([tf.ones_like(mask[:, 1:]), tf.zeros_like(mask[:, :1])], 1)
    pc = self.config
    vs = vtrace_returns(values, seq["reward"], pc.discount * seq["discount"] * valid,
                        pi / tf.maximum(seq["behaviour"], 1e-6), valid[None], lambda_=1.0,
                        clip_rho=pc.clip_rho, clip_c=pc.clip_c)
    # An episode's final observation absorbs after a termination (its stored
    # discount is 0) and bootstraps from the stored head's value after a truncation.
    return vs * (mask * (1.0 - last * (1.0 - seq["discount"])))[None]

  def __call__(self, latents, batch, sequences) -> Tuple[tf.Tensor, Dict[str, tf.Tensor]]:
    """The weighted loss [N] of the N = B * S unrolls and metrics.

    latents: K+1 tensors [N, *latent] of the unrolls from batch.start [B, S]
    (row-major: sequence b's unrolls are rows b*S .. b*S + S - 1).
    """
    rows, b = self.sequences_per_step, sequences["observation"].shape[0]
    if rows and b is not None and rows < b:  # the first `rows` sequences, scaled by B / rows
      s = batch.start.shape[1]
      sub_batch = batch._replace(start=batch.start[:rows], weight=batch.weight[:rows])
      loss, metrics = self._loss({k: v[:rows] for k, v in sequences.items()},
                                 [l[: rows * s] for l in latents], sub_batch)
      loss = tf.concat([loss * (b / rows), tf.zeros([(b - rows) * s], loss.dtype)], 0)
      metrics["loss/past_policies"] = tf.concat(
          [metrics["loss/past_policies"] * (b / rows), tf.zeros([(b - rows) * s])], 0)
      return loss, metrics
    return self._loss(sequences, latents, batch)

  def _loss(self, sequences, latents, batch) -> Tuple[tf.Tensor, Dict[str, tf.Tensor]]:
    """__call__ on every sequence given."""
    obs = sequences["observation"]
    b, length = tf.shape(obs)[0], tf.shape(obs)[1]
    flat_obs = tf.reshape(obs, tf.concat([[b * length], tf.shape(obs)[2:]], 0))
    seq_latents = tf.stop_gradient(self.network.representation(tf.cast(flat_obs, tf.float32)))
    value_weights, policy_weights, used = self.chosen_heads()
    m = len_heads(value_weights)
    vs = self.returns(value_weights, policy_weights, tf.reshape(seq_latents, [b * length, -1]),
                      sequences)                                                  # [m, B, L]
    k1 = len(latents)
    idx = batch.start[..., None] + tf.range(k1)[None, None]                      # [B, S, K+1]
    targets = tf.gather(tf.transpose(vs, [1, 2, 0]), idx, batch_dims=1)          # [B, S, K+1, m]
    targets = tf.transpose(tf.reshape(targets, [-1, k1, m]), [2, 0, 1])          # [m, N, K+1]
    target_probs = value_transform.scalar_to_two_hot(targets, self.config.value_support)
    flat_unroll = tf.reshape(tf.stack(latents, 1), [-1, tf.reduce_prod(tf.shape(latents[0])[1:])])
    logits = stacked_head_apply([tf.stop_gradient(w) for w in value_weights], flat_unroll)
    logits = tf.reshape(logits, [m, -1, k1, logits.shape[-1]])
    ce = losses.cross_entropy(target_probs, logits)                              # [m, N, K+1]
    per_head = tf.reduce_sum(losses.step_scales(k1 - 1) * ce, axis=2)           # [m, N]
    loss = tf.reduce_sum(used[:, None] * per_head, 0) / tf.maximum(tf.reduce_sum(used), 1.0)
    metrics = {"loss/past_policies": loss,
               "past_policies/stored": tf.cast(self.count, tf.float32)}
    return self.weight * loss, metrics
