"""The three inputs of the tables stage, each ending in tables + summary.json.

    tabulate_scores_csv("scores.csv", out_dir)   rows game,variant,seed,score
    tabulate_paper(out_dir)                      the PVE paper's published Table 3
    tabulate_study(study_dir)                    a study's runs (finished or not)
    run_tables(...)                              the tables stage: one of the three,
                                                 returns the text it prints

A study directory (written by the study runner):
    DIR/runs/<run_name>/run.json      {"game": ..., "variant": ..., "seed": ...}
    DIR/runs/<run_name>/config.json   the config the run used (ConfigDict.to_dict())
    DIR/runs/<run_name>/records       a text file: the path of the run's episode
                                      records directory (relative: to the run dir)
    DIR/runs/<run_name>/result.json   optional; present once the run finished
Outputs go to DIR/tables/ and DIR/figures/. A run without episodes yet is
listed as pending and left out of the scores.
"""
import csv
import json
import os
from typing import Dict, List, Optional, Tuple

import numpy as np

from pipeline.errors import PipelineError
from pipeline.scoring import figures
from pipeline.scoring import reference
from pipeline.scoring import report
from pipeline.scoring import score_tables
from pipeline.scoring.formats import to_markdown
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


REPLAY_SETTING = "replay"
DEFAULT_PAPER_DIR = os.path.join("runs", "reference_paper")


def run_tables(options: Options, workdir: str = "", scores: str = "", reference_name: str = "",
               config_json: str = "", final_episodes: int = 0, episodes: str = "selfplay") -> str:
  """The tables stage: tabulates scores, a published reference or a study; returns its report.

  Outputs go to <workdir or the scores' directory or runs/reference_paper>/tables
  (and a study's figures/); the returned text is what `./run.sh tables` prints.
  """
  if reference_name:
    if reference_name not in reference.PUBLISHED:
      raise PipelineError(f"unknown reference {reference_name!r}; known: {', '.join(reference.PUBLISHED)}")
    summary = tabulate_paper(os.path.join(workdir or DEFAULT_PAPER_DIR, "tables"), options)
    return "\n".join([report.format_summary(summary),
                      f"The paper reports p = {summary['paper_wilcoxon_p_reported']}; computed from its "
                      f"published per-game means: p = {summary['wilcoxon_p']:.3f}"])
  if scores:
    base = workdir or os.path.dirname(os.path.abspath(scores))
    return report.format_summary(tabulate_scores_csv(scores, os.path.join(base, "tables"), options, config_json))
  if not os.path.isdir(workdir):
    raise PipelineError(f"--workdir={workdir}: no such directory")
  summary = tabulate_study(workdir, options, final_episodes, episodes)
  runs = summary["runs"]
  lines = [f"Study {workdir}: {runs['total']} runs, {runs['finished']} finished, "
           f"{runs['running']} unfinished, {runs['no_episodes']} without episodes yet"]
  lines += [f"  {note}" for note in summary["notes"]]
  return "\n".join(lines + [report.format_summary(summary)])


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
    self.setting = str(info.get("setting") or REPLAY_SETTING)
    # The name the tables use: a game in a setting other than replay is its own row.
    self.label = self.game if self.setting == REPLAY_SETTING else f"{self.game} [{self.setting}]"
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

  def eval_curve(self) -> Tuple[np.ndarray, np.ndarray]:
    """(env frames [K], mean greedy return [K]) of the run's evaluations during training."""
    return read_eval_curve(os.path.join(self.dir, "eval", "curve.csv"))


def read_eval_curve(path: str) -> Tuple[np.ndarray, np.ndarray]:
  """(frames, returns) from an eval/curve.csv (pipeline stage); empty if absent or torn."""
  frames, returns = [], []
  if os.path.isfile(path):
    with open(path, newline="", encoding="utf-8") as f:
      for row in csv.DictReader(f):
        try:
          frames.append(int(row["env_frames"]))
          returns.append(float(row["eval_return_mean"]))
        except (KeyError, TypeError, ValueError):
          break  # a line being written: the curve ends before it
  order = np.argsort(np.asarray(frames, dtype=np.int64), kind="stable")
  return np.asarray(frames, dtype=np.int64)[order], np.asarray(returns, dtype=np.float64)[order]


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


def _settings_order(settings_seen) -> List[str]:
  """The replay setting first (the main comparison), then the others by name."""
  names = sorted(set(settings_seen))
  return ([REPLAY_SETTING] if REPLAY_SETTING in names else []) + [n for n in names if n != REPLAY_SETTING]


