"""The three inputs of the tables stage, each ending in tables + summary.json.

    tabulate_scores_csv("scores.csv", out_dir)   rows game,variant,seed,score
    tabulate_paper(out_dir)                      the PVE paper's published Table 3
    tabulate_study(study_dir)                    a study's runs (finished or not)

A study directory (written by the study runner):
    DIR/runs/<run_name>/run.json      {"game": ..., "variant": ..., "seed": ...}
    DIR/runs/<run_name>/config.json   the config the run used (ConfigDict.to_dict())
    DIR/runs/<run_name>/records       a text file: the path of the run's episode
                                      records directory (relative: to the run dir)
    DIR/runs/<run_name>/result.json   optional; present once the run finished
Outputs go to DIR/tables/ and DIR/figures/. A run without episodes yet is
listed as pending and left out of the scores.
"""
import json
import os
from typing import Dict, List, Optional, Tuple

import numpy as np

from pipeline.errors import PipelineError
from pipeline.scoring import figures
from pipeline.scoring import reference
from pipeline.scoring import report
from pipeline.scoring import settings
from pipeline.scoring.report import Options
from pipeline.scoring.scores import (GameStat, ScoreRow, final_score, game_stats, read_scores_csv,
                                     run_timeline, seed_sort_key)

DEFAULT_FINAL_EPISODES = 200  # the paper's; used when a run's config lacks scoring.final_episodes


def _read_json(path: str) -> Dict:
  try:
    with open(path, encoding="utf-8") as f:
      return json.load(f)
  except json.JSONDecodeError as e:
    raise PipelineError(f"{path}: not valid JSON ({e})")


def tabulate_scores_csv(path: str, out_dir: str, options: Optional[Options] = None,
                        config_json: str = "") -> Dict:
  """Tables and summary.json for external per-seed scores; returns the summary."""
  options = options or Options()
  rows = read_scores_csv(path)
  a = report.analyse(report.per_seed_from_rows(rows), game_stats(rows), options)
  tables = report.score_tables_for(a)
  if config_json:
    if not os.path.isfile(config_json):
      raise PipelineError(f"{config_json}: no such file")
    config = _read_json(config_json)
    tables = report.settings_tables_for([(v, g, config) for v in a.variants for g in a.games]) + tables
  return report.write_report(a, out_dir, tables, {"source": os.path.abspath(path)})


def tabulate_paper(out_dir: str, options: Optional[Options] = None) -> Dict:
  """The published Table 3 (3 seeds per game, means and SEMs as printed), tabulated.

  The aggregates use the 57 published per-game means (one value per game), so
  their intervals come from resampling games. The Wilcoxon test is computed
  from the published means; the paper reports p = 0.044.
  """
  options = options or Options()
  paper = reference.paper_table3()
  per_seed, stats = {}, {}
  for game, row in paper.items():
    for v in reference.PAPER_VARIANTS:
      per_seed[(game, v)] = [("published mean", row[f"{v}_mean"])]
      stats[(game, v)] = GameStat(row[f"{v}_mean"], row[f"{v}_sem"], 3)
  a = report.analyse(per_seed, stats, options)
  tables = [settings.paper_settings_table("Table 1"), settings.paper_settings_table("Table 2")]
  tables += report.score_tables_for(a, with_paper=False, caption_extra="published (Grimm et al. 2021)")
  return report.write_report(a, out_dir, tables, {
      "source": "paper", "paper_wilcoxon_p_reported": reference.PAPER_WILCOXON_P,
      "paper_table": reference.data_path(reference.PAPER_TABLE3)})


class StudyRun:
  """One run directory: its identity, config and episode timeline."""

  def __init__(self, run_dir: str):
    self.dir, self.name = run_dir, os.path.basename(run_dir)
    info = _read_json(os.path.join(run_dir, "run.json"))
    missing = [k for k in ("game", "variant", "seed") if k not in info]
    if missing:
      raise PipelineError(f"{run_dir}/run.json lacks {', '.join(missing)}")
    self.game = reference.canonical_name(info["game"])
    self.variant, self.seed = str(info["variant"]), str(info["seed"])
    cfg = os.path.join(run_dir, "config.json")
    self.config = _read_json(cfg) if os.path.isfile(cfg) else None
    self.finished = os.path.isfile(os.path.join(run_dir, "result.json"))
    self.records_dir = self._records_dir()

  def _records_dir(self) -> Optional[str]:
    pointer = os.path.join(self.dir, "records")
    if not os.path.isfile(pointer):
      return None
    with open(pointer, encoding="utf-8") as f:
      path = f.read().strip()
    return os.path.normpath(os.path.join(self.dir, path)) if path else None

  def final_episodes(self, override: int) -> int:
    if override > 0:
      return override
    return int(((self.config or {}).get("scoring") or {}).get("final_episodes", DEFAULT_FINAL_EPISODES))

  def timeline(self, kind: str = "selfplay"):
    from pipeline import records  # TensorFlow: imported only when a study is read
    episodes = records.read_episodes(self.records_dir, kind=kind) if (
        self.records_dir and os.path.isdir(self.records_dir)) else []
    return run_timeline(episodes)


