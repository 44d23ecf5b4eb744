"""Gumbel MuZero against pUCT (configs/study_gumbel.py, issue 14 item 2): one table,
one CSV and one figure from the study's runs.

    ./run.sh bench gumbel_report --workdir=/work/study_gumbel --out=docs/gumbel

Per run (RUN/result.json, RUN/eval/curve.csv): learner steps, frames and
wall-clock trained; where the run reached its target (CartPole: a greedy 475),
the step, frames and seconds at which it did; its last greedy evaluation;
its score by the paper's rule (mean of its final 200 self-play episodes).
Per game and variant: runs reaching the target and the median frames and
seconds to it, the mean (+- SEM over seeds) of the last evaluation. Writes
OUT/runs.csv, OUT/table.md and OUT/curves.png (greedy evaluation against
frames, one line per seed, a colour per variant, one panel per game).
"""
import csv
import glob
import json
import os
import sys
from typing import Dict, List

from absl import app, flags
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pipeline.analysis import seeds  # pylint: disable=g-import-not-at-top
from pipeline.scoring import scores, tabulate  # pylint: disable=g-import-not-at-top


FIELDS = ("game", "variant", "seed", "learner_steps", "env_frames", "wall_seconds", "target_step",
          "target_frames", "target_seconds", "final_eval", "selfplay_score")


def read_runs(study_dir: str) -> List[Dict]:
  rows = []
  for run in sorted(glob.glob(os.path.join(study_dir, "runs", "*"))):
    path = os.path.join(run, "result.json")
    if not os.path.exists(path):
      continue
    result, info = json.load(open(path)), json.load(open(os.path.join(run, "run.json")))
    target = result.get("target_reached") or {}
    study_run = tabulate.StudyRun(run)
    _, returns = study_run.timeline()
    rows.append({"game": info["game"], "variant": info["variant"], "seed": info["seed"],
                 "learner_steps": result["learner_steps"], "env_frames": result["env_frames"],
                 "wall_seconds": result["wall_seconds"], "target_step": target.get("learner_step"),
                 "target_frames": target.get("env_frames"), "target_seconds": target.get("wall_seconds"),
                 "final_eval": result["eval_return_mean"],
                 "selfplay_score": scores.final_score(returns, study_run.final_episodes(0)),
                 "curve": list(csv.DictReader(open(os.path.join(run, "eval", "curve.csv"))))})
  return rows


def _mean_sem(values) -> str:
  mean, sem = seeds.mean_se(values)
  return f"{mean:.2f} +- {sem:.2f}"


def table(rows: List[Dict]) -> str:
  lines = ["| game | variant | runs | reached target | median frames to it | median seconds to it | "
           "last greedy evaluation (mean +- SEM) | self-play score (mean +- SEM) | mean learner steps | "
           "mean frames trained | mean seconds |", "|---|---|---|---|---|---|---|---|---|---|---|"]
  for game in sorted({r["game"] for r in rows}):
    for variant in sorted({r["variant"] for r in rows if r["game"] == game}):
      rs = [r for r in rows if r["game"] == game and r["variant"] == variant]
      hit = [r for r in rs if r["target_step"] is not None]
      final, selfplay = (_mean_sem([r[key] for r in rs]) for key in ("final_eval", "selfplay_score"))
      median = lambda key: f"{np.median([r[key] for r in hit]):,.0f}" if hit else "-"  # noqa: E731
      lines.append(f"| {game} | {variant} | {len(rs)} | {len(hit)} | {median('target_frames')} | "
                   f"{median('target_seconds')} | {final} | {selfplay} | "
                   f"{np.mean([r['learner_steps'] for r in rs]):,.0f} | "
                   f"{np.mean([r['env_frames'] for r in rs]):,.0f} | {np.mean([r['wall_seconds'] for r in rs]):.0f} |")
  return "\n".join(lines) + "\n"


def figure(rows: List[Dict], path: str) -> None:
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  games = sorted({r["game"] for r in rows})
  fig, axes = plt.subplots(1, len(games), figsize=(6 * len(games), 4), squeeze=False)
  for ax, game in zip(axes[0], games):
    for i, variant in enumerate(sorted({r["variant"] for r in rows if r["game"] == game})):
      curves = [r["curve"] for r in rows if r["game"] == game and r["variant"] == variant]
      for j, c in enumerate(curves):  # one line per seed: runs stopped at a target end early
        ax.plot([float(p["env_frames"]) for p in c], [float(p["eval_return_mean"]) for p in c],
                marker="o", markersize=3, linewidth=1, color=f"C{i}", alpha=0.7,
                label=f"{variant} ({len(curves)} seeds)" if j == 0 else None)
    ax.set(title=game, xlabel="env frames", ylabel="greedy evaluation return (each seed)")
    ax.legend(fontsize=8)
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def main(argv):
  del argv
  workdir, out = flags.FLAGS.workdir, flags.FLAGS.out
  rows = read_runs(workdir)
  if not rows:
    raise SystemExit(f"error: no finished run in {workdir}/runs")
  os.makedirs(out, exist_ok=True)
  with open(os.path.join(out, "runs.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, FIELDS, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
  text = table(rows)
  with open(os.path.join(out, "table.md"), "w") as f:
    f.write(text)
  figure(rows, os.path.join(out, "curves.png"))
  print(text)


if __name__ == "__main__":
  # Defined here, not at import, so that tests can import the module beside other reports.
  flags.DEFINE_string("workdir", None, "The study directory (DIR/runs/...).", required=True)
  flags.DEFINE_string("out", None, "Output directory.", required=True)
  app.run(main)
