"""The tables stage: scores -> Tables 1-3, the summary (md, csv, tex), summary.json, figures.

  ./run.sh tables --workdir=DIR                 a study directory (DIR/runs/...), finished or not
                  [--episodes=eval]             scored by evaluation episodes, not self-play
  ./run.sh tables --scores=FILE.csv             external rows game,variant,seed,score
                  [--workdir=OUT] [--config_json=config.json]
  ./run.sh tables --reference=paper             the PVE paper's published Table 3 (p = 0.044)

Outputs go to DIR/tables/ (and DIR/figures/ for a study). --human_table picks
the Atari human/random reference (muzero, the default, or dqn_zoo).
"""
import os

from absl import flags
from absl import logging

from pipeline.errors import PipelineError, run_job
from pipeline.scoring import normalise
from pipeline.scoring import reference
from pipeline.scoring.scores import read_scores_csv


REFERENCES = ("paper",)
DEFAULT_PAPER_DIR = os.path.join("runs", "reference_paper")

_SCORES = flags.DEFINE_string("scores", "", "CSV with rows game,variant,seed,score (header line).")
_REFERENCE = flags.DEFINE_string("reference", "", f"Published scores to tabulate: {', '.join(REFERENCES)}.")
_WORKDIR = flags.DEFINE_string("workdir", "", "Study directory; with --scores/--reference: the output directory.")
_CONFIG_JSON = flags.DEFINE_string("config_json", "", "With --scores: a config.json to print Tables 1-2 from.")
_HUMAN_TABLE = flags.DEFINE_enum("human_table", reference.DEFAULT_HUMAN_TABLE, list(reference.HUMAN_TABLES),
                                 "Atari human/random reference table.")
_OTHER = flags.DEFINE_enum("other_games", "reference", list(normalise.OTHER_MODES),
                           "Normalisation of non-Atari games in the aggregates.")
_REPS = flags.DEFINE_integer("reps", 2000, "Bootstrap replications for the aggregates' CIs.")
_CURVE_REPS = flags.DEFINE_integer("curve_reps", 500, "Bootstrap replications for Figure 5's bands.")
_CI = flags.DEFINE_float("ci", 0.95, "Confidence interval size.")
_SEED = flags.DEFINE_integer("bootstrap_seed", 0, "Seed of the bootstrap.")
_BASELINE = flags.DEFINE_string("baseline", "", "Baseline variant (default muzero, else the first).")
_TREATMENT = flags.DEFINE_string("treatment", "", "Variant tested against the baseline (default muzero_pve).")
_FINAL = flags.DEFINE_integer("final_episodes", 0, "Episodes per seed score; 0: each run's config.")
_POINTS = flags.DEFINE_integer("curve_points", 50, "Points per training curve.")
_EPISODES = flags.DEFINE_enum("episodes", "selfplay", ["selfplay", "eval"],
                              "A study's runs are scored by their final self-play episodes (the "
                              "paper) or by their evaluation episodes.")


def tabulate_study(study_dir, *args, **kwargs):
  """pipeline.scoring.tabulate.tabulate_study (imported on use: scipy, rliable, TF)."""
  from pipeline.scoring import tabulate
  return tabulate.tabulate_study(study_dir, *args, **kwargs)


def options_from_flags():
  from pipeline.scoring.report import Options
  if _REPS.value < 1 or _CURVE_REPS.value < 1:
    raise PipelineError("--reps and --curve_reps must be >= 1")
  if not 0.0 < _CI.value < 1.0:
    raise PipelineError(f"--ci={_CI.value}; must be in (0, 1)")
  if _POINTS.value < 2:
    raise PipelineError(f"--curve_points={_POINTS.value}; must be >= 2")
  return Options(human_table=_HUMAN_TABLE.value, other=_OTHER.value, reps=_REPS.value, ci=_CI.value,
                 seed=_SEED.value, baseline=_BASELINE.value, treatment=_TREATMENT.value,
                 curve_points=_POINTS.value, curve_reps=_CURVE_REPS.value)


def main(argv):
  if len(argv) > 1:
    raise PipelineError(f"unexpected arguments: {' '.join(argv[1:])}")
  if _SCORES.value and _REFERENCE.value:
    raise PipelineError("give one of --scores and --reference, not both")
  if _REFERENCE.value and _REFERENCE.value not in REFERENCES:
    raise PipelineError(f"unknown reference {_REFERENCE.value!r}; known: {', '.join(REFERENCES)}")
  if _SCORES.value:
    read_scores_csv(_SCORES.value)  # bad input fails here, before the heavy imports
  elif not _REFERENCE.value and not _WORKDIR.value:
    raise PipelineError("nothing to tabulate: give --workdir=STUDY_DIR, --scores=FILE.csv or --reference=paper")
  options = options_from_flags()
  logging.set_verbosity(logging.WARNING)  # rliable logs every interval estimate at INFO
  from pipeline.scoring.report import format_summary
  from pipeline.scoring.tabulate import tabulate_paper, tabulate_scores_csv
  if _REFERENCE.value:
    out = os.path.join(_WORKDIR.value or DEFAULT_PAPER_DIR, "tables")
    summary = tabulate_paper(out, options)
    print(format_summary(summary))
    print(f"The paper reports p = {summary['paper_wilcoxon_p_reported']}; computed from its published "
          f"per-game means: p = {summary['wilcoxon_p']:.3f}")
  elif _SCORES.value:
    base = _WORKDIR.value or os.path.dirname(os.path.abspath(_SCORES.value))
    summary = tabulate_scores_csv(_SCORES.value, os.path.join(base, "tables"), options, _CONFIG_JSON.value)
    print(format_summary(summary))
  elif _WORKDIR.value:
    if not os.path.isdir(_WORKDIR.value):
      raise PipelineError(f"--workdir={_WORKDIR.value}: no such directory")
    summary = tabulate_study(_WORKDIR.value, options, _FINAL.value, _EPISODES.value)
    runs = summary["runs"]
    print(f"Study {_WORKDIR.value}: {runs['total']} runs, {runs['finished']} finished, "
          f"{runs['running']} unfinished, {runs['no_episodes']} without episodes yet")
    for note in summary["notes"]:
      print(f"  {note}")
    print(format_summary(summary))


if __name__ == "__main__":
  run_job(main)
