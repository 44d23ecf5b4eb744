"""Stage `study`: run every run of a study, then write its tables and figures.

    ./run.sh study --config=configs/study_default.py --workdir=runs/study_default

Finished runs are reused; a stopped study resumes; `./run.sh tables
--workdir=DIR` tabulates a study at any time, even while it runs.
`--archive=ADIR` (pipeline/study_archive.py) keeps a small, committable copy
of every finished run in ADIR and restores it from there first, so a study
goes on from its committed runs on a machine whose workdir was wiped.
`--reuse=DIR[,DIR]` copies in the finished runs of other studies whose
configs equal this study's for them (e.g. the games a longer study shares
with a shorter one), so they are not run twice.
"""
import os

from absl import flags
from ml_collections import config_flags

from pipeline import study as study_lib
from pipeline.errors import PipelineError, run_job
from pipeline.scoring.report import Options, format_summary
from pipeline.scoring.tabulate import tabulate_study

STUDY = config_flags.DEFINE_config_file("config", None, "Study config (configs/study_NAME.py).")
WORKDIR = flags.DEFINE_string("workdir", None, "Study directory.")
ARCHIVE = flags.DEFINE_string("archive", "", "Keep finished runs here (small, committable) and "
                              "restore them from here first; a study directory itself.")
REUSE = flags.DEFINE_list("reuse", [], "Other studies' directories or archives: a run finished there "
                          "with this study's config for it is copied, not run again.")
WORKERS = flags.DEFINE_integer("workers", 0, "Runs at once (0: the study config's).")
REPS = flags.DEFINE_integer("reps", 2000, "Bootstrap replications of the summary's CIs.")
CURVE_REPS = flags.DEFINE_integer("curve_reps", 500, "Bootstrap replications per figure.")


def main(argv):
  del argv
  filename = flags.FLAGS["config"].config_filename
  if not filename or not os.path.exists(filename.split(":")[0]):
    raise PipelineError(f"study config file not found: {filename!r}")
  study = STUDY.value
  for key in ("games", "variants", "seeds", "budget", "workers"):
    if key not in study:
      raise PipelineError(f"{filename}: a study config needs '{key}'")
  missing = [d for d in REUSE.value if not os.path.isdir(os.path.join(d, "runs"))]
  if missing:
    raise PipelineError(f"--reuse={missing[0]}: not a study directory or archive (no runs/ in it)")
  workdir = os.path.abspath(WORKDIR.value or os.path.join("runs", f"study_{study.name}"))
  os.makedirs(workdir, exist_ok=True)
  counts = study_lib.run_study(study, workdir, WORKERS.value or study.workers,
                               print_fn=lambda line: print(line, flush=True),
                               archive_dir=os.path.abspath(ARCHIVE.value) if ARCHIVE.value else "",
                               reuse_dirs=[os.path.abspath(d) for d in REUSE.value])
  if counts.get("stopped"):
    print("[study] stopped; run the same command to resume", flush=True)
    return
  summary = tabulate_study(workdir, Options(reps=REPS.value, curve_reps=CURVE_REPS.value))
  print(format_summary(summary))
  print(f"[study] {counts['ran']} runs ran, {counts['reused']} reused, {counts['failed']} failed")
  print(f"[study] tables: {os.path.join(workdir, 'tables')}  figures: "
        f"{os.path.join(workdir, 'figures')}")
  if counts["failed"]:
    raise PipelineError(f"{counts['failed']} runs failed; see DIR/runs/*/pipeline.log; "
                        f"run the same command again to retry them")


if __name__ == "__main__":
  run_job(main)
