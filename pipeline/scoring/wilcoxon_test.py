"""The Wilcoxon test against enumeration of sign flips and the paper's p = 0.044."""
import itertools

import numpy as np
import pytest
from scipy import stats

from pipeline.scoring import reference
from pipeline.scoring.wilcoxon import wilcoxon_test


def enumerated_p(diffs):
  """Two-sided p of W+ by enumerating all 2^n sign patterns (midranks for ties)."""
  d = np.asarray([x for x in diffs if x != 0], dtype=float)
  ranks = stats.rankdata(np.abs(d))
  observed = ranks[d > 0].sum()
  totals = [sum(r for r, s in zip(ranks, signs) if s) for signs in itertools.product([0, 1], repeat=d.size)]
  totals = np.asarray(totals)
  eps = 1e-9
  p = 2 * min(np.mean(totals <= observed + eps), np.mean(totals >= observed - eps))
  return min(p, 1.0)


def _paired(diffs):
  base = {f"g{i}": 100.0 for i in range(len(diffs))}
  treat = {f"g{i}": 100.0 + d for i, d in enumerate(diffs)}
  return base, treat


def test_hand_worked_small_example():
  # Non-zero differences 1.5, -2.5, 3.5, 4.5, 6.5 -> ranks 1..5, W- = 2, W+ = 13.
  # Of the 32 sign patterns, 3 have W+ <= 2 ({}, {1}, {2}): p = 2 * 3/32 = 0.1875.
  base, treat = _paired([0.0, 1.5, -2.5, 3.5, 4.5, 0.0, 6.5])
  r = wilcoxon_test(base, treat)
  assert r.p == pytest.approx(0.1875)
  assert (r.n, r.n_paired, r.zero_dropped, r.wins, r.losses) == (5, 7, 2, 4, 1)
  assert r.method == "exact"


def test_exact_matches_enumeration():
  rng = np.random.default_rng(0)
  diffs = rng.normal(0.5, 1.0, size=10)
  r = wilcoxon_test(*_paired(diffs))
  assert r.method == "exact"
  assert r.p == pytest.approx(enumerated_p(diffs), rel=1e-9)


def test_ties_use_the_exact_permutation_distribution():
  diffs = [1.0, -1.0, 2.0, 3.0, -4.0, 5.0, 0.0, 6.0]
  r = wilcoxon_test(*_paired(diffs))
  assert r.method == "permutation" and r.n == 7
  assert r.p == pytest.approx(enumerated_p(diffs), rel=1e-9)


def test_only_games_both_variants_have_are_paired():
  r = wilcoxon_test({"a": 1.0, "b": 2.0, "c": 3.0}, {"a": 2.0, "b": 4.0, "d": 9.0})
  assert r.games == ["a", "b"] and r.n == 2


def test_no_nonzero_difference_gives_nan():
  r = wilcoxon_test({"a": 1.0}, {"a": 1.0})
  assert np.isnan(r.p) and r.n == 0 and r.method == "none"


def test_paper_table3_gives_the_published_p():
  t = reference.paper_table3()
  base = {g: row["muzero_mean"] for g, row in t.items()}
  treat = {g: row["muzero_pve_mean"] for g, row in t.items()}
  r = wilcoxon_test(base, treat)
  assert round(r.p, 3) == reference.PAPER_WILCOXON_P  # the paper's p = 0.044
  # 57 games, 4 with equal means (boxing, freeway, montezuma_revenge, venture).
  assert (r.n_paired, r.n, r.zero_dropped, r.wins, r.losses) == (57, 53, 4, 32, 21)
  assert r.method == "normal approximation"
