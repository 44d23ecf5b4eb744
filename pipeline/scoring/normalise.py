"""Per-game score normalisation, so that scores can be aggregated over games.

  * Atari games (ale-py ROM ids): human-normalised,
    (score - random) / (human - random), from MuZero's reference table by
    default or dqn_zoo's (`human_table="dqn_zoo"`).
  * CartPole-v1 and the MinAtar games, `other="reference"` (default):
    (score - random) / (reference - random), with the random score measured by
    the project (pipeline/data/random_baselines.csv, `./run.sh bench
    random_baseline`) and the reference a published score (MinAtar: DQN at 5M
    frames, read off Young & Tian's figure; CartPole: its maximal return 500).
    1 means "as good as the reference", 0 "as good as random play".
  * Any other game (no reference known), and every non-Atari game with
    `other="minmax"`: min-max over this comparison: 0 is
    the lowest and 1 the highest score any run of any variant had in that
    game, counting every point of the runs' training curves when there are
    curves (a study: 0 is then about the untrained agent, the analogue of
    Atari's random score) and the per-seed final scores otherwise (a scores
    CSV). Each game then weighs the same in the median/IQM and the variants
    share one scale (as Procgen's min-max normalisation, but with bounds from
    the study itself; they are recorded in summary.json, and they move when
    runs are added). If every score is the same, the range is 0 and all
    scores map to 0. `other="raw"` leaves the scores as they are.
The headline Wilcoxon test does not use these: it compares raw per-game means,
as the paper does (its p = 0.044 comes from raw scores). Normalising rescales
each game's difference and so changes the ranks of |differences| across
games; summary.json also records the test on the normalised means.
"""
from typing import Dict, Iterable, NamedTuple

import numpy as np

from pipeline.errors import PipelineError
from pipeline.scoring import reference

OTHER_MODES = ("reference", "minmax", "raw")


class Bounds(NamedTuple):
  """score -> (score - low) / (high - low); `kind` says where low/high came from."""
  low: float
  high: float
  kind: str  # "human" (low = random, high = human) | "reference" (low = random) | "minmax" | "raw"

  def apply(self, score):
    scale = self.high - self.low
    return (np.asarray(score, dtype=np.float64) - self.low) / (scale if scale != 0 else 1.0)


def game_bounds(game: str, scores: Iterable[float], human_table: str = reference.DEFAULT_HUMAN_TABLE,
                other: str = "reference") -> Bounds:
  """The normalisation of one game; `scores`: every score of it (all runs and variants)."""
  if other not in OTHER_MODES:
    raise PipelineError(f"unknown normalisation {other!r} for non-Atari games; known: {', '.join(OTHER_MODES)}")
  atari = reference.atari_game_id(game)
  if atari is not None:
    random_score, human_score = reference.human_random(human_table)[atari]
    return Bounds(random_score, human_score, "human")
  if other == "raw":
    return Bounds(0.0, 1.0, "raw")
  small = reference.small_game_reference(game) if other == "reference" else None
  if small is not None:
    return Bounds(small.random, small.reference, "reference")
  x = np.asarray(list(scores), dtype=np.float64)
  if x.size == 0:
    return Bounds(0.0, 1.0, "raw")
  return Bounds(float(np.min(x)), float(np.max(x)), "minmax")


def all_bounds(scores_by_game: Dict[str, Iterable[float]], human_table: str = reference.DEFAULT_HUMAN_TABLE,
               other: str = "reference") -> Dict[str, Bounds]:
  """{game: Bounds} for every game of {game: per-seed scores (all variants)}."""
  return {g: game_bounds(g, s, human_table, other) for g, s in scores_by_game.items()}


def describe(bounds: Dict[str, Bounds], human_table: str) -> str:
  """One line saying how the scores in the aggregates were normalised."""
  kinds = {b.kind for b in bounds.values()}
  parts = []
  if "human" in kinds:
    parts.append(f"Atari: human-normalised, human/random table '{human_table}' "
                 f"({reference.HUMAN_TABLES[human_table]})")
  if "reference" in kinds:
    sources = sorted({reference.small_game_reference(g).source for g, b in bounds.items()
                      if b.kind == "reference"})
    parts.append("small games: (score - random) / (reference - random), random measured "
                 f"({reference.RANDOM_BASELINES}), reference: {'; '.join(sources)}")
  if "minmax" in kinds:
    parts.append("other games: min-max over every score of the game in this comparison")
  if "raw" in kinds:
    parts.append("other games: raw scores")
  return "; ".join(parts) or "no games"
