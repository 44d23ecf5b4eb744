"""The five MinAtar games as dm_env environments ("MinAtar/Breakout", ...).

Observations are [10, 10, channels] float32 in {0, 1}; the full action set of
6 actions is used for every game so that one network shape serves all five.
"""
import copy

import dm_env
import numpy as np
from dm_env import specs
from minatar import Environment as MinAtarEnvironment

from pipeline.envs import registry

GAMES = ("asterix", "breakout", "freeway", "seaquest", "space_invaders")
NAMES = {"asterix": "Asterix", "breakout": "Breakout", "freeway": "Freeway",
         "seaquest": "Seaquest", "space_invaders": "SpaceInvaders"}


class MinAtarEnv(dm_env.Environment):

  def __init__(self, game: str, seed: int, max_episode_steps: int = 0,
               sticky_action_prob: float = 0.1):
    """sticky_action_prob: MinAtar's chance of repeating the previous action (its
    default 0.1; 0: none)."""
    self._env = MinAtarEnvironment(game, sticky_action_prob=sticky_action_prob)
    self._env.seed(seed)
    self._max_steps = max_episode_steps or 100_000
    self._steps = 0
    self._reset_next = True

  def reset(self) -> dm_env.TimeStep:
    self._env.reset()
    self._steps = 0
    self._reset_next = False
    return dm_env.restart(self._obs())

  def _obs(self):
    return self._env.state().astype(np.float32)

  def step(self, action) -> dm_env.TimeStep:
    if self._reset_next:
      return self.reset()
    reward, terminal = self._env.act(int(action))
    self._steps += 1
    if terminal:
      self._reset_next = True
      return dm_env.termination(float(reward), self._obs())
    if self._steps >= self._max_steps:
      self._reset_next = True
      return dm_env.truncation(float(reward), self._obs())
    return dm_env.transition(float(reward), self._obs())

  def observation_spec(self):
    return specs.Array(self._env.state_shape(), np.float32, name="observation")

  def action_spec(self):
    return specs.DiscreteArray(self._env.num_actions(), name="action")

  def get_state(self):
    """A deep copy of the game, its RNG and the sticky action."""
    return copy.deepcopy((self._env.env, self._env.random, self._env.last_action,
                          self._steps, self._reset_next))

  def set_state(self, state):
    (self._env.env, self._env.random, self._env.last_action, self._steps,
     self._reset_next) = copy.deepcopy(state)
    self._env.env.random = self._env.random


for _game in GAMES:
  registry.register(
      f"MinAtar/{NAMES[_game]}",
      lambda seed, training=True, _g=_game, **kw: MinAtarEnv(_g, seed, **kw),
      config_keys=("max_episode_steps", "sticky_action_prob"))
