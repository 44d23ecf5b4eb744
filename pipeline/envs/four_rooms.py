"""Stochastic Four Rooms (PVE paper, appendix A.3.3) as a dm_env.Environment.

    env = registry.make("FourRooms", seed=0)            # training: random start
    env = registry.make("FourRooms", seed=0, training=False)  # bottom-left start

Observation: one-hot float32 [104] of the agent's cell. Actions: 0 up, 1 down,
2 left, 3 right; the intended move happens w.p. 0.8, each other w.p. 0.2/3.
Reward 1 on every transition into the goal cell. The task never ends on its
own; an episode is truncated (discount 1) after `max_steps` steps. Transitions
are sampled from the same matrices as pipeline.envs.gridworld.four_rooms().
"""
import dm_env
import numpy as np
from dm_env import specs

from pipeline.envs import registry
from pipeline.envs import gridworld


class FourRooms(dm_env.Environment):
  """Four Rooms with start `start`: 'random' (uniform free cell) or (row, col)."""

  def __init__(self, seed=0, start=gridworld.BOTTOM_LEFT, max_steps=100, p_intended=0.8):
    self._mdp = gridworld.four_rooms(p_intended=p_intended)
    self._cdf = np.cumsum(self._mdp.P, axis=-1)
    self._cdf[..., -1] = 1.0
    self._rng = np.random.default_rng(seed)
    self._start = start
    self._max_steps = int(max_steps)
    self._state, self._t, self._needs_reset = 0, 0, True

  @property
  def mdp(self):
    return self._mdp

  @property
  def state(self) -> int:
    return self._state

  def _obs(self):
    obs = np.zeros(self._mdp.num_states, np.float32)
    obs[self._state] = 1.0
    return obs

  def reset(self) -> dm_env.TimeStep:
    if self._start == "random":
      self._state = int(self._rng.integers(self._mdp.num_states))
    else:
      self._state = self._mdp.state_of(*self._start)
    self._t, self._needs_reset = 0, False
    return dm_env.restart(self._obs())

  def step(self, action) -> dm_env.TimeStep:
    if self._needs_reset:
      return self.reset()
    u = self._rng.uniform()
    self._state = int(np.argmax(self._cdf[int(action), self._state] > u))
    self._t += 1
    reward = 1.0 if self._state == self._mdp.goal else 0.0
    if self._t >= self._max_steps:
      self._needs_reset = True
      return dm_env.truncation(reward, self._obs())
    return dm_env.transition(reward, self._obs())

  def observation_spec(self):
    return specs.BoundedArray((self._mdp.num_states,), np.float32, 0.0, 1.0, "cell")

  def action_spec(self):
    return specs.DiscreteArray(self._mdp.num_actions, name="action")


def make(seed, training=True, **kwargs):
  """Registry factory: training starts anywhere, evaluation bottom-left (unless given)."""
  kwargs.setdefault("start", "random" if training else gridworld.BOTTOM_LEFT)
  return FourRooms(seed=seed, **kwargs)


registry.register("FourRooms", make)
