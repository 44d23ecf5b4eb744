"""Aggregate (normalised) scores over games with rliable interval estimates.

Per variant, a score matrix [runs, games] (runs = seeds) gives, as rliable
defines them: median and mean over games of the per-game mean score, the
interquartile mean (IQM) over all run x game scores, and the optimality gap
(mean over all scores of max(0, 1 - score): how far below the reference, 1,
the runs fall). Between two variants, the probability of improvement
P(X > Y): the Mann-Whitney probability that a run of X beats a run of Y on a
game, averaged over games. Confidence intervals are
percentile stratified-bootstrap intervals (rliable.library.get_interval_estimates):
runs are resampled within each game. With one run per game that bootstrap
has nothing to resample, so games are resampled too (task_bootstrap) and the
result says so.

rliable draws from numpy's global generator: `seed` seeds it afresh for each
variant (so a variant's interval does not depend on which others are listed)
and the previous global state is restored afterwards.
"""
import contextlib
from typing import Dict, List, NamedTuple, Sequence, Tuple

import numpy as np

METRICS = ("median", "mean", "iqm", "optimality_gap")


class Estimate(NamedTuple):
  point: float
  low: float
  high: float


@contextlib.contextmanager
def seeded_global_rng(seed: int):
  state = np.random.get_state()
  np.random.seed(seed)
  try:
    yield
  finally:
    np.random.set_state(state)


def score_matrix(scores_by_game: Dict[str, Sequence[float]], games: Sequence[str]) -> np.ndarray:
  """[runs, games] matrix of per-seed scores; runs = the fewest seeds any game has.

  rliable needs a rectangle: a game with more seeds than that contributes its
  first ones (callers pass them in seed order). Runs need not be the same
  seed across games: the stratified bootstrap resamples runs per game.
  """
  k = min(len(scores_by_game[g]) for g in games) if games else 0
  return np.asarray([[scores_by_game[g][i] for g in games] for i in range(k)],
                    dtype=np.float64).reshape(k, len(games))


def _metrics():
  from rliable import metrics  # imported lazily: rliable pulls in arch (slow)
  return metrics


def aggregate(scores: np.ndarray) -> np.ndarray:
  """[median, mean, iqm, optimality gap] of a [runs, games] matrix, as rliable.metrics defines them."""
  m = _metrics()
  return np.array([m.aggregate_median(scores), m.aggregate_mean(scores), m.aggregate_iqm(scores),
                   m.aggregate_optimality_gap(scores)])


def probability_of_improvement(x: np.ndarray, y: np.ndarray, reps: int = 2000, ci: float = 0.95,
                               seed: int = 0) -> Estimate:
  """P(X > Y) of two [runs, games] matrices (same games, any runs) with a
  percentile stratified-bootstrap CI (runs of each resampled independently
  within each game), through rliable."""
  from rliable import library  # lazily, as above
  m = _metrics()
  func = lambda a, b: np.array([m.probability_of_improvement(a, b)])
  with seeded_global_rng(seed):
    points, intervals = library.get_interval_estimates(
        {"pair": (x, y)}, func, reps=reps, confidence_interval_size=ci)
  low, high = np.asarray(intervals["pair"]).reshape(2)
  return Estimate(float(np.asarray(points["pair"]).reshape(())), float(low), float(high))


def median_curve(scores: np.ndarray) -> np.ndarray:
  """[T] median over games of the per-game mean, for a [runs, games, T] array."""
  m = _metrics()
  return np.array([m.aggregate_median(scores[..., t]) for t in range(scores.shape[-1])])


def iqm_curve(scores: np.ndarray) -> np.ndarray:
  """[T] IQM over all runs x games, for a [runs, games, T] array."""
  m = _metrics()
  return np.array([m.aggregate_iqm(scores[..., t]) for t in range(scores.shape[-1])])


def needs_task_bootstrap(matrices: Dict[str, np.ndarray]) -> bool:
  """True when some variant has a single run per game (nothing to resample in runs)."""
  return any(m.shape[0] < 2 for m in matrices.values())


def bootstrap(matrices: Dict[str, np.ndarray], func, reps: int, ci: float, seed: int,
              task_bootstrap: bool) -> Dict[str, Tuple[np.ndarray, np.ndarray, np.ndarray]]:
  """{variant: (point [M], low [M], high [M])} of func through rliable."""
  from rliable import library  # lazily, as above
  out = {}
  for variant, x in matrices.items():
    with seeded_global_rng(seed):  # per variant: its CI does not depend on the others
      points, intervals = library.get_interval_estimates(
          {variant: x}, func, reps=reps, confidence_interval_size=ci, task_bootstrap=task_bootstrap)
    out[variant] = (np.asarray(points[variant]), *np.asarray(intervals[variant]))
  return out


def interval_estimates(matrices: Dict[str, np.ndarray], reps: int = 2000, ci: float = 0.95,
                       seed: int = 0) -> Tuple[Dict[str, Dict[str, Estimate]], bool]:
  """({variant: {metric: Estimate}}, task_bootstrap used) for [runs, games] matrices."""
  task = needs_task_bootstrap(matrices)
  raw = bootstrap({v: m for v, m in matrices.items() if m.size}, aggregate, reps, ci, seed, task)
  nan = Estimate(float("nan"), float("nan"), float("nan"))
  out = {}
  for variant in matrices:
    if variant not in raw:
      out[variant] = {k: nan for k in METRICS}
      continue
    p, lo, hi = raw[variant]
    out[variant] = {k: Estimate(float(p[i]), float(lo[i]), float(hi[i])) for i, k in enumerate(METRICS)}
  return out, task


def bootstrap_label(task_bootstrap: bool, reps: int, ci: float) -> str:
  what = "runs and games (one run per game)" if task_bootstrap else "runs within each game"
  return f"{ci:.0%} percentile stratified-bootstrap CIs over {what}, {reps} reps (rliable)"


def common_games(per_variant: Dict[str, Dict[str, List[float]]]) -> List[str]:
  """Games that every variant has at least one score for, sorted."""
  sets = [set(g for g, s in games.items() if len(s)) for games in per_variant.values()]
  return sorted(set.intersection(*sets)) if sets else []
