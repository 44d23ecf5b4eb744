"""Lunar Lander (gymnasium's LunarLander-v3, Box2D) as a dm_env environment.

Observations [8] float32 (position, velocity, angle, angular velocity, the two
legs' ground contact); 4 actions (nothing, left engine, main engine, right
engine). Crashing or leaving the screen (reward -100) and coming to rest
(+100) terminate the episode (discount 0); the time limit, 1000 steps unless
`max_episode_steps` says otherwise, truncates it (discount 1).

Deterministic dynamics. The game's randomness comes from the env's RNG
(`np_random`): the terrain and the initial push at reset, and at every step,
whatever the action, two dispersion numbers that move where the engines'
impulses act (so they change the dynamics). The RNG is part of the saved
state: a state is

  (the RNG's state at the episode's reset, the actions taken since [n] bytes)

and `set_state` rebuilds the world from it: it resets with that RNG state and
replays the actions. Box2D gives bit-identical results for an identical
sequence of operations (same binary and CPU; lunar_lander_test.py checks it
against never-restored envs, also in another process), so a state's future
is a deterministic function of the actions taken from it, the dispersion
included, as He et al.'s analyses assume. The agent does not observe the
RNG: to it the engines are noisy.

A Box2D world cannot be copied (nor rebuilt exactly from positions and
velocities: contacts and joints carry warm-start impulses), so a restore
costs a reset plus one game step per action since it: 2.6-6.8, 13-19 and
27-41 ms at depths 100, 300 and 600, 26-68 us per action (medians of
`./run.sh bench lunar_restore` on the 2-core machine at load 6-8; about half
is Box2D's own step, the rest gymnasium's Python step).
When the env is already on the way to the saved state (same episode, its
actions a prefix of the saved ones) only the missing actions are stepped;
restoring the state the env is in costs nothing.
"""
from gymnasium.utils import seeding

from pipeline.envs import registry
from pipeline.envs.gym import GymEnv


class LunarLanderEnv(GymEnv):
  """LunarLander-v3 with exact state save/restore by replay."""

  def __init__(self, seed: int, max_episode_steps: int = 0):
    super().__init__("LunarLander-v3", seed, max_episode_steps)
    self._start = None            # the RNG's state at this episode's reset
    self._actions = bytearray()   # the actions since

  def reset(self):
    unwrapped = self._env.unwrapped
    if self._needs_seed:  # what reset(seed=...) does, here so that the start is seen
      unwrapped.np_random, _ = seeding.np_random(self._seed)
      self._needs_seed = False
    self._start = unwrapped.np_random.bit_generator.state
    self._actions = bytearray()
    return super().reset()

  def step(self, action):
    if self._reset_next:
      return self.reset()
    timestep = super().step(action)
    self._actions.append(int(action))
    return timestep

  def get_state(self):
    """(RNG state dict at the episode's reset, actions since as bytes)."""
    return self._start, bytes(self._actions)

  def set_state(self, state):
    start, actions = state
    self._needs_seed = False
    if start != self._start or not actions.startswith(self._actions):
      self._env.unwrapped.np_random.bit_generator.state = start
      self._env.reset()
      self._start, self._actions, self._reset_next = start, bytearray(), False
    for action in actions[len(self._actions):]:
      _, _, terminated, truncated, _ = self._env.step(action)
      self._reset_next = terminated or truncated
    self._actions[:] = actions


registry.register(
    "LunarLander-v3",
    lambda seed, training=True, **kw: LunarLanderEnv(seed, **kw),
    config_keys=("max_episode_steps",))
