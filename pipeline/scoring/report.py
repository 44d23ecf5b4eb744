"""From per-seed scores to every table, summary.json and the printed summary.

    result = analyse(per_seed, stats, Options())       # numbers only
    summary = write_report(result, out_dir, ...)       # tables/*.md|csv|tex, summary.json
    print(format_summary(summary))

per_seed: {(game, variant): [(seed, score), ...]}, stats: {(game, variant): GameStat}.
"""
import dataclasses
import json
import math
import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from pipeline.errors import PipelineError
from pipeline.scoring import aggregates
from pipeline.scoring import normalise
from pipeline.scoring import reference
from pipeline.scoring import score_tables
from pipeline.scoring import settings
from pipeline.scoring.formats import Table, to_markdown, write_table
from pipeline.scoring.scores import GameStat, ScoreRow, seed_sort_key
from pipeline.scoring.wilcoxon import WilcoxonResult, wilcoxon_test

PerSeed = Dict[Tuple[str, str], List[Tuple[str, float]]]
DEFAULT_BASELINE, DEFAULT_TREATMENT = "muzero", "muzero_pve"


@dataclasses.dataclass
class Options:
  human_table: str = reference.DEFAULT_HUMAN_TABLE  # or "dqn_zoo"
  other: str = "reference"    # non-Atari games: "reference", "minmax" or "raw"
  reps: int = 2000            # bootstrap replications for the summary
  ci: float = 0.95
  seed: int = 0               # bootstrap seed
  baseline: str = ""          # "": "muzero" if present, else the first variant
  treatment: str = ""         # "": "muzero_pve" if present, else the first other variant
  curve_points: int = 50
  curve_reps: int = 500       # bootstrap replications per figure

  def __post_init__(self):
    if self.reps < 1 or self.curve_reps < 1:
      raise PipelineError(f"reps={self.reps}, curve_reps={self.curve_reps}; both must be >= 1")
    if not 0.0 < self.ci < 1.0:
      raise PipelineError(f"ci={self.ci}; must be in (0, 1)")
    if self.curve_points < 2:
      raise PipelineError(f"curve_points={self.curve_points}; must be >= 2")


@dataclasses.dataclass
class Analysis:
  variants: List[str]          # baseline first
  baseline: str
  treatment: str
  games: List[str]
  stats: Dict[Tuple[str, str], GameStat]
  bounds: Dict[str, normalise.Bounds]
  aggregate_games: List[str]
  estimates: Dict[str, Dict[str, aggregates.Estimate]]
  counts: Dict[str, Tuple[int, int]]   # variant -> (games, runs per game) in the aggregates
  task_bootstrap: bool
  matrices: Dict[str, np.ndarray]              # variant -> [runs, aggregate games] normalised scores
  improvement: Dict[str, aggregates.Estimate]  # P(variant > baseline) over the aggregate games
  tests: Dict[str, WilcoxonResult]             # raw per-game means, vs baseline
  tests_normalised: Dict[str, WilcoxonResult]  # normalised per-game means, vs baseline
  options: Options


def per_seed_from_rows(rows: Sequence[ScoreRow]) -> PerSeed:
  out: PerSeed = {}
  for r in rows:
    out.setdefault((r.game, r.variant), []).append((r.seed, r.score))
  return {k: sorted(v, key=lambda s: seed_sort_key(s[0])) for k, v in out.items()}


def order_variants(variants: Sequence[str], baseline: str, treatment: str) -> Tuple[List[str], str, str]:
  """(variants with the baseline first, baseline, treatment); PipelineError if one is unknown."""
  names = sorted(set(variants))
  for flag, v in (("baseline", baseline), ("treatment", treatment)):
    if v and v not in names:
      raise PipelineError(f"--{flag}={v!r} is not among the variants: {', '.join(names)}")
  base = baseline or (DEFAULT_BASELINE if DEFAULT_BASELINE in names else names[0])
  others = [v for v in names if v != base]
  treat = treatment or (DEFAULT_TREATMENT if DEFAULT_TREATMENT in others else (others[0] if others else ""))
  if treat and treat == base:
    raise PipelineError(f"baseline and treatment are both {base!r}")
  if treat:
    others = [treat] + [v for v in others if v != treat]
  return [base] + others, base, treat


