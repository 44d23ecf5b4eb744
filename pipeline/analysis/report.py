"""Figures (PNG) and tables (Markdown and CSV) of an analysis's results.

  write_report(results, out_dir) -> summary dict (also out_dir/summary.json)

Files, numbered as He et al.'s figures:
  fig2_online_performance.png       online_performance.{md,csv}
  fig3_value_error_by_horizon.png   value_error_by_horizon.{md,csv}
  fig4_error_vs_likelihood.png      likelihood.{md,csv}
  fig5_cross_checkpoint.png         cross_checkpoint.{md,csv}
  fig6_search_regularisation.png    search_stats.{md,csv}
  fig7_planning.png                 planning.{md,csv}
"""
import csv
import os
from typing import Dict, List, Sequence

import matplotlib
import matplotlib.ticker
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pipeline.analysis import value_error  # noqa: E402
from pipeline.files import write_json  # noqa: E402

BLUE, ORANGE, GREEN, GREY = "tab:blue", "tab:orange", "tab:green", "tab:gray"
RANK_BINS = 64  # Figure 4 draws rank means in this many groups when there are more ranks


def _mean_se(x) -> tuple:
  x = np.asarray(x, np.float64)
  if x.size == 0:
    return float("nan"), float("nan")
  se = x.std(ddof=1) / np.sqrt(x.size) if x.size > 1 else 0.0
  return float(x.mean()), float(se)


