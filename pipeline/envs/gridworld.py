"""The stochastic Four Rooms MDP as exact matrices (numpy only, no TF).

    mdp = four_rooms()
    mdp.P  # [A, S, S] row-stochastic; mdp.r  # [S, A] expected reward

Layout and dynamics are those published with the PVE paper's code (issue 5):
the intended move happens with probability 0.8, each other move with 0.2/3, a
move into a wall stays put; reward 1 for every transition whose next state is
the goal cell (staying in the goal included), so r(s, a) = P(goal | s, a).
"""
import dataclasses
from typing import Tuple

import numpy as np

LAYOUT = (
    "#############",
    "#.....#....G#",
    "#.....#.....#",
    "#...........#",
    "#.....#.....#",
    "#.....#.....#",
    "##.####.....#",
    "#.....###.###",
    "#.....#.....#",
    "#.....#.....#",
    "#...........#",
    "#.....#.....#",
    "#############",
)
# Actions: (d_row, d_col) for up, down, left, right.
MOVES = ((-1, 0), (1, 0), (0, -1), (0, 1))
ACTION_NAMES = ("up", "down", "left", "right")
BOTTOM_LEFT = (11, 1)


@dataclasses.dataclass(frozen=True)
class TabularMDP:
  """P: [A, S, S] with P[a, s, s'] = p(s'|s, a); r: [S, A]; cells: [S, 2] (row, col)."""
  P: np.ndarray
  r: np.ndarray
  gamma: float
  cells: np.ndarray
  layout: Tuple[str, ...] = ()
  goal: int = -1

  @property
  def num_states(self) -> int:
    return self.r.shape[0]

  @property
  def num_actions(self) -> int:
    return self.r.shape[1]

  def state_of(self, row: int, col: int) -> int:
    """Index of the free cell (row, col)."""
    hits = np.flatnonzero((self.cells[:, 0] == row) & (self.cells[:, 1] == col))
    if hits.size != 1:
      raise ValueError(f"({row}, {col}) is not a free cell")
    return int(hits[0])


def free_cells(layout=LAYOUT) -> np.ndarray:
  """[S, 2] (row, col) of the non-wall cells, row-major order."""
  return np.array([(i, j) for i, line in enumerate(layout)
                   for j, ch in enumerate(line) if ch != "#"], dtype=np.int64)


def _next_state(layout, index, row, col, move):
  nr, nc = row + move[0], col + move[1]
  return index[(row, col)] if layout[nr][nc] == "#" else index[(nr, nc)]


def transitions(layout=LAYOUT, p_intended=0.8) -> np.ndarray:
  """[A, S, S]: intended move w.p. p_intended, each other move w.p. (1-p)/(A-1)."""
  cells = free_cells(layout)
  index = {tuple(c): s for s, c in enumerate(cells)}
  num_a = len(MOVES)
  P = np.zeros((num_a, len(cells), len(cells)))
  for a in range(num_a):
    for s, (row, col) in enumerate(cells):
      for b, move in enumerate(MOVES):
        prob = p_intended if b == a else (1.0 - p_intended) / (num_a - 1)
        P[a, s, _next_state(layout, index, row, col, move)] += prob
  return P


def goal_state(layout=LAYOUT) -> int:
  cells = free_cells(layout)
  (row,), (col,) = np.nonzero(np.array([list(line) for line in layout]) == "G")
  return int(np.flatnonzero((cells[:, 0] == row) & (cells[:, 1] == col))[0])


def four_rooms(gamma=0.99, p_intended=0.8, layout=LAYOUT) -> TabularMDP:
  """The Four Rooms MDP of the PVE paper (104 states, 4 actions)."""
  P = transitions(layout, p_intended)
  goal = goal_state(layout)
  r = P[:, :, goal].T.copy()  # [S, A]: probability of landing in the goal
  return TabularMDP(P=P, r=r, gamma=gamma, cells=free_cells(layout),
                    layout=tuple(layout), goal=goal)
