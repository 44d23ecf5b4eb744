"""Auxiliary losses: extra terms of the learner's loss, as a list.

An auxiliary loss is an object with

    name: str                                  unique; its checkpoint and metric prefix
    __call__(latents, batch, sequences) -> (loss [N], {metric: [N] or []})
        latents: K+1 tensors [N, *latent] of the unrolls (gradients flow into them),
        batch: the UnrollBatch (batch.start [B, S]: the N = B * S unroll starts),
        sequences: the sampled sequences {field: [B, L, ...]} (pipeline/replay/spec.py);
        loss: each unroll's weighted loss, added to MuZero's before averaging
    parameters() -> [tf.Variable]              the loss's own trainable variables (may be []),
                                               trained with the network's
    checkpointables() -> {name: tf.Module}     state saved with the learner (may be {})
    after_update(step) -> None                 called in the compiled step after each update

`from_config(config, network)` builds the losses a parts.LearnerConfig turns on (the
past-policies loss of the PVE paper, EfficientZero's consistency loss);
TrainStep(..., auxiliary_losses=[...]) takes any list instead, so a new loss needs no
change to train_step.py.
"""
from typing import Dict, List, Protocol, Tuple

import tensorflow as tf

from pipeline import parts
from pipeline.learner.consistency import Consistency
from pipeline.learner.past_policies import PastPolicies


class AuxiliaryLoss(Protocol):
  name: str

  def __call__(self, latents, batch, sequences) -> Tuple[tf.Tensor, Dict[str, tf.Tensor]]:
    ...

  def parameters(self) -> List[tf.Variable]:
    ...

  def checkpointables(self) -> Dict[str, tf.Module]:
    ...

  def after_update(self, step: tf.Tensor) -> None:
    ...


def from_config(config: parts.LearnerConfig, network) -> List[AuxiliaryLoss]:
  """The auxiliary losses the learner's config enables, in a fixed order."""
  losses: List[AuxiliaryLoss] = []
  if config.past_policies is not None:
    losses.append(PastPolicies(config.past_policies, network))
  if config.consistency is not None:
    losses.append(Consistency(config.consistency, network))
  return losses


def parameters(losses: List[AuxiliaryLoss]) -> List[tf.Variable]:
  """The losses' own trainable variables, in the losses' order."""
  return [v for loss in losses for v in loss.parameters()]


def by_name(losses: List[AuxiliaryLoss]) -> Dict[str, AuxiliaryLoss]:
  """{name: loss}; ValueError on a repeated name (their checkpoints would collide)."""
  out: Dict[str, AuxiliaryLoss] = {}
  for loss in losses:
    if loss.name in out:
      raise ValueError(f"two auxiliary losses are named {loss.name!r}")
    out[loss.name] = loss
  return out
