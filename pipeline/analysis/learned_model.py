"""MuZero's learned model with the same interface as the true one (true_model.py).

  predict_rewards(roots, actions [N, h]) -> predicted rewards [N, h]
      (Equation 4 of He et al.: u^k from the dynamics unrolled from h(s))
  root(roots) / recurrent(latent, action): functions for mcts.search, with
      prior "policy" (the policy head) or "uniform", and leaf values from the
      value head or, with rollout_horizon > 0, from random rollouts of that
      many model steps: sum_k discount^k u^k along uniformly random actions.

The learned model has no terminal states: its discount is always 1. Each
search call is one compiled graph (the rollout included).
"""
from typing import Optional

import numpy as np
import tensorflow as tf

from pipeline.analysis.roots import Roots
from pipeline.networks.value_transform import logits_to_scalar
from pipeline.search import base

PRIORS = ("policy", "uniform")


class LearnedModel:
  """A MuZeroNetwork as a model. rng draws the rollouts' random actions."""

  needs_env_state = False  # roots need observations only

  def __init__(self, network, discount: float, prior: str = "policy", rollout_horizon: int = 0,
               rng: Optional[np.random.Generator] = None, chunk: int = 4096):
    if prior not in PRIORS:
      raise ValueError(f"prior must be one of {PRIORS}, got {prior!r}")
    self.network, self.discount, self.prior = network, discount, prior
    self.num_actions = network.num_actions
    self.rollout_horizon = max(int(rollout_horizon), 0)
    self.rng = rng if rng is not None else np.random.default_rng(0)
    self.chunk = chunk
    obs = tf.TensorSpec((None,) + tuple(network.observation_shape), tf.float32)
    latent = tf.TensorSpec((None,) + tuple(network.latent_shape), tf.float32)
    rollout = tf.TensorSpec((None, self.rollout_horizon), tf.int32)
    self._root = tf.function(self._root_graph, input_signature=[obs, rollout])
    self._policy = tf.function(lambda o: network.predict(network.representation(o))[0],
                               input_signature=[obs])
    self._step = tf.function(self._step_graph, input_signature=[
        latent, tf.TensorSpec((None,), tf.int32), rollout])
    self._reward_graphs = {}  # horizon -> compiled _rewards_graph

  # ---- graphs ---------------------------------------------------------------
  def _rollout_value(self, latent, actions):
    """latent [B, *L], actions [B, H] -> sum_k discount^k u^k [B]."""
    total = tf.zeros([tf.shape(latent)[0]])
    for k in range(self.rollout_horizon):
      latent, logits = self.network.dynamics(latent, actions[:, k])
      total += (self.discount ** k) * logits_to_scalar(logits)
    return total

  def _leaf(self, latent, value_logits, rollout_actions):
    if self.rollout_horizon > 0:
      return self._rollout_value(latent, rollout_actions)
    return logits_to_scalar(value_logits)

  def _root_graph(self, observations, rollout_actions):
    """-> latent [B, *L], policy logits [B, A], leaf value [B]."""
    latent = self.network.representation(observations)
    policy, value = self.network.predict(latent)
    return latent, policy, self._leaf(latent, value, rollout_actions)

  def _step_graph(self, latent, action, rollout_actions):
    """-> next latent, reward [B], policy logits [B, A], leaf value [B]."""
    latent, reward_logits = self.network.dynamics(latent, action)
    policy, value = self.network.predict(latent)
    return (latent, logits_to_scalar(reward_logits), policy,
            self._leaf(latent, value, rollout_actions))

  def _rewards_graph(self, observations, actions):
    """observations [N, *obs], actions [N, h] -> predicted rewards [N, h]."""
    latent = self.network.representation(observations)
    out = []
    for k in range(actions.shape[1]):
      latent, logits = self.network.dynamics(latent, actions[:, k])
      out.append(logits_to_scalar(logits))
    return tf.stack(out, axis=1)

  # ---- value errors ---------------------------------------------------------
  def predict_rewards(self, roots: Roots, actions: np.ndarray) -> np.ndarray:
    """Rewards [N, h] the model predicts along actions [N, h] from each root."""
    actions = np.asarray(actions, np.int32)
    h = actions.shape[1]
    if h not in self._reward_graphs:
      self._reward_graphs[h] = tf.function(self._rewards_graph, input_signature=[
          tf.TensorSpec((None,) + tuple(self.network.observation_shape), tf.float32),
          tf.TensorSpec((None, h), tf.int32)])
    parts = [self._reward_graphs[h](tf.constant(roots.observations[i:i + self.chunk], tf.float32),
                                    tf.constant(actions[i:i + self.chunk])).numpy()
             for i in range(0, len(actions), self.chunk)]
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(actions.shape)

  def policy_logits(self, observations: np.ndarray) -> np.ndarray:
    """The policy head at real observations [B, *obs] -> logits [B, A]."""
    return self._policy(tf.constant(observations, tf.float32)).numpy()

  # ---- search functions -----------------------------------------------------
  def _rollout_actions(self, batch: int):
    shape = (batch, self.rollout_horizon)
    return tf.constant(self.rng.integers(self.num_actions, size=shape) if self.rollout_horizon
                       else np.zeros(shape), tf.int32)

  def _prior(self, logits) -> np.ndarray:
    if self.prior == "uniform":
      return np.zeros(logits.shape, np.float32)
    return logits.numpy()

  def root(self, roots: Roots) -> base.RootOutput:
    obs = roots.observations
    latent, policy, value = self._root(tf.constant(obs, tf.float32),
                                       self._rollout_actions(len(obs)))
    return base.RootOutput(prior_logits=self._prior(policy), value=value.numpy(),
                           embedding=latent.numpy())

  def recurrent(self, latent: np.ndarray, action: np.ndarray):
    latent, reward, policy, value = self._step(
        tf.constant(latent, tf.float32), tf.constant(action, tf.int32),
        self._rollout_actions(len(action)))
    reward = reward.numpy()
    return (base.RecurrentOutput(reward=reward, discount=np.ones_like(reward),
                                 prior_logits=self._prior(policy), value=value.numpy()),
            latent.numpy())
