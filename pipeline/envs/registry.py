"""Environments by name: one registry for every game the project knows.

    env = registry.make("CartPole-v1", seed=0)          # a dm_env.Environment
    env = registry.make("MinAtar/Breakout", seed=3, training=False)

A module adds its games with `register(name, factory)`; factories take
`(seed, training, **kwargs)`. An unknown name raises PipelineError listing
the known ones.
"""
import importlib
from typing import Callable, Dict

import dm_env

from pipeline.errors import PipelineError

_FACTORIES: Dict[str, Callable[..., dm_env.Environment]] = {}
# Modules that register games; imported lazily so that e.g. ale-py is loaded
# only when an Atari game is asked for.
_PROVIDERS = ("pipeline.envs.gym", "pipeline.envs.minatar", "pipeline.envs.atari",
              "pipeline.envs.four_rooms")


def register(name: str, factory: Callable[..., dm_env.Environment]) -> None:
  _FACTORIES[name] = factory


def _load_providers():
  for module in _PROVIDERS:
    try:
      importlib.import_module(module)
    except ModuleNotFoundError as e:
      if e.name != module:  # a provider exists but one of its imports is missing
        raise


def known_names():
  _load_providers()
  return sorted(_FACTORIES)


def make(name: str, seed: int, training: bool = True, **kwargs) -> dm_env.Environment:
  """Builds environment `name`, seeded; `training` selects training-time rules."""
  _load_providers()
  if name not in _FACTORIES:
    raise PipelineError(f"unknown environment {name!r}; known: {', '.join(sorted(_FACTORIES))}")
  return _FACTORIES[name](seed=seed, training=training, **kwargs)
