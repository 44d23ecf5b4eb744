"""Wilcoxon signed-rank test between two variants over games (scipy).

The paper's protocol: one number per game and variant (the per-game mean
score, raw, not normalised), paired by game; two-sided; zero differences
dropped (zero_method="wilcox"), so `n` counts the games with a non-zero
difference. The method is chosen explicitly (and recorded) rather than left
to scipy's version-dependent "auto":
  * exact null distribution when n <= 50 and the |differences| have no ties;
  * a permutation test over all 2^n sign flips (exact) when ties and n <= 13;
  * else the normal approximation without continuity correction (scipy's
    default; it is what gives the paper's p = 0.044 over its 57 games, n = 53).
"""
from typing import Dict, List, NamedTuple

import numpy as np
from scipy import stats


class WilcoxonResult(NamedTuple):
  p: float            # two-sided p-value; NaN when n == 0
  statistic: float    # scipy's statistic: min(W+, W-) for two-sided
  n: int              # games used: paired games with a non-zero difference
  n_paired: int       # games with a value for both variants
  zero_dropped: int   # paired games whose difference is exactly zero
  wins: int           # games where the treatment's value is higher
  losses: int         # games where it is lower
  method: str         # "exact" | "permutation" | "normal approximation" | "none"
  games: List[str]    # the paired games, sorted


def choose_method(abs_diffs: np.ndarray) -> str:
  """The test's method for non-zero |differences| (see module docstring)."""
  n = abs_diffs.size
  has_ties = np.unique(abs_diffs).size < n
  if n <= 50 and not has_ties:
    return "exact"
  if n <= 13:
    return "permutation"
  return "normal approximation"


def wilcoxon_test(baseline: Dict[str, float], treatment: Dict[str, float]) -> WilcoxonResult:
  """Two-sided signed-rank test of treatment - baseline over the games both have."""
  games = sorted(set(baseline) & set(treatment))
  x = np.asarray([baseline[g] for g in games], dtype=np.float64)
  y = np.asarray([treatment[g] for g in games], dtype=np.float64)
  d = y - x
  nonzero = d[d != 0]
  n = int(nonzero.size)
  wins, losses = int(np.sum(d > 0)), int(np.sum(d < 0))
  common = dict(n=n, n_paired=len(games), zero_dropped=len(games) - n, wins=wins,
                losses=losses, games=games)
  if n == 0:
    return WilcoxonResult(p=float("nan"), statistic=float("nan"), method="none", **common)
  method = choose_method(np.abs(nonzero))
  scipy_method = {"exact": "exact", "permutation": stats.PermutationMethod(n_resamples=2**n),
                  "normal approximation": "asymptotic"}[method]
  res = stats.wilcoxon(nonzero, zero_method="wilcox", correction=False,
                       alternative="two-sided", method=scipy_method)
  return WilcoxonResult(p=float(res.pvalue), statistic=float(res.statistic), method=method, **common)
