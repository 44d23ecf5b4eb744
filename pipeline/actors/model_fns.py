"""The network as the search sees it: compiled root and recurrent functions on numpy.

root(observations [B, *obs]) -> mcts.RootOutput
recurrent(latent [B, *L], action [B]) -> (mcts.RecurrentOutput, next latent)
The learned model has no terminal states: its discount is always 1 (the
search multiplies by config.discount).
"""
import numpy as np
import tensorflow as tf

from pipeline.networks.muzero_net import to_scalars
from pipeline.search import mcts


class ModelFns:

  def __init__(self, network):
    self.network = network
    self._initial = tf.function(lambda obs: to_scalars(network.initial_inference(obs)),
                                reduce_retracing=True)
    self._recurrent = tf.function(
        lambda latent, action: to_scalars(network.recurrent_inference(latent, action)),
        reduce_retracing=True)

  def root(self, observations: np.ndarray) -> mcts.RootOutput:
    out = self._initial(tf.convert_to_tensor(observations, tf.float32))
    return mcts.RootOutput(prior_logits=out.policy_logits.numpy(), value=out.value.numpy(),
                           embedding=out.latent.numpy())

  def recurrent(self, latent: np.ndarray, action: np.ndarray):
    out = self._recurrent(tf.convert_to_tensor(latent, tf.float32),
                          tf.convert_to_tensor(action, tf.int32))
    value = out.value.numpy()
    return (mcts.RecurrentOutput(reward=out.reward.numpy(), discount=np.ones_like(value),
                                 prior_logits=out.policy_logits.numpy(), value=value),
            out.latent.numpy())


def search_config(config, num_simulations=None) -> mcts.SearchConfig:
  s = config.search
  return mcts.SearchConfig(
      num_simulations=num_simulations or s.num_simulations, c1=s.c1, c2=s.c2,
      discount=config.discount, dirichlet_alpha=s.dirichlet_alpha,
      dirichlet_fraction=s.dirichlet_fraction, unvisited_q=s.unvisited_q)


def temperature(schedule, progress: float) -> float:
  """The temperature of the last schedule entry whose start <= progress in [0, 1]."""
  value = schedule[0][1]
  for start, temp in schedule:
    if progress >= start:
      value = temp
  return float(value)