def read_study(study_dir: str) -> Tuple[List[StudyRun], List[str]]:
  """(runs, notes about run directories that were skipped)."""
  runs_dir = os.path.join(study_dir, "runs")
  if not os.path.isdir(runs_dir):
    raise PipelineError(f"{study_dir}: not a study directory (no runs/ folder)")
  runs, notes = [], []
  for name in sorted(os.listdir(runs_dir)):
    run_dir = os.path.join(runs_dir, name)
    if not os.path.isdir(run_dir):
      continue
    if not os.path.isfile(os.path.join(run_dir, "run.json")):
      notes.append(f"{name}: no run.json yet, skipped")
      continue
    try:
      runs.append(StudyRun(run_dir))
    except PipelineError as e:  # e.g. a run.json being written right now: skip, say so
      notes.append(f"{name}: skipped, {e}")
  return runs, notes


EPISODE_KINDS = ("selfplay", "eval")


def tabulate_study(study_dir: str, options: Optional[Options] = None, final_episodes: int = 0,
                   episodes: str = "selfplay") -> Dict:
  """Tables, figures and summary.json for a study directory; returns the summary.

  final_episodes > 0 overrides each run's config.scoring.final_episodes.
  episodes: which records score a run: "selfplay" (the paper: the final
  training episodes) or "eval" (the evaluation stage's greedy episodes).
  """
  if episodes not in EPISODE_KINDS:
    raise PipelineError(f"episodes={episodes!r}; expected one of {EPISODE_KINDS}")
  options = options or Options()
  runs, notes = read_study(study_dir)
  per_seed, curves, status = {}, [], {"finished": 0, "running": 0, "no_episodes": 0}
  for run in runs:
    frames, returns = run.timeline(episodes)
    if returns.size == 0:
      status["no_episodes"] += 1
      notes.append(f"{run.name}: no {episodes} episodes yet, left out")
      continue
    status["finished" if run.finished else "running"] += 1
    score = final_score(returns, run.final_episodes(final_episodes))
    per_seed.setdefault((run.game, run.variant), []).append((run.seed, score))
    curves.append(figures.RunCurve(run.variant, run.game, run.seed, frames, returns))
  if not per_seed:
    raise PipelineError(f"{study_dir}: no run has {episodes} episodes yet ({len(runs)} run directories)")
  per_seed = {k: sorted(v, key=lambda s: seed_sort_key(s[0])) for k, v in per_seed.items()}
  rows = [ScoreRow(g, v, s, x) for (g, v), runs_ in per_seed.items() for s, x in runs_]
  window = min(r.final_episodes(final_episodes) for r in runs)
  grids = figures.game_grids(curves, options.curve_points)
  samples = figures.sampled(curves, grids, window)
  curve_values = {}
  for (_, game), seeds in samples.items():
    curve_values.setdefault(game, []).extend(x for _, vals in seeds for x in vals[np.isfinite(vals)])
  a = report.analyse(per_seed, game_stats(rows), options, curve_values)
  fig_paths = write_figures(a, grids, samples, os.path.join(study_dir, "figures"))
  with_config = [(r.variant, r.game, r.config) for r in runs if r.config is not None]
  tables = report.settings_tables_for(with_config) + report.score_tables_for(a)
  return report.write_report(a, os.path.join(study_dir, "tables"), tables, {
      "source": os.path.abspath(study_dir), "figures": fig_paths,
      "runs": dict(status, total=len(runs)), "notes": notes, "scored_by": episodes})


def write_figures(a: report.Analysis, grids, samples, out_dir: str) -> List[str]:
  """figure5_median.png and learning_curves.png from sampled curves; returns their paths."""
  os.makedirs(out_dir, exist_ok=True)
  o = a.options
  games = [g for g in a.games if g in grids]
  paths = []
  agg_games = [g for g in a.aggregate_games if g in grids]
  if agg_games:
    arrays = figures.median_arrays(samples, a.bounds, a.variants, agg_games)
    x, x_label = figures.x_axis(grids, agg_games, o.curve_points)
    kinds = {a.bounds[g].kind for g in agg_games}
    y_label = {frozenset({"human"}): "median human-normalised score",
               frozenset({"raw"}): "median score"}.get(frozenset(kinds), "median normalised score")
    path = os.path.join(out_dir, "figure5_median.png")
    figures.plot_median_curves(arrays, x, x_label, y_label, path, o.curve_reps, o.ci, o.seed)
    paths.append(path)
  if games:
    path = os.path.join(out_dir, "learning_curves.png")
    figures.plot_learning_curves(samples, grids, a.variants, games, path)
    paths.append(path)
  return paths
