"""The network as the search sees it: compiled root and recurrent functions on numpy.

root(observations [B, *obs]) -> base.RootOutput
recurrent(latent [B, *L], action [B]) -> (base.RecurrentOutput, next latent)
search(observations, search_config, noise=None) -> the whole search as one
  XLA program (pipeline/search/compiled.py), one per SearchConfig, built on
  first use; it reads the network's variables, so set_weights needs no
  recompilation.
`implementation` ("compiled", the default, or "reference": config key
search.implementation) tells acting.decide which search to run.
The learned model has no terminal states: its discount is always 1 (the
search multiplies by config.discount).
"""
import numpy as np
import tensorflow as tf

from pipeline.networks.muzero_net import to_scalars
from pipeline.search import compiled
from pipeline.search import base

IMPLEMENTATIONS = ("compiled", "reference")


class ModelFns:

  def __init__(self, network, implementation: str = "compiled"):
    if implementation not in IMPLEMENTATIONS:
      raise ValueError(f"implementation must be one of {IMPLEMENTATIONS}, got {implementation!r}")
    self.network = network
    self.implementation = implementation
    self._compiled = {}  # SearchConfig -> compiled.CompiledSearch
    self._initial = tf.function(lambda obs: to_scalars(network.initial_inference(obs)),
                                reduce_retracing=True)
    self._recurrent = tf.function(
        lambda latent, action: to_scalars(network.recurrent_inference(latent, action)),
        reduce_retracing=True)

  def root(self, observations: np.ndarray) -> base.RootOutput:
    out = self._initial(tf.convert_to_tensor(observations, tf.float32))
    return base.RootOutput(prior_logits=out.policy_logits.numpy(), value=out.value.numpy(),
                           embedding=out.latent.numpy())

  def recurrent(self, latent: np.ndarray, action: np.ndarray):
    out = self._recurrent(tf.convert_to_tensor(latent, tf.float32),
                          tf.convert_to_tensor(action, tf.int32))
    value = out.value.numpy()
    return (base.RecurrentOutput(reward=out.reward.numpy(), discount=np.ones_like(value),
                                 prior_logits=out.policy_logits.numpy(), value=value),
            out.latent.numpy())

  def search(self, observations: np.ndarray, search_config: base.SearchConfig,
             noise=None, invalid_actions=None) -> compiled.SearchOutput:
    """The compiled search from observations [B, *obs] (numpy in and out)."""
    if search_config not in self._compiled:
      self._compiled[search_config] = compiled.CompiledSearch(self.network, search_config)
    return self._compiled[search_config](observations, noise=noise,
                                         invalid_actions=invalid_actions)


def scheduled(schedule, progress: float) -> float:
  """The value of the last (start, value) entry of a step schedule whose start <=
  progress in [0, 1] (the first entry's before it): the acting temperature and epsilon."""
  value = schedule[0][1]
  for start, entry in schedule:
    if progress >= start:
      value = entry
  return float(value)
