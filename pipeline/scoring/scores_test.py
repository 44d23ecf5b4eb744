"""Per-seed and per-game scores against hand-worked numbers and scipy."""
import math

import numpy as np
import pytest
from scipy import stats

from pipeline.errors import PipelineError
from pipeline.scoring import scores


def test_sem_hand_worked():
  # [1, 2, 4]: mean 7/3, squared deviations 16/9 + 1/9 + 25/9 = 42/9, /(n-1) = 7/3,
  # SEM = sqrt(7/3) / sqrt(3) = sqrt(7) / 3.
  assert scores.sem([1.0, 2.0, 4.0]) == pytest.approx(math.sqrt(7) / 3, rel=1e-12)
  assert scores.sem([1.0, 2.0, 4.0]) == pytest.approx(stats.sem([1.0, 2.0, 4.0]), rel=1e-12)


def test_sem_of_one_seed_is_nan():
  assert math.isnan(scores.sem([5.0]))
  assert math.isnan(scores.sem([]))


def test_final_score_means_the_last_n_episodes():
  returns = np.arange(1.0, 11.0)  # 1..10
  assert scores.final_score(returns, 3) == 9.0          # (8 + 9 + 10) / 3
  assert scores.final_score(returns, 200) == 5.5        # fewer than N: all of them
  assert math.isnan(scores.final_score([], 200))
  with pytest.raises(PipelineError):
    scores.final_score(returns, 0)


def _episode(actor, index, frames, wall_time, ret, param_version=0):
  return {"actor_id": actor, "episode_index": index, "env_frames": frames,
          "wall_time": wall_time, "return": ret, "kind": "selfplay", "param_version": param_version}


def test_run_timeline_orders_by_time_and_sums_actor_frames():
  # env_frames is cumulative per actor; the run's frames are the sum over actors.
  episodes = [_episode(0, 0, 100, 1.0, 10.0), _episode(0, 1, 250, 3.0, 30.0),
              _episode(1, 0, 80, 2.0, 20.0), _episode(1, 1, 200, 4.0, 40.0)]
  frames, returns = scores.run_timeline(episodes)
  np.testing.assert_array_equal(frames, [100, 180, 330, 450])
  np.testing.assert_array_equal(returns, [10.0, 20.0, 30.0, 40.0])
  # The final 2 episodes are the last two to end, from both actors.
  assert scores.final_score(returns, 2) == 35.0


def test_run_timeline_breaks_wall_time_ties():
  # Equal (float32-rounded) wall times: the learner step, then the writer's frames order them.
  episodes = [_episode(0, 0, 100, 5.0, 1.0, 1), _episode(0, 1, 200, 5.0, 3.0, 2),
              _episode(1, 0, 150, 5.0, 2.0, 1), _episode(1, 1, 300, 5.0, 4.0, 2)]
  frames, returns = scores.run_timeline(episodes)
  np.testing.assert_array_equal(returns, [1.0, 2.0, 3.0, 4.0])
  np.testing.assert_array_equal(frames, [100, 250, 350, 500])


def test_game_stats_mean_sem_and_seed_count():
  rows = [scores.ScoreRow("pong", "muzero", "0", 1.0), scores.ScoreRow("pong", "muzero", "1", 2.0),
          scores.ScoreRow("pong", "muzero", "2", 4.0), scores.ScoreRow("pong", "muzero_pve", "0", 3.0)]
  out = scores.game_stats(rows)
  assert out[("pong", "muzero")].mean == pytest.approx(7 / 3)
  assert out[("pong", "muzero")].sem == pytest.approx(math.sqrt(7) / 3)
  assert out[("pong", "muzero")].seeds == 3
  assert out[("pong", "muzero_pve")].seeds == 1 and math.isnan(out[("pong", "muzero_pve")].sem)


def test_read_scores_csv(tmp_path):
  path = tmp_path / "s.csv"
  path.write_text("game,variant,seed,score\npong,muzero,0,-3.5\n\nﬁshing_derby,muzero_pve,1,2\n")
  rows = scores.read_scores_csv(str(path))
  assert rows == [scores.ScoreRow("pong", "muzero", "0", -3.5),
                  scores.ScoreRow("fishing_derby", "muzero_pve", "1", 2.0)]


@pytest.mark.parametrize("body, message", [
    ("game,variant,seed,score\npong,muzero,0,1\npong,muzero,1\n", ":3: expected 4 fields"),
    ("game,variant,seed,score\npong,muzero,0,abc\n", ":2: score 'abc' is not a number"),
    ("game,variant,seed,score\npong,muzero,0,nan\n", ":2: score 'nan' is not finite"),
    ("game,variant,seed,score\npong,muzero,0,1\npong,muzero,0,2\n", ":3: duplicate of line 2"),
    ("game,variant,score\npong,muzero,1\n", ":1: expected the header line"),
    ("game,variant,seed,score\n", "no score rows"),
])
def test_read_scores_csv_names_the_bad_line(tmp_path, body, message):
  path = tmp_path / "bad.csv"
  path.write_text(body)
  with pytest.raises(PipelineError, match=message):
    scores.read_scores_csv(str(path))


def test_read_scores_csv_missing_file(tmp_path):
  with pytest.raises(PipelineError, match="no such file"):
    scores.read_scores_csv(str(tmp_path / "nope.csv"))
