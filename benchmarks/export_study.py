"""Copies a study's results (tables, figures, summary.json) into the repository,
with the facts a reader needs to trust them: the command, the commit, the
machine, each run's wall-clock and final evaluation, and the study's total.

    ./run.sh tables --workdir=/work/study_minatar        # first: the tables and figures
    ./run.sh bench export_study --study=/work/study_minatar --out=docs/study_minatar \\
        --command="./run.sh study --config=configs/study_minatar.py --workdir=/work/study_minatar"

Writes OUT/tables/*, OUT/figures/*, OUT/summary.json and OUT/runs.csv
(run, game, setting, variant, seed, learner steps, env frames, wall seconds,
final greedy evaluation, and the study a run was reused from, if any: `--reuse`),
and OUT/run_info.json (the runs' seconds in all, and those of the reused runs,
spent by the studies they came from). The prose (README.md) is the
author's; this script only gathers the numbers it quotes.
"""
import csv
import glob
import json
import os
import platform
import shutil
import subprocess

from absl import app, flags

from pipeline import study_archive


def _cpu_model() -> str:
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("model name"):
          return line.split(":", 1)[1].strip()
  except OSError:
    pass
  return platform.processor() or "unknown"


def _reused_from(run_dir: str) -> str:
  """The name of the study a run was copied from by `--reuse` ('' if it ran here)."""
  path = os.path.join(run_dir, study_archive.REUSED)
  if not os.path.isfile(path):
    return ""
  return os.path.basename(os.path.normpath(open(path).read().strip()))


def export(study: str, out: str, command: str) -> dict:
  """Copies STUDY's tables and figures to OUT, writes OUT/runs.csv and OUT/run_info.json."""
  for sub in ("tables", "figures"):
    src = os.path.join(study, sub)
    if not os.path.isdir(src):
      raise SystemExit(f"error: {src} missing; run ./run.sh tables --workdir={study} first")
    shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    shutil.copytree(src, os.path.join(out, sub))
  shutil.copy(os.path.join(out, "tables", "summary.json"), os.path.join(out, "summary.json"))
  rows, total, reused_total, unfinished = [], 0.0, 0.0, []
  for run_dir in sorted(glob.glob(os.path.join(study, "runs", "*"))):
    info = json.load(open(os.path.join(run_dir, "run.json")))
    path = os.path.join(run_dir, "result.json")
    if not os.path.isfile(path):
      unfinished.append(os.path.basename(run_dir))
      continue
    r = json.load(open(path))
    reused_from = _reused_from(run_dir)
    total += r["wall_seconds"]
    reused_total += r["wall_seconds"] if reused_from else 0.0
    rows.append([os.path.basename(run_dir), info["game"], info.get("setting", "replay"),
                 info["variant"], info["seed"], r["learner_steps"], r["env_frames"],
                 r["wall_seconds"], r["eval_return_mean"], reused_from])
  with open(os.path.join(out, "runs.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["run", "game", "setting", "variant", "seed", "learner_steps", "env_frames",
                "wall_seconds", "final_eval_return", "reused_from"])
    w.writerows(rows)
  commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
  clock = os.path.join(study, "study_wall_seconds.json")
  study_seconds = json.load(open(clock))["wall_seconds"] if os.path.isfile(clock) else None
  info = {"command": command, "commit_exporting": commit, "runs_finished": len(rows),
          "study_wall_seconds": study_seconds,
          "runs_unfinished": unfinished, "sum_of_run_wall_seconds": round(total, 1),
          "runs_reused": sum(1 for row in rows if row[-1]),
          "sum_of_reused_run_wall_seconds": round(reused_total, 1),
          "machine": {"cpu": _cpu_model(), "cores": os.cpu_count(), "system": platform.platform()}}
  with open(os.path.join(out, "run_info.json"), "w") as f:
    json.dump(info, f, indent=2)
    f.write("\n")
  return info


if __name__ == "__main__":
  # Flags defined here, not on import, so that tests can import export() beside other
  # benchmarks' flags of the same names.
  STUDY = flags.DEFINE_string("study", None, "Study directory.")
  OUT = flags.DEFINE_string("out", None, "Output directory in the repository.")
  COMMAND = flags.DEFINE_string("command", "", "The command that ran the study.")
  flags.mark_flags_as_required(["study", "out"])
  app.run(lambda argv: print(json.dumps(export(STUDY.value, OUT.value, COMMAND.value), indent=2)))
