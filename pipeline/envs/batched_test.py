"""BatchedEnv equals stepping the envs one by one, in this process and in worker processes."""
import numpy as np
import pytest

from pipeline import config_schema
from pipeline.envs import registry
from pipeline.envs.batched import BatchedEnv
from pipeline.errors import PipelineError

NAME = "Atari/breakout"
# A small frame cap and life-loss endings: several episode ends (and auto-resets) in 60 steps.
KWARGS = {"max_episode_frames": 120, "frame_stack": 2}
SEEDS = [11, 12, 13]


def _one_by_one(actions, active):
  envs = [registry.make(NAME, seed=s, training=True, **KWARGS) for s in SEEDS]
  timesteps = [env.reset() for env in envs]
  out = [list(timesteps)]
  for acts, mask in zip(actions, active):
    for i, env in enumerate(envs):
      if mask[i]:
        timesteps[i] = env.step(acts[i])
    out.append(list(timesteps))
  return out


def _batched(actions, active, num_workers):
  with BatchedEnv(NAME, SEEDS, training=True, env_kwargs=KWARGS, num_workers=num_workers) as envs:
    assert envs.num_envs == 3 and envs.frames_per_step == 4
    assert envs.observation_spec().shape == (96, 96, 4)
    obs, timesteps = envs.reset()
    out, stacks = [timesteps], [obs]
    for acts, mask in zip(actions, active):
      obs, timesteps = envs.step(acts, active=mask)
      out.append(timesteps)
      stacks.append(obs)
    # State save/restore through the batch.
    state = envs.get_state(2)
    a = envs.step(actions[0])[0][2]
    envs.set_state(2, state)
    b = envs.step(actions[0])[0][2]
    np.testing.assert_array_equal(a, b)
    assert len(envs.attr("game_ended")) == 3
  return out, stacks


def _assert_same(a, b):
  assert len(a) == len(b)
  for row_a, row_b in zip(a, b):
    for x, y in zip(row_a, row_b):
      assert (x.step_type, x.reward, x.discount) == (y.step_type, y.reward, y.discount)
      np.testing.assert_array_equal(x.observation, y.observation)


def test_batched_equals_one_by_one():
  rng = np.random.default_rng(0)
  actions = rng.integers(0, 4, (50, 3))
  active = rng.random((50, 3)) < 0.8
  active[:5] = True
  expected = _one_by_one(actions, active)
  assert any(ts.last() for row in expected for ts in row)  # episodes ended and restarted
  for num_workers in (0, 2):  # in this process; in 2 worker processes (2 + 1 envs)
    got, stacks = _batched(actions, active, num_workers)
    _assert_same(expected, got)
    for row, obs in zip(got, stacks):
      assert obs.shape == (3, 96, 96, 4) and obs.dtype == np.uint8
      np.testing.assert_array_equal(obs, np.stack([ts.observation for ts in row]))


def test_from_config_and_bad_input():
  c = config_schema.base_config()
  c.env.name = "Atari/pong"
  c.env.frame_stack = 1
  with BatchedEnv.from_config(c, seeds=[0, 1], training=False) as envs:
    obs, _ = envs.reset()
    assert obs.shape == (2, 96, 96, 2)
    with pytest.raises(PipelineError):
      envs.step([0, 1, 2])
  c.env.name = "CartPole-v1"
  with BatchedEnv.from_config(c, seeds=[0, 1, 2]) as envs:
    obs, _ = envs.reset()
    assert obs.shape == (3, 4) and envs.frames_per_step == 1
