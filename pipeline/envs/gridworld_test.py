"""Four Rooms matrices against hand-computed cells of the published layout."""
import numpy as np

from pipeline.envs import gridworld

STAY_TWO_WALLS = 0.8 + 0.2 / 3  # e.g. "up" in a corner: up and left both blocked
OTHER = 0.2 / 3


def test_104_states_and_row_stochastic():
  mdp = gridworld.four_rooms()
  assert mdp.num_states == 104 and mdp.num_actions == 4
  assert sum(line.count(".") + line.count("G") for line in gridworld.LAYOUT) == 104
  assert mdp.P.shape == (4, 104, 104) and mdp.r.shape == (104, 4)
  assert np.all(mdp.P >= 0)
  np.testing.assert_allclose(mdp.P.sum(-1), 1.0, atol=1e-12)


def test_corner_cell_by_hand():
  mdp = gridworld.four_rooms()
  s, down, right = mdp.state_of(1, 1), mdp.state_of(2, 1), mdp.state_of(1, 2)
  row = mdp.P[0, s]  # "up" from the top-left corner
  assert np.isclose(row[s], STAY_TWO_WALLS)
  assert np.isclose(row[down], OTHER) and np.isclose(row[right], OTHER)
  assert np.isclose(row.sum(), row[[s, down, right]].sum())


def test_doorway_by_hand():
  mdp = gridworld.four_rooms()
  s = mdp.state_of(6, 2)  # the door between the two left rooms
  row = mdp.P[1, s]  # "down"
  assert np.isclose(row[mdp.state_of(7, 2)], 0.8)
  assert np.isclose(row[mdp.state_of(5, 2)], OTHER)
  assert np.isclose(row[s], 2 * OTHER)  # left and right are walls


def test_goal_rewards_by_hand():
  mdp = gridworld.four_rooms()
  assert tuple(mdp.cells[mdp.goal]) == (1, 11)
  west = mdp.state_of(1, 10)
  assert np.isclose(mdp.r[west, 3], 0.8)           # right, into the goal
  assert np.isclose(mdp.r[west, 0], OTHER)         # up: only the slip right reaches it
  assert np.isclose(mdp.r[mdp.goal, 0], STAY_TWO_WALLS)  # staying in the goal pays
  far = mdp.state_of(11, 1)
  assert np.all(mdp.r[far] == 0)
