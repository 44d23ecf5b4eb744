"""Per-seed and per-game scores, as the PVE paper computes them.

Per seed (one run): the mean return of its final N episodes (paper: N = 200,
config.scoring.final_episodes), episodes ordered by the time they ended.
Per game and variant: the mean over seeds, and the standard error of that
mean across seeds, std(ddof=1) / sqrt(n). With one seed the SEM is undefined:
NaN here, "n/a" in the Markdown/LaTeX tables, blank in the CSV.
"""
import csv
import math
import os
from typing import Dict, Iterable, List, NamedTuple, Sequence, Tuple

import numpy as np

from pipeline.errors import PipelineError
from pipeline.scoring.reference import canonical_name

SCORE_COLUMNS = ("game", "variant", "seed", "score")


class ScoreRow(NamedTuple):
  game: str
  variant: str
  seed: str
  score: float


class GameStat(NamedTuple):
  mean: float
  sem: float   # NaN with fewer than 2 seeds
  seeds: int


def sem(values: Sequence[float]) -> float:
  """Standard error of the mean, std(ddof=1) / sqrt(n); NaN for n < 2."""
  x = np.asarray(values, dtype=np.float64)
  if x.size < 2:
    return float("nan")
  return float(np.std(x, ddof=1) / math.sqrt(x.size))


def run_timeline(episodes: Iterable[Dict]) -> Tuple[np.ndarray, np.ndarray]:
  """(frames [E], returns [E]) of one run's episodes in the order they ended.

  Episodes are ordered by wall_time, then by the learner step of the
  parameters that played them, then by the writer's own frame count (records
  store wall_time as float32, which at today's Unix times is only good to
  128 s, so the tie-breaks decide most of the order between actors).
  `env_frames` in a record is cumulative per writer (actor), so the run's
  frame count when an episode ends is the sum over actors of each actor's
  latest cumulative count.
  """
  ordered = sorted(episodes, key=lambda e: (e["wall_time"], e.get("param_version", 0), e["env_frames"],
                                            e["actor_id"], e["episode_index"]))
  latest, total = {}, 0
  frames, returns = [], []
  for e in ordered:
    total += int(e["env_frames"]) - latest.get(e["actor_id"], 0)
    latest[e["actor_id"]] = int(e["env_frames"])
    frames.append(total)
    returns.append(float(e["return"]))
  return np.asarray(frames, dtype=np.int64), np.asarray(returns, dtype=np.float64)


def final_score(returns: Sequence[float], final_episodes: int) -> float:
  """Mean of the last `final_episodes` returns (all of them if fewer); NaN if none."""
  if final_episodes <= 0:
    raise PipelineError(f"final_episodes={final_episodes}; must be > 0")
  x = np.asarray(returns, dtype=np.float64)[-final_episodes:]
  return float(np.mean(x)) if x.size else float("nan")


def seed_sort_key(seed: str):
  """Numeric seeds in numeric order, then any others by name."""
  s = str(seed)
  return (0, int(s), "") if s.lstrip("-").isdigit() else (1, 0, s)


def game_stats(rows: Iterable[ScoreRow]) -> Dict[Tuple[str, str], GameStat]:
  """{(game, variant): GameStat(mean over seeds, SEM across seeds, number of seeds)}."""
  by_key: Dict[Tuple[str, str], List[float]] = {}
  for r in rows:
    by_key.setdefault((r.game, r.variant), []).append(r.score)
  return {k: GameStat(float(np.mean(v)), sem(v), len(v)) for k, v in by_key.items()}


def read_scores_csv(path: str) -> List[ScoreRow]:
  """Rows `game,variant,seed,score` (with that header) of an external scores file.

  Raises PipelineError naming the line of the first malformed row or duplicate.
  """
  if not os.path.isfile(path):
    raise PipelineError(f"{path}: no such file")
  rows, seen = [], {}
  with open(path, newline="", encoding="utf-8") as f:
    reader = csv.reader(f)
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != SCORE_COLUMNS:
      raise PipelineError(f"{path}:1: expected the header line {','.join(SCORE_COLUMNS)}, got {header}")
    for fields in reader:
      line = reader.line_num
      if not fields or all(not x.strip() for x in fields):
        continue
      if len(fields) != 4:
        raise PipelineError(f"{path}:{line}: expected 4 fields game,variant,seed,score, got {len(fields)}: {fields}")
      game, variant, seed, score = (x.strip() for x in fields)
      if not game or not variant or not seed:
        raise PipelineError(f"{path}:{line}: empty game, variant or seed: {fields}")
      try:
        value = float(score)
      except ValueError:
        raise PipelineError(f"{path}:{line}: score {score!r} is not a number")
      if not math.isfinite(value):
        raise PipelineError(f"{path}:{line}: score {score!r} is not finite")
      key = (canonical_name(game), variant, seed)
      if key in seen:
        raise PipelineError(f"{path}:{line}: duplicate of line {seen[key]} (game {game}, variant {variant}, seed {seed})")
      seen[key] = line
      rows.append(ScoreRow(*key, value))
  if not rows:
    raise PipelineError(f"{path}: no score rows after the header")
  return rows
