"""What ended a MinAtar SpaceInvaders game, read from the game's internals (pure helpers of
benchmarks/minatar_deaths.py, importable without its flags)."""
from typing import Sequence

import numpy as np


def space_invaders_cause(game, truncated: bool) -> str:
  """Why a MinAtar SpaceInvaders game (minatar's Env, after its last act()) ended."""
  if truncated:
    return "truncated"
  if game.e_bullet_map[9, game.pos]:
    return "bullet"
  return "alien"


def frames_in_column(bullet_maps: Sequence[np.ndarray], column: int) -> int:
  """How many of the last frames (bullet maps [10, 10], oldest first) had an enemy
  bullet in `column`, counted back from the newest until one had none."""
  count = 0
  for bullets in reversed(bullet_maps):
    if not np.asarray(bullets)[:, column].any():
      break
    count += 1
  return count
