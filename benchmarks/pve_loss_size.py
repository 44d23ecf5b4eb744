"""The past-policies loss against the value loss over each run of a study.

    ./run.sh bench pve_loss_size --study=/work/study_minatar [--out=DIR/pve_loss_size.csv]

Reads every run's learner TensorBoard log (DIR/runs/<run>/tensorboard/learner):
the unweighted per-unroll losses `loss/value` (the main value loss) and
`loss/past_policies` (the mean over stored heads of the same value loss on
V-trace targets), and their weights from the run's config. Prints, per run
with the loss on, the ratio of the weighted past-policies loss to the
weighted value loss at each logged step and its mean over the first and the
last third of the run; writes every point as CSV.
"""
import csv
import glob
import json
import os
from typing import Dict, List, Tuple

import numpy as np
import tensorflow as tf
from absl import app, flags

STUDY = flags.DEFINE_string("study", None, "Study directory.")
OUT = flags.DEFINE_string("out", "", "CSV of every point (default: DIR/pve_loss_size.csv).")
TAGS = ("loss/value", "loss/past_policies", "loss/total", "past_policies/stored")


def scalars(log_dir: str) -> Dict[str, List[Tuple[int, float]]]:
  """{tag: [(step, value)]} of the TAGS in a TensorBoard directory, in step order."""
  out: Dict[str, List[Tuple[int, float]]] = {t: [] for t in TAGS}
  for path in sorted(glob.glob(os.path.join(log_dir, "events.out.tfevents.*"))):
    for event in tf.compat.v1.train.summary_iterator(path):
      for v in event.summary.value:
        if v.tag in out:
          out[v.tag].append((int(event.step), float(tf.make_ndarray(v.tensor))))
  return {t: sorted(dict(p).items()) for t, p in out.items()}


def run_points(run_dir: str):
  """[(step, weighted value loss, weighted past-policies loss, stored heads)] of a run, or None."""
  config_path = os.path.join(run_dir, "config.json")
  if not os.path.isfile(config_path):
    return None
  config = json.load(open(config_path))
  if not config["past_policies"]["enabled"]:
    return None
  s = scalars(os.path.join(run_dir, "tensorboard", "learner"))
  value, pp, stored = dict(s["loss/value"]), dict(s["loss/past_policies"]), dict(s["past_policies/stored"])
  wv, wp = config["learner"]["value_loss_weight"], config["past_policies"]["weight"]
  return [(step, wv * value[step], wp * pp[step], stored.get(step, float("nan")))
          for step in sorted(set(value) & set(pp)) if stored.get(step, 0) > 0]


def main(argv):
  del argv
  rows, lines = [], []
  for run_dir in sorted(glob.glob(os.path.join(STUDY.value, "runs", "*"))):
    points = run_points(run_dir)
    if not points:
      continue
    name = os.path.basename(run_dir)
    ratio = np.array([p / v for _, v, p, _ in points])
    third = max(len(ratio) // 3, 1)
    for step, v, p, n in points:
      rows.append((name, step, round(v, 5), round(p, 5), round(p / v, 4), int(n)))
    lines.append(f"| {name} | {len(points)} | {points[-1][0]} | {ratio[:third].mean():.2f} | "
                 f"{ratio[-third:].mean():.2f} | {points[-1][1]:.3f} | {points[-1][2]:.3f} |")
  print("| run | points | last step | weighted pp / value, first third | last third | "
        "value (weighted), last | pp (weighted), last |")
  print("| --- | --- | --- | --- | --- | --- | --- |")
  print("\n".join(lines))
  out = OUT.value or os.path.join(STUDY.value, "pve_loss_size.csv")
  with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["run", "learner_step", "value_loss_weighted", "past_policies_loss_weighted",
                "ratio", "stored_heads"])
    w.writerows(rows)
  print(f"wrote {out}")


if __name__ == "__main__":
  flags.mark_flag_as_required("study")
  app.run(main)
