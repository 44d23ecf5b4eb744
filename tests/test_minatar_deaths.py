"""The SpaceInvaders death probe (benchmarks/minatar_deaths.py, its minatar_deaths_cause helpers) reads the game as
hand-made states say."""
import numpy as np

from benchmarks import minatar_deaths_cause
from pipeline.envs.minatar import MinAtarEnv


def _game():
  env = MinAtarEnv("space_invaders", seed=0, sticky_action_prob=0.0)
  env.reset()
  return env._env.env  # pylint: disable=protected-access


def test_a_bullet_on_the_cannon_is_a_bullet_death():
  game = _game()
  game.e_bullet_map[9, game.pos] = 1
  assert minatar_deaths_cause.space_invaders_cause(game, truncated=False) == "bullet"
  assert minatar_deaths_cause.space_invaders_cause(game, truncated=True) == "truncated"


def test_an_alien_death_after_a_real_game_of_doing_nothing():
  env = MinAtarEnv("space_invaders", seed=0, sticky_action_prob=0.0)
  env.reset()
  game, ts = env._env.env, None  # pylint: disable=protected-access
  for _ in range(5000):
    game.alien_shot_timer = 10 ** 9  # no bullets: only the aliens can end it
    ts = env.step(0)
    if ts.last():
      break
  assert ts.last() and ts.discount == 0
  assert minatar_deaths_cause.space_invaders_cause(game, truncated=False) == "alien"


def test_frames_in_column_counts_back_until_a_frame_without_a_bullet():
  empty = np.zeros((10, 10))
  def bullet(row, col):
    b = empty.copy()
    b[row, col] = 1
    return b
  history = [bullet(3, 4), empty, bullet(5, 4), bullet(6, 4), bullet(7, 2), bullet(8, 4)]
  assert minatar_deaths_cause.frames_in_column(history, 4) == 1  # the frame before had it in column 2
  assert minatar_deaths_cause.frames_in_column(history[:4], 4) == 2
  assert minatar_deaths_cause.frames_in_column(history, 2) == 0