def analyse(per_seed: PerSeed, stats: Dict[Tuple[str, str], GameStat], options: Options,
            curve_values: Optional[Dict[str, Sequence[float]]] = None) -> Analysis:
  """Normalisation, rliable aggregates and Wilcoxon tests for per-seed scores.

  curve_values: {game: training-curve values of every run}; where given they
  join the per-seed scores in setting a non-Atari game's min-max bounds.
  """
  if not per_seed:
    raise PipelineError("no scores to tabulate")
  variants, base, treat = order_variants([v for _, v in per_seed], options.baseline, options.treatment)
  games = sorted({g for g, _ in per_seed})
  all_scores = {g: [s for (gg, _), runs in per_seed.items() if gg == g for _, s in runs]
                + list((curve_values or {}).get(g, ())) for g in games}
  bounds = normalise.all_bounds(all_scores, options.human_table, options.other)
  by_variant = {v: {g: [s for _, s in per_seed.get((g, v), [])] for g in games} for v in variants}
  common = aggregates.common_games(by_variant)
  matrices = {v: aggregates.score_matrix({g: bounds[g].apply(by_variant[v][g]) for g in common}, common)
              for v in variants}
  estimates, task = aggregates.interval_estimates(matrices, options.reps, options.ci, options.seed)
  counts = {v: (len(common), int(matrices[v].shape[0])) for v in variants}
  improvement = {v: aggregates.probability_of_improvement(matrices[v], matrices[base], options.reps,
                                                          options.ci, options.seed)
                 for v in variants if v != base and matrices[v].size and matrices[base].size}
  mean_of = lambda v, norm: {g: (float(bounds[g].apply(stats[(g, v)].mean)) if norm else stats[(g, v)].mean)
                             for g in games if (g, v) in stats}
  tests = {v: wilcoxon_test(mean_of(base, False), mean_of(v, False)) for v in variants if v != base}
  tests_n = {v: wilcoxon_test(mean_of(base, True), mean_of(v, True)) for v in variants if v != base}
  return Analysis(variants, base, treat, games, stats, bounds, common, estimates, counts, task,
                  matrices, improvement, tests, tests_n, options)


def _json_number(x):
  if isinstance(x, (float, np.floating)):
    return None if math.isnan(x) else float(x)
  return x


def _test_json(t: WilcoxonResult) -> Dict:
  return {"p": _json_number(t.p), "n": t.n, "statistic": _json_number(t.statistic),
          "paired_games": t.n_paired, "zero_dropped": t.zero_dropped, "wins": t.wins,
          "losses": t.losses, "method": t.method}


def summary_dict(a: Analysis) -> Dict:
  """The JSON summary: wilcoxon_p, wilcoxon_n, variants {name: median, mean, iqm + CIs}, ..."""
  o = a.options
  variants = {}
  for v in a.variants:
    entry = {"games": a.counts[v][0], "runs_per_game": a.counts[v][1]}
    for m in aggregates.METRICS:
      e = a.estimates[v][m]
      entry[m] = _json_number(e.point)
      entry[f"{m}_ci"] = [_json_number(e.low), _json_number(e.high)]
    variants[v] = entry
  main = a.tests.get(a.treatment)
  main_n = a.tests_normalised.get(a.treatment)
  improvement = {v: {"point": _json_number(e.point), "ci": [_json_number(e.low), _json_number(e.high)]}
                 for v, e in a.improvement.items()}
  return {
      "variants": variants,
      "variant_names": a.variants,
      "baseline": a.baseline,
      "treatment": a.treatment,
      "probability_of_improvement": improvement.get(a.treatment),
      "probability_of_improvement_description": (
          f"P(variant > {a.baseline}) on the normalised scores of the aggregate games: the "
          "Mann-Whitney probability that a run of the variant beats a run of the baseline, averaged "
          "over games (rliable), with a stratified-bootstrap CI"),
      "probability_of_improvement_by_variant": improvement,
      "wilcoxon_p": _json_number(main.p) if main else None,
      "wilcoxon_n": main.n if main else 0,
      "wilcoxon_method": main.method if main else "none",
      "wilcoxon_statistic": _json_number(main.statistic) if main else None,
      "wilcoxon_paired_games": main.n_paired if main else 0,
      "wilcoxon_zero_dropped": main.zero_dropped if main else 0,
      "wilcoxon_p_normalised": _json_number(main_n.p) if main_n else None,
      "wilcoxon_test": ("scipy.stats.wilcoxon over games of the raw per-game mean scores, "
                        "treatment - baseline, two-sided, zero_method='wilcox' (zero differences dropped)"),
      "wilcoxon": {v: _test_json(t) for v, t in a.tests.items()},
      "wilcoxon_normalised": {v: _test_json(t) for v, t in a.tests_normalised.items()},
      "games": a.games,
      "aggregate_games": a.aggregate_games,
      "games_missing_from_aggregates": [g for g in a.games if g not in a.aggregate_games],
      "normalisation": {
          "description": normalise.describe(a.bounds, o.human_table),
          "human_table": o.human_table,
          "human_table_file": reference.HUMAN_TABLES[o.human_table],
          "other_games": o.other,
          "bounds": {g: {"kind": b.kind, "low": b.low, "high": b.high} for g, b in a.bounds.items()},
      },
      "bootstrap": {"reps": o.reps, "ci": o.ci, "seed": o.seed, "task_bootstrap": a.task_bootstrap,
                    "description": aggregates.bootstrap_label(a.task_bootstrap, o.reps, o.ci)},
  }


