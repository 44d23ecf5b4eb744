"""Gymnasium games as dm_env environments (CartPole-v1 here; LunarLander-v3,
with its own state save/restore, in lunar_lander.py).

Truncation at the time limit ends the episode with discount 1 (the state was
not terminal); termination ends it with discount 0.
"""
import dm_env
import gymnasium
import numpy as np
from dm_env import specs

from pipeline.envs import registry


class GymEnv(dm_env.Environment):
  """A gymnasium env with a Discrete action space and a Box observation."""

  def __init__(self, gym_id: str, seed: int, max_episode_steps: int = 0):
    """max_episode_steps: the time limit (0: the game's own)."""
    limit = {"max_episode_steps": max_episode_steps} if max_episode_steps else {}
    self._env = gymnasium.make(gym_id, **limit)
    self._seed = seed
    self._needs_seed = True
    self._reset_next = True

  def reset(self) -> dm_env.TimeStep:
    obs, _ = self._env.reset(seed=self._seed if self._needs_seed else None)
    self._needs_seed = False
    self._reset_next = False
    return dm_env.restart(np.asarray(obs, np.float32))

  def step(self, action) -> dm_env.TimeStep:
    if self._reset_next:
      return self.reset()
    obs, reward, terminated, truncated, _ = self._env.step(int(action))
    obs = np.asarray(obs, np.float32)
    if terminated:
      self._reset_next = True
      return dm_env.termination(reward, obs)
    if truncated:
      self._reset_next = True
      return dm_env.truncation(reward, obs)
    return dm_env.transition(reward, obs)

  def observation_spec(self):
    space = self._env.observation_space
    return specs.Array(space.shape, np.float32, name="observation")

  def action_spec(self):
    return specs.DiscreteArray(int(self._env.action_space.n), name="action")

  # State save/restore (the analyses use the true environment as a model).
  # CartPole's steps_beyond_terminated is part of the state: once set, a
  # terminating step pays reward 0, so a restored state must bring it back.
  def get_state(self):
    unwrapped = self._env.unwrapped
    return (np.array(unwrapped.state, copy=True), self._env._elapsed_steps,
            self._reset_next, getattr(unwrapped, "steps_beyond_terminated", None))

  def set_state(self, state):
    physics, elapsed, reset_next, beyond = state
    self._env.unwrapped.state = np.array(physics, copy=True)
    self._env._elapsed_steps = elapsed
    self._reset_next = reset_next
    if hasattr(self._env.unwrapped, "steps_beyond_terminated"):
      self._env.unwrapped.steps_beyond_terminated = beyond

  def close(self):
    self._env.close()


registry.register("CartPole-v1",
                  lambda seed, training=True, **kw: GymEnv("CartPole-v1", seed, **kw))