def write_table(out_dir: str, name: str, header: Sequence[str], rows: List[Sequence]) -> None:
  with open(os.path.join(out_dir, f"{name}.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(header)
    w.writerows(rows)
  def cell(v):
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)
  lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
  lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
  with open(os.path.join(out_dir, f"{name}.md"), "w") as f:
    f.write("\n".join(lines) + "\n")


def save_figure(fig, out_dir: str, name: str) -> None:
  fig.tight_layout()
  fig.savefig(os.path.join(out_dir, name), dpi=110)
  plt.close(fig)


def budget_ticks(ax, budgets) -> None:
  ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
  ax.set_xticks(budgets, [str(b) for b in budgets])


def _title(results) -> str:
  return f"{results['env']}"


# ---- Figure 2 -----------------------------------------------------------------
ONLINE_STYLE = {"mcts": (ORANGE, "-", "MCTS (learned model)"),
                "prior_sampled": (BLUE, "-", "policy prior, sampled"),
                "prior_argmax": (BLUE, ":", "policy prior, argmax")}


def figure2(results, out_dir) -> Dict:
  """Episode return of the search and of the prior alone at each checkpoint (mean +- SE)."""
  o = results["online"]
  steps = o["checkpoints"]
  fig, ax = plt.subplots(figsize=(6.4, 4.2))
  rows, summary = [], {"checkpoints": steps}
  for policy, returns in o["returns"].items():
    stats = [_mean_se(r) for r in returns]
    color, style, label = ONLINE_STYLE[policy]
    ax.errorbar(steps, [m for m, _ in stats], yerr=[e for _, e in stats], capsize=3, marker="o",
                color=color, linestyle=style, label=label)
    rows += [[policy, x, m, e, len(r)] for x, (m, e), r in zip(steps, stats, returns)]
    summary[policy] = [round(m, 2) for m, _ in stats]
  ax.set(xlabel="learner step (checkpoint)", ylabel="episode return",
         title=f"{_title(results)}: online performance through training")
  ax.legend(fontsize=8)
  save_figure(fig, out_dir, "fig2_online_performance.png")
  write_table(out_dir, "online_performance", ["policy", "checkpoint", "return_mean",
                                               "return_se", "episodes"], rows)
  return summary


# ---- Figure 3 -----------------------------------------------------------------
def figure3(results, out_dir) -> Dict:
  steps, h = results["checkpoints"], results["horizon"]
  diag = np.array([results["cross_def2"][i, i] for i in range(len(steps))])  # [C, h]
  diag_se = np.array([results["cross_def2_se"][i, i] for i in range(len(steps))])
  fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
  colors = plt.cm.viridis(np.linspace(0, 0.9, h))
  for k in range(h):
    axes[0].errorbar(steps, diag[:, k], yerr=diag_se[:, k], marker="o", color=colors[k],
                     capsize=3, label=f"h={k + 1}")
  axes[0].set(xlabel="learner step (checkpoint)", ylabel="value prediction error (Def. 2)",
              title=f"{_title(results)}: own behaviour policy")
  axes[0].legend(fontsize=8)
  shades = plt.cm.plasma(np.linspace(0, 0.8, len(steps)))
  for i, step in enumerate(steps):
    axes[1].errorbar(np.arange(1, h + 1), diag[i], yerr=diag_se[i], marker="o", capsize=3,
                     color=shades[i], label=f"step {step}")
  axes[1].set(xlabel="horizon h", ylabel="value prediction error (Def. 2)",
              title="by horizon")
  axes[1].set_xticks(range(1, h + 1))
  axes[1].legend(fontsize=8)
  save_figure(fig, out_dir, "fig3_value_error_by_horizon.png")
  rows = [[step, k + 1, float(diag[i, k]), float(diag_se[i, k]),
           float(results["cross_def1"][i, i, k])]
          for i, step in enumerate(steps) for k in range(h)]
  write_table(out_dir, "value_error_by_horizon",
               ["checkpoint", "horizon", "def2_error", "def2_se", "def1_error"], rows)
  return {"def2_by_horizon": {int(s): diag[i].round(5).tolist() for i, s in enumerate(steps)},
          "def1_by_horizon": {int(s): results["cross_def1"][i, i].round(5).tolist()
                              for i, s in enumerate(steps)}}


# ---- Figure 4 -----------------------------------------------------------------
def figure4(results, out_dir) -> Dict:
  tables = results["likelihood"]
  fig, axes = plt.subplots(1, len(tables), figsize=(5 * len(tables), 3.8), squeeze=False)
  rows, summary = [], {}
  for ax, (step, table) in zip(axes[0], sorted(tables.items())):
    stats = value_error.rank_statistics(table)
    q = len(stats.prob_mean)
    shown = value_error.rank_statistics(table, bins=RANK_BINS)
    x = (np.arange(len(shown.prob_mean)) + 0.5) * q / len(shown.prob_mean)
    ax.plot(x, shown.prob_mean, color=BLUE)
    ax.fill_between(x, np.maximum(shown.prob_mean - shown.prob_se, shown.prob_mean / 10),
                    shown.prob_mean + shown.prob_se, color=BLUE, alpha=0.2)
    ax.set_yscale("log")
    ax.set_ylabel("probability under the behaviour policy", color=BLUE)
    binned = f", means of ~{q // RANK_BINS} ranks" if q > RANK_BINS else ""
    ax.set_xlabel(f"sequences by probability (unlikely -> likely)\n{q} in all{binned}")
    ax2 = ax.twinx()
    ax2.plot(x, shown.error_mean, color=ORANGE)
    ax2.fill_between(x, shown.error_mean - shown.error_se, shown.error_mean + shown.error_se,
                     color=ORANGE, alpha=0.2)
    ax2.set_ylabel("value prediction error (Def. 1)", color=ORANGE)
    h = int(round(np.log(q) / np.log(results["num_actions"])))
    ax.set_title(f"{_title(results)}, step {step}, h={h}")
    rho = value_error.spearman_per_state(table)
    tenth = max(q // 10, 1)
    summary[int(step)] = {
        "sequences": q, "states": int(table.probs.shape[0]),
        "spearman_prob_error_mean": float(np.mean(rho)),
        "error_most_likely": float(stats.error_mean[-1]),
        "error_top10pct": float(stats.error_mean[-tenth:].mean()),
        "error_bottom50pct": float(stats.error_mean[:q // 2].mean()),
        "error_all": float(stats.error_mean.mean()),
        "prob_most_likely": float(stats.prob_mean[-1])}
    rows += [[step, r, float(stats.prob_mean[r]), float(stats.prob_se[r]),
              float(stats.error_mean[r]), float(stats.error_se[r])] for r in range(q)]
  save_figure(fig, out_dir, "fig4_error_vs_likelihood.png")
  write_table(out_dir, "likelihood",
               ["checkpoint", "rank", "prob_mean", "prob_se", "error_mean", "error_se"], rows)
  with open(os.path.join(out_dir, "likelihood.md"), "w") as f:  # the full table is in the CSV
    f.write("| checkpoint | sequences | states | Spearman(prob, error) | error, most likely | "
            "error, top 10% | error, bottom 50% | error, all |\n|---|---|---|---|---|---|---|---|\n")
    for step, s in summary.items():
      f.write(f"| {step} | {s['sequences']} | {s['states']} | {s['spearman_prob_error_mean']:.3f} | "
              f"{s['error_most_likely']:.4g} | {s['error_top10pct']:.4g} | "
              f"{s['error_bottom50pct']:.4g} | {s['error_all']:.4g} |\n")
  return summary


# ---- Figure 5 -----------------------------------------------------------------
def figure5(results, out_dir) -> Dict:
  steps = results["checkpoints"]
  m = results["cross_def2"][:, :, -1]
  # Rows are not comparable (each row has its own states), so the colour is
  # the error over its row's minimum; the numbers are the errors.
  rel = m / np.maximum(m.min(axis=1, keepdims=True), 1e-12)
  fig, ax = plt.subplots(figsize=(1.2 * len(steps) + 3, 1.0 * len(steps) + 2.2))
  im = ax.imshow(rel, cmap="viridis")
  for i in range(len(steps)):
    for j in range(len(steps)):
      ax.text(j, i, f"{m[i, j]:.3g}", ha="center", va="center",
              color="white" if rel[i, j] < (rel.min() + rel.max()) / 2 else "black", fontsize=9)
  ax.set_xticks(range(len(steps)), [str(s) for s in steps])
  ax.set_yticks(range(len(steps)), [str(s) for s in steps])
  ax.set(xlabel="behaviour policy of step Y", ylabel="model of step X",
         title=f"{_title(results)}: error at h={results['horizon']}")
  fig.colorbar(im, ax=ax, label="error / row minimum")
  save_figure(fig, out_dir, "fig5_cross_checkpoint.png")
  se = results["cross_def2_se"][:, :, -1]
  rows = [[steps[i], steps[j], float(m[i, j]), float(se[i, j])]
          for i in range(len(steps)) for j in range(len(steps))]
  write_table(out_dir, "cross_checkpoint", ["model_step", "policy_step", "def2_error", "se"], rows)
  with open(os.path.join(out_dir, "cross_checkpoint.md"), "w") as f:
    f.write("| model \\ policy | " + " | ".join(str(s) for s in steps) + " |\n")
    f.write("|---|" + "---|" * len(steps) + "\n")
    for i, s in enumerate(steps):
      f.write(f"| {s} | " + " | ".join(f"{m[i, j]:.4g} ± {se[i, j]:.2g}"
                                       for j in range(len(steps))) + " |\n")
  row_min = [int(np.argmin(m[i])) == i for i in range(len(steps))]
  return {"matrix": m.round(5).tolist(), "diagonal_is_row_minimum": row_min}


# ---- Figure 6 -----------------------------------------------------------------
def figure6(results, out_dir) -> Dict:
  s = results["search_stats"]
  budgets = s["budgets"]
  priors = sorted({p for p, _ in s["cells"]}, key=lambda p: p != "policy")
  fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
  rows, summary = [], {}
  for prior in priors:
    color = BLUE if prior == "policy" else ORANGE
    stats = {k: [_mean_se(s["cells"][prior, b][k] if k != "errors" else
                          s["cells"][prior, b]["errors"][:, 1]) for b in budgets]
             for k in ("errors", "tv", "kl")}
    for ax, key, label in zip(axes, ("errors", "tv", "kl"),
                              ("value error of simulated trajectories", "TV[prior, visits]",
                               "KL[prior, visits]")):
      mean = [m for m, _ in stats[key]]
      se = [e for _, e in stats[key]]
      ax.errorbar(budgets, mean, yerr=se, marker="o", capsize=3, color=color,
                  label=f"{prior} prior")
      ax.set(xscale="log", xlabel="simulations", ylabel=label)
      budget_ticks(ax, budgets)
    for j, b in enumerate(budgets):
      depth = s["cells"][prior, b]["errors"][:, 0]
      rows.append([prior, b] + [v for key in ("errors", "tv", "kl") for v in stats[key][j]] +
                  [float(depth.mean()) if depth.size else float("nan")])
    summary[prior] = {k: [round(m, 5) for m, _ in stats[k]] for k in stats}
  axes[0].legend()
  axes[1].set_title(f"{_title(results)}, step {s['checkpoint']}")
  save_figure(fig, out_dir, "fig6_search_regularisation.png")
  write_table(out_dir, "search_stats",
               ["prior", "simulations", "trajectory_error", "trajectory_error_se", "tv", "tv_se",
                "kl", "kl_se", "mean_depth"], rows)
  summary["budgets"] = budgets
  return summary


# ---- Figure 7 -----------------------------------------------------------------
def figure7(results, out_dir) -> Dict:
  p = results["planning"]
  budgets = p["budgets"]
  fig, ax = plt.subplots(figsize=(6.4, 4.2))
  rows, summary = [], {}
  for (model, prior), returns in sorted(p["returns"].items()):
    stats = [_mean_se(r) for r in returns]
    ax.errorbar(budgets, [m for m, _ in stats], yerr=[e for _, e in stats], capsize=3,
                marker="o", color=ORANGE if model == "learned" else GREEN,
                linestyle="-" if prior == "policy" else "--", label=f"{model} model, {prior} prior")
    rows += [[model, prior, b, m, e, len(r)] for b, (m, e), r in zip(budgets, stats, returns)]
    summary[f"{model}/{prior}"] = [round(m, 2) for m, _ in stats]
  mean, se = _mean_se(p["prior_only"])
  ax.axhline(mean, color=GREY, linestyle=":", label="policy prior alone")
  ax.axhspan(mean - se, mean + se, color=GREY, alpha=0.15)
  rows.append(["none", "policy prior alone", 0, mean, se, len(p["prior_only"])])
  summary["prior_only"] = round(mean, 2)
  summary["budgets"] = budgets
  ax.set(xscale="log", xlabel="simulations per step", ylabel="episode return",
         title=f"{_title(results)}, step {p['checkpoint']}")
  budget_ticks(ax, budgets)
  ax.legend(fontsize=8)
  save_figure(fig, out_dir, "fig7_planning.png")
  write_table(out_dir, "planning", ["model", "prior", "simulations", "return_mean",
                                     "return_se", "episodes"], rows)
  return summary


def write_report(results, out_dir: str) -> Dict:
  """Draws every figure and writes every table; returns the summary."""
  os.makedirs(out_dir, exist_ok=True)
  summary = {"run": results["run"], "env": results["env"], "checkpoints": results["checkpoints"],
             "horizon": results["horizon"], "temperatures": results["temperatures"],
             "behaviour_returns_mean": [float(np.mean(r)) if r else None
                                        for r in results["behaviour_returns"]]}
  summary["figure2"] = figure2(results, out_dir)
  summary["figure3"] = figure3(results, out_dir)
  summary["figure4"] = figure4(results, out_dir)
  summary["figure5"] = figure5(results, out_dir)
  summary["figure6"] = figure6(results, out_dir)
  summary["figure7"] = figure7(results, out_dir)
  write_json(os.path.join(out_dir, "summary.json"), summary)
  return summary
