"""The tables stage: scores -> Tables 1-3, the summary (md, csv, tex), summary.json, figures.

  ./run.sh tables --workdir=DIR                 a study directory (DIR/runs/...), finished or not
                  [--episodes=eval]             scored by evaluation episodes, not self-play
  ./run.sh tables --scores=FILE.csv             external rows game,variant,seed,score
                  [--workdir=OUT] [--config_json=config.json]
  ./run.sh tables --reference=paper             the PVE paper's published Table 3 (p = 0.044)

Outputs go to DIR/tables/ (and DIR/figures/ for a study). --human_table picks
the Atari human/random reference (muzero, the default, or dqn_zoo).
The work is pipeline.scoring.tabulate.run_tables; this module reads the flags.
"""
from absl import flags
from absl import logging

from pipeline.errors import PipelineError, run_job
from pipeline.scoring import normalise, reference
from pipeline.scoring.scores import read_scores_csv

_SCORES = flags.DEFINE_string("scores", "", "CSV with rows game,variant,seed,score (header line).")
_REFERENCE = flags.DEFINE_string("reference", "", f"Published scores to tabulate: {', '.join(reference.PUBLISHED)}.")
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
_EPISODES = flags.DEFINE_enum("episodes", "selfplay", ["selfplay", "eval"], "A study's runs are scored by their final "
                          "self-play episodes (the paper) or by their evaluation episodes.")


def main(argv):
  if len(argv) > 1:
    raise PipelineError(f"unexpected arguments: {' '.join(argv[1:])}")
  if _SCORES.value and _REFERENCE.value:
    raise PipelineError("give one of --scores and --reference, not both")
  if _SCORES.value:
    read_scores_csv(_SCORES.value)  # bad input fails here, before the heavy imports
  elif _REFERENCE.value and _REFERENCE.value not in reference.PUBLISHED:
    raise PipelineError(f"unknown reference {_REFERENCE.value!r}; known: {', '.join(reference.PUBLISHED)}")
  elif not _REFERENCE.value and not _WORKDIR.value:
    raise PipelineError("nothing to tabulate: give --workdir=STUDY_DIR, --scores=FILE.csv or --reference=paper")
  logging.set_verbosity(logging.WARNING)  # rliable logs every interval estimate at INFO
  from pipeline.scoring import tabulate  # scipy, rliable, TF
  options = tabulate.Options(
      human_table=_HUMAN_TABLE.value, other=_OTHER.value, reps=_REPS.value, ci=_CI.value, seed=_SEED.value,
      baseline=_BASELINE.value, treatment=_TREATMENT.value, curve_points=_POINTS.value, curve_reps=_CURVE_REPS.value)
  print(tabulate.run_tables(options, _WORKDIR.value, _SCORES.value, _REFERENCE.value, _CONFIG_JSON.value,
                            _FINAL.value, _EPISODES.value))


if __name__ == "__main__":
  run_job(main)