def tabulate_study(study_dir: str, options: Optional[Options] = None, final_episodes: int = 0,
                   episodes: str = "selfplay") -> Dict:
  """Tables, figures and summary.json for a study directory; returns the summary.

  final_episodes > 0 overrides each run's config.scoring.final_episodes.
  episodes: which records score a run: "selfplay" (the paper: the final
  training episodes) or "eval" (the evaluation stage's greedy episodes).
  Each setting (run.json "setting": "replay" by default, e.g. "on-policy")
  is analysed on its own; the replay setting is the summary's main result and
  the others are under summary["settings"].
  """
  if episodes not in EPISODE_KINDS:
    raise PipelineError(f"episodes={episodes!r}; expected one of {EPISODE_KINDS}")
  options = options or Options()
  runs, notes = read_study(study_dir)
  per_seed, curves, eval_curves = {}, [], []
  status = {"finished": 0, "running": 0, "no_episodes": 0}
  setting_of: Dict[str, str] = {}
  short_runs = []
  for run in runs:
    frames, returns = run.timeline(episodes)
    if returns.size == 0:
      status["no_episodes"] += 1
      notes.append(f"{run.name}: no {episodes} episodes yet, left out")
      continue
    status["finished" if run.finished else "running"] += 1
    window = run.final_episodes(final_episodes)
    if returns.size < window:
      short_runs.append({"run": run.name, "episodes": int(returns.size), "final_episodes": window})
    score = final_score(returns, window)
    setting_of[run.label] = run.setting
    per_seed.setdefault((run.label, run.variant), []).append((run.seed, score))
    curves.append(figures.RunCurve(run.variant, run.label, run.seed, frames, returns))
    ev_frames, ev_returns = run.eval_curve()
    if ev_returns.size:
      eval_curves.append(figures.RunCurve(run.variant, run.label, run.seed, ev_frames, ev_returns))
  if not per_seed:
    raise PipelineError(f"{study_dir}: no run has {episodes} episodes yet ({len(runs)} run directories)")
  for r in short_runs:
    notes.append(f"{r['run']}: scored over its {r['episodes']} episodes (fewer than {r['final_episodes']})")
  per_seed = {k: sorted(v, key=lambda s: seed_sort_key(s[0])) for k, v in per_seed.items()}
  rows = [ScoreRow(g, v, s, x) for (g, v), runs_ in per_seed.items() for s, x in runs_]
  stats = game_stats(rows)
  window = min(r.final_episodes(final_episodes) for r in runs)
  grids = figures.game_grids(curves, options.curve_points)
  samples = figures.sampled(curves, grids, window)
  eval_samples = figures.sampled(eval_curves, grids, 1)
  curve_values = {}
  for (_, game), seeds in samples.items():
    curve_values.setdefault(game, []).extend(x for _, vals in seeds for x in vals[np.isfinite(vals)])
  analyses = {}
  for setting in _settings_order(setting_of.values()):
    part = {k: v for k, v in per_seed.items() if setting_of[k[0]] == setting}
    analyses[setting] = report.analyse(part, {k: stats[k] for k in part}, options,
                                       {g: v for g, v in curve_values.items() if setting_of[g] == setting})
  main_setting = next(iter(analyses))
  main = analyses[main_setting]
  fig_dir = os.path.join(study_dir, "figures")
  fig_paths = write_figures(main, grids, samples, fig_dir, eval_samples=eval_samples,
                            games=sorted(setting_of, key=lambda g: (_settings_order(setting_of.values()).index(setting_of[g]), g)))
  for setting, a in analyses.items():
    if setting != main_setting:
      fig_paths += write_aggregate_figures(a, grids, samples, fig_dir, suffix="_" + _slug(setting))
  with_config = [(r.variant, r.label, r.config) for r in runs if r.config is not None]
  all_games = sorted(setting_of)
  tables = report.settings_tables_for(with_config)
  tables.append(score_tables.table3(stats, main.variants, all_games, caption_extra=(
      f"per seed: the mean of its final {window} {episodes} episodes"
      + (f" (fewer for {len(short_runs)} runs: summary.json short_runs)" if short_runs else ""))))
  tables.append(_curves_table(curves, eval_curves, window, main.variants))
  settings_json = {}
  for setting, a in analyses.items():
    table = report.summary_table_for(
        a, name="summary" if setting == main_setting else f"summary_{_slug(setting)}",
        caption_extra=f"{setting} setting")
    tables.append(table)
    if setting != main_setting:
      settings_json[setting] = dict(report.summary_dict(a), summary_markdown=to_markdown(table))
  extra = {"source": os.path.abspath(study_dir), "figures": fig_paths,
           "runs": dict(status, total=len(runs)), "notes": notes, "scored_by": episodes,
           "final_episodes": window, "short_runs": short_runs, "setting": main_setting,
           "settings": settings_json}
  return report.write_report(main, os.path.join(study_dir, "tables"), tables, extra)


