"""Environments by name: one registry for every game the project knows.

    env = registry.make("CartPole-v1", seed=0)          # a dm_env.Environment
    env = registry.make("MinAtar/Breakout", seed=3, training=False)

A module adds its games with `register(name, factory, config_keys=())`;
factories take `(seed, training, **kwargs)`. `config_keys` names the
config.env keys the factory accepts as keyword arguments: `env_kwargs(config)`
picks them from a run config, so every caller builds the env the config asks
for (the Atari preprocessing, frame stack, ...):

    env = registry.make(config.env.name, seed, training, **registry.env_kwargs(config))
    env = registry.make_from_config(config, seed, training)   # the same

An unknown name raises PipelineError listing the known ones.
"""
import importlib
from typing import Any, Callable, Dict, Sequence, Tuple

import dm_env

from pipeline.errors import PipelineError

_FACTORIES: Dict[str, Callable[..., dm_env.Environment]] = {}
_CONFIG_KEYS: Dict[str, Tuple[str, ...]] = {}
# Modules that register games; imported lazily so that e.g. ale-py is loaded
# only when an Atari game is asked for.
_PROVIDERS = ("pipeline.envs.gym", "pipeline.envs.lunar_lander", "pipeline.envs.minatar",
              "pipeline.envs.atari", "pipeline.envs.four_rooms")


def register(name: str, factory: Callable[..., dm_env.Environment],
             config_keys: Sequence[str] = ()) -> None:
  _FACTORIES[name] = factory
  _CONFIG_KEYS[name] = tuple(config_keys)


# Names whose provider is known from a prefix: only that module is imported
# (an Atari actor, or an env worker process, does not pay for MinAtar's imports).
_PREFIX_PROVIDERS = (("Atari/", "pipeline.envs.atari"), ("MinAtar/", "pipeline.envs.minatar"))


def _import_provider(module):
  try:
    importlib.import_module(module)
  except ModuleNotFoundError as e:
    if e.name != module:  # a provider exists but one of its imports is missing
      raise


def _load_providers(name=None):
  """Imports the providers: the one `name`'s prefix names if it registers it, else all."""
  if name is not None:
    if name in _FACTORIES:
      return
    for prefix, module in _PREFIX_PROVIDERS:
      if name.startswith(prefix):
        _import_provider(module)
        if name in _FACTORIES:
          return
  for module in _PROVIDERS:
    _import_provider(module)


def known_names():
  _load_providers()
  return sorted(_FACTORIES)


def make(name: str, seed: int, training: bool = True, **kwargs) -> dm_env.Environment:
  """Builds environment `name`, seeded; `training` selects training-time rules."""
  _load_providers(name)
  if name not in _FACTORIES:
    raise PipelineError(f"unknown environment {name!r}; known: {', '.join(sorted(_FACTORIES))}")
  return _FACTORIES[name](seed=seed, training=training, **kwargs)


def env_kwargs(config) -> Dict[str, Any]:
  """The keyword arguments of config.env.name's factory, from config.env.

  Only the keys the game registered (`config_keys`); tuples stay tuples.
  """
  make_name = config.env.name
  _load_providers(make_name)
  if make_name not in _FACTORIES:
    raise PipelineError(f"unknown environment {make_name!r}; known: {', '.join(sorted(_FACTORIES))}")
  out = {}
  for key in _CONFIG_KEYS[make_name]:
    if key in config.env:
      value = config.env[key]
      out[key] = tuple(value) if isinstance(value, list) else value
  return out


def make_from_config(config, seed: int, training: bool = True) -> dm_env.Environment:
  """make(config.env.name, seed, training, **env_kwargs(config))."""
  return make(config.env.name, seed=seed, training=training, **env_kwargs(config))
