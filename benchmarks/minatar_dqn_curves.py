"""Reading the curves of `bench minatar_dqn`: MinAtar DQN's log lines and saved
per-episode data, and our MuZero run's records and greedy evaluations. Each
curve is [(wall seconds, frames, value)]."""
import csv
import json
import os
import re
import sys


NAMES = {"asterix": "Asterix", "breakout": "Breakout", "freeway": "Freeway", "seaquest": "Seaquest",
         "space_invaders": "SpaceInvaders"}
_DQN_LINE = re.compile(r"Episode (\d+) \| Return: ([-\d.e]+) \| Avg return: ([-\d.e]+) \| "
                       r"Frame: (\d+) \| Time per frame: ([\d.e-]+)")


def dqn_curve(log_text: str):
  """[(wall seconds, frames, running average return)] from dqn.py's log lines."""
  return [(int(m.group(4)) * float(m.group(5)), int(m.group(4)), float(m.group(3)))
          for m in _DQN_LINE.finditer(log_text)]


def _seconds_per_frame(log_text: str) -> float:
  """The seconds per frame of dqn.py's last log line (nan without one)."""
  per_frame = re.findall(r"Avg return: [-\d.e]+ \| Time per frame: ([\d.e-]+)", log_text)
  return float(per_frame[-1]) if per_frame else float("nan")


def dqn_episode_curve(episodes_csv: str, log_text: str):
  """[(wall seconds, frames, running average)] after each DQN episode, from its saved
  per-episode data; wall = frames x the seconds per frame of its final log line."""
  seconds_per_frame = _seconds_per_frame(log_text)
  rows = list(csv.DictReader(open(episodes_csv)))
  out, avg = [], 0.0
  for i, row in enumerate(rows):
    end = int(rows[i + 1]["frame_at_start"]) if i + 1 < len(rows) else None
    if end is None:
      break  # the last episode was cut by NUM_FRAMES
    avg = 0.99 * avg + 0.01 * float(row["return"])
    out.append((end * seconds_per_frame, end, avg))
  return out


def dqn_greedy(greedy_csv: str, log_text: str, frames: int):
  """[(wall seconds, frames, mean greedy return)]: one point, DQN's final network after
  `frames` (the runner's greedy episodes); wall as in dqn_episode_curve. [] without the file."""
  if not os.path.exists(greedy_csv):
    return []
  returns = [float(r["return"]) for r in csv.DictReader(open(greedy_csv))]
  seconds_per_frame = _seconds_per_frame(log_text)
  return [(frames * seconds_per_frame, frames, sum(returns) / len(returns))] if returns else []


STARTED_AT = "muzero_started_at.json"  # in a bench workdir: when the bench launched MuZero


def started_at(bench_workdir: str):
  """The unix time the bench launched MuZero, or None (runs made before it recorded it)."""
  path = os.path.join(bench_workdir, STARTED_AT)
  return json.load(open(path))["unix_seconds"] if os.path.exists(path) else None


def self_play_curve(walls, frames, returns, start=None):
  """[(wall s, frames, running average 0.99 of the returns)] at each episode's end, the wall
  counted from start (unix s; None: from the first episode's end)."""
  origin = walls[0] if start is None and len(walls) else start
  play, avg = [], 0.0
  for wall, f, g in zip(walls, frames, returns):
    avg = 0.99 * avg + 0.01 * g
    play.append((wall - origin, int(f), avg))
  return play


def muzero_curves(workdir: str, start=None):
  """(self-play [(wall s, frames, running average)], eval [(wall s, frames, mean return)]):
  the self-play curve as self_play_curve makes it from start, the evaluations as
  muzero_evals reads them."""
  sys.path.insert(0, os.getcwd())
  from pipeline import records
  from pipeline.scoring.scores import run_timeline
  pointer = os.path.join(workdir, "records")
  episodes = records.read_episodes(open(pointer).read().strip(), kind="selfplay") if os.path.exists(pointer) else []
  frames, returns = run_timeline(episodes)
  walls = sorted(e["wall_time"] for e in episodes)
  play = self_play_curve(walls, frames, returns, start)
  return play, muzero_evals(workdir, play)


def muzero_evals(workdir: str, play):
  """[(wall s, frames, mean greedy return)]: eval/curve.csv's periodic evaluations, then the
  final one of result.json (its wall includes the evaluation) or, for a run stopped before its
  end, eval/summary.json's (the evaluate stage on its newest checkpoint) placed at play's
  last point."""
  evals = []
  path = os.path.join(workdir, "eval", "curve.csv")
  if os.path.exists(path):
    for row in csv.DictReader(open(path)):
      evals.append((float(row["wall_seconds"]), int(row["env_frames"]), float(row["eval_return_mean"])))
  result = os.path.join(workdir, "result.json")
  at_deadline = os.path.join(workdir, "eval", "summary.json")
  if os.path.exists(result):  # the final evaluation, after the last learner step
    r = json.load(open(result))
    evals.append((float(r["wall_seconds"]), int(r["env_frames"]), float(r["eval_return_mean"])))
  elif os.path.exists(at_deadline) and play:
    r = json.load(open(at_deadline))
    evals.append((play[-1][0], play[-1][1], float(r["eval_return_mean"])))
  return evals