def summary_table_for(a: Analysis, name: str = "summary", caption_extra: str = "") -> Table:
  return score_tables.summary_table(
      a.estimates, a.variants, a.counts, a.tests, a.baseline, a.improvement,
      normalise.describe(a.bounds, a.options.human_table),
      aggregates.bootstrap_label(a.task_bootstrap, a.options.reps, a.options.ci), name, caption_extra)


def score_tables_for(a: Analysis, with_paper: Optional[bool] = None, caption_extra: str = "") -> List[Table]:
  t3 = score_tables.table3(a.stats, a.variants, a.games, with_paper, caption_extra)
  return [t3, summary_table_for(a)]


def settings_tables_for(runs: Sequence[Tuple[str, str, Dict]]) -> List[Table]:
  """Tables 1 and 2 from [(variant, game, config dict)]; none without configs."""
  if not runs:
    return []
  return [settings.settings_table(runs, "Table 1"), settings.settings_table(runs, "Table 2")]


def write_report(a: Analysis, out_dir: str, tables: Sequence[Table], extra: Optional[Dict] = None) -> Dict:
  """Writes every table (md, csv, tex) and summary.json under out_dir; returns the summary."""
  os.makedirs(out_dir, exist_ok=True)
  paths = [p for t in tables for p in write_table(t, out_dir)]
  summary = summary_dict(a)
  summary.update(extra or {})
  summary["tables"] = paths
  summary["summary_markdown"] = next((to_markdown(t) for t in tables if t.name == "summary"), "")
  summary["summary_json"] = os.path.join(out_dir, "summary.json")
  with open(summary["summary_json"], "w", encoding="utf-8") as f:
    json.dump(summary, f, indent=2, allow_nan=False)
    f.write("\n")
  return summary


def _comparison_lines(summary: Dict) -> List[str]:
  """The probability of improvement and the Wilcoxon test of one summary dict."""
  if not summary["treatment"]:
    return [f"Wilcoxon: needs two variants; only {', '.join(summary['variant_names'])} here"]
  lines = []
  pi = summary.get("probability_of_improvement")
  if pi and pi["point"] is not None:
    lines.append(f"Probability of improvement P({summary['treatment']} > {summary['baseline']}) = "
                 f"{pi['point']:.2f} [{pi['ci'][0]:.2f}, {pi['ci'][1]:.2f}] (normalised scores, "
                 f"{len(summary['aggregate_games'])} games)")
  p = summary["wilcoxon_p"]
  p_text = "n/a (no game with a non-zero difference)" if p is None else f"{p:.3f} ({p:.6g})"
  lines.append(
      f"Wilcoxon signed-rank, {summary['treatment']} vs {summary['baseline']} over games (raw per-game "
      f"means, two-sided, zero differences dropped): p = {p_text}, n = {summary['wilcoxon_n']} of "
      f"{summary['wilcoxon_paired_games']} games ({summary['wilcoxon_zero_dropped']} zero differences "
      f"dropped; {summary['wilcoxon_method']})")
  return lines


def format_summary(summary: Dict) -> str:
  """What the tables stage prints: the summary table(s), the tests and where the files are."""
  lines = []
  if summary.get("settings"):
    lines.append(f"== {summary.get('setting', 'main')} setting ==")
  lines += [summary["summary_markdown"].rstrip(), ""] + _comparison_lines(summary)
  for setting, other in (summary.get("settings") or {}).items():
    lines += ["", f"== {setting} setting ==", (other.get("summary_markdown") or "").rstrip(), ""]
    lines += _comparison_lines(other)
  lines.append(f"Normalisation: {summary['normalisation']['description']}")
  if summary.get("figures"):
    lines.append("Figures: " + ", ".join(summary["figures"]))
  lines.append(f"Tables: {os.path.dirname(summary['summary_json'])}/ (md, csv, tex)")
  lines.append(f"Summary JSON: {summary['summary_json']}")
  return "\n".join(lines)