def _curves_table(curves, eval_curves, window: int, variants) -> "score_tables.Table":
  """curves_at_frames: each game's self-play and eval curves at 4 frame marks."""
  top: Dict[str, float] = {}
  for c in curves:
    top[c.game] = max(top.get(c.game, 0.0), float(c.frames[-1]) if c.frames.size else 0.0)
  marks = {g: score_tables.frame_marks(m) for g, m in top.items() if m > 0}
  values = {}
  for kind, runs, win in (("selfplay", curves, window), ("eval", eval_curves, 1)):
    per = {}
    for c in runs:
      if c.game in marks:
        grid = np.asarray(marks[c.game], dtype=np.float64)
        per.setdefault((c.game, c.variant, kind), []).append(
            figures.curve_on_grid(c.frames, c.returns, grid, win))
    for key, seeds in per.items():
      mean, sem = figures.seed_mean_sem(seeds)
      n = np.sum(np.isfinite(np.stack(seeds)), axis=0)
      values[key] = {m: (float(a), float(b), int(k)) for m, a, b, k in zip(marks[key[0]], mean, sem, n)}
  return score_tables.curves_at_frames_table(values, marks, variants)


def _slug(text: str) -> str:
  return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")


def levels_of(games) -> Dict[str, List[figures.Level]]:
  """The random and reference levels of each game that has them (normalise.py's bounds)."""
  out = {}
  for g in games:
    small = reference.small_game_reference(g)
    atari = reference.atari_game_id(reference.base_game(g))
    if small is not None:
      out[g] = [figures.Level(small.random, f"random ({small.random:g})"),
                figures.Level(small.reference, f"reference ({small.reference:g})")]
    elif atari is not None:
      random_score, human_score = reference.human_random()[atari]
      out[g] = [figures.Level(random_score, f"random ({random_score:g})"),
                figures.Level(human_score, f"human ({human_score:g})")]
  return out


def write_aggregate_figures(a: report.Analysis, grids, samples, out_dir: str, suffix: str = "") -> List[str]:
  """figure5_median, iqm_curve and performance_profiles (PNG + CSV) of one analysis."""
  os.makedirs(out_dir, exist_ok=True)
  o = a.options
  paths = []
  agg_games = [g for g in a.aggregate_games if g in grids]
  if not agg_games:
    return paths
  arrays = figures.median_arrays(samples, a.bounds, a.variants, agg_games)
  x, x_label = figures.x_axis(grids, agg_games, o.curve_points)
  kinds = {a.bounds[g].kind for g in agg_games}
  score_label = {frozenset({"human"}): "human-normalised score",
                 frozenset({"raw"}): "score"}.get(frozenset(kinds), "normalised score")
  for metric, name in (("median", "figure5_median"), ("iqm", "iqm_curve")):
    path = os.path.join(out_dir, f"{name}{suffix}.png")
    figures.plot_median_curves(arrays, x, x_label, f"{metric if metric == 'median' else 'IQM'} {score_label}",
                               path, o.curve_reps, o.ci, o.seed, metric=metric)
    paths.append(path)
  path = os.path.join(out_dir, f"performance_profiles{suffix}.png")
  figures.plot_performance_profiles(a.matrices, path, o.curve_reps, o.ci, o.seed)
  paths.append(path)
  return paths


def write_figures(a: report.Analysis, grids, samples, out_dir: str, eval_samples=None,
                  games: Optional[List[str]] = None) -> List[str]:
  """The aggregate figures of `a` and learning_curves.png of `games` (default a's); returns their paths."""
  paths = write_aggregate_figures(a, grids, samples, out_dir)
  games = [g for g in (games or a.games) if g in grids]
  if games:
    path = os.path.join(out_dir, "learning_curves.png")
    figures.plot_learning_curves(samples, grids, a.variants, games, path,
                                 eval_samples=eval_samples, levels=levels_of(games))
    paths.append(path)
  return paths
