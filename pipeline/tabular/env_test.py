"""The dm_env Four Rooms: registry, specs, and sampled dynamics vs the matrices."""
import dm_env
import numpy as np

from pipeline.envs import registry
from pipeline.envs import gridworld


def test_registered_and_starts_bottom_left_when_evaluating():
  env = registry.make("FourRooms", seed=0, training=False)
  ts = env.reset()
  assert ts.first() and ts.observation.shape == (104,) and ts.observation.sum() == 1
  assert env.state == env.mdp.state_of(*gridworld.BOTTOM_LEFT)
  assert env.action_spec().num_values == 4


def test_transition_frequencies_match_exact_matrices():
  env = registry.make("FourRooms", seed=1, training=False, max_steps=10 ** 9)
  mdp = env.mdp
  s0 = mdp.state_of(6, 2)  # the doorway: down w.p. 0.8, stays w.p. 2 * 0.2/3
  counts, n = np.zeros(104), 6000
  for _ in range(n):
    env.reset()
    env._state = s0  # pylint: disable=protected-access
    env.step(1)
    counts[env.state] += 1
  assert np.max(np.abs(counts / n - mdp.P[1, s0])) < 0.025


def test_goal_reward_and_truncation():
  env = registry.make("FourRooms", seed=2, start=(1, 10), max_steps=3)
  env.reset()
  rewards, ts = [], None
  for _ in range(3):
    ts = env.step(3)
    rewards.append(ts.reward)
    if env.state == env.mdp.goal:
      assert ts.reward == 1.0
  assert ts.last() and ts.discount == 1.0 and ts.step_type == dm_env.StepType.LAST
  assert env.step(0).first()  # auto-reset after the end
