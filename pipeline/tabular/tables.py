"""Markdown and CSV tables of the results."""
import csv

import numpy as np


def write(path_stem, header, rows):
  """Writes path_stem.csv and path_stem.md; returns the Markdown text."""
  with open(path_stem + ".csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(header)
    w.writerows(rows)
  fmt = lambda x: f"{x:.4g}" if isinstance(x, (float, np.floating)) else str(x)
  lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
  lines += ["| " + " | ".join(fmt(x) for x in row) + " |" for row in rows]
  text = "\n".join(lines) + "\n"
  with open(path_stem + ".md", "w") as f:
    f.write(text)
  return text


def diameter_rows(results, names):
  """Rows: class, k, diameter (PCA plane) mean/std, full-space mean/std, value ratio, loss."""
  rows = []
  for n in names:
    r = results[n]
    rows.append([n, "inf" if n == "pve" else n[1:], float(np.mean(r["diam_pca"])),
                 float(np.std(r["diam_pca"])), float(np.mean(r["diam_full"])),
                 float(np.std(r["diam_full"])), float(np.mean(r["final_ratio"])),
                 float(np.min(r["final_ratio"])), float(np.mean(r["final_loss"]))])
  return rows


DIAMETER_HEADER = ["class", "k", "diam_pca_mean", "diam_pca_std", "diam_full_mean",
                   "diam_full_std", "value_ratio_mean", "value_ratio_min", "final_loss_mean"]


def capacity_rows(ranks, values, optimal):
  """Rows: rank, Pi mean/se, Pi_det mean/se, optimal (mean value over states)."""
  def stats(v):
    se = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
    return float(v.mean()), float(se)
  rows = []
  for i, rank in enumerate(ranks):
    rows.append([int(rank), *stats(values["stochastic"][i]), *stats(values["deterministic"][i]),
                 float(optimal)])
  return rows


CAPACITY_HEADER = ["rank", "pi_mean", "pi_se", "pi_det_mean", "pi_det_se", "optimal"]
