"""He et al.'s figures over seeds: each number the mean over runs, +- its SE over runs.

Inputs are the (mean, se) trees of seeds.aggregate, shaped as one run's
summary.json (report.write_report). Files, beside seeds_summary.*:
  fig2_online_performance_seeds.png   return of search / prior at each checkpoint
  fig3_value_error_by_horizon_seeds.png  Def. 2 error of each checkpoint on its own policy
  fig5_cross_checkpoint_seeds.png     model of step X on the policy of step Y, h = K
  fig6_search_regularisation_seeds.png  trajectory error, TV and KL by simulations
  fig7_planning_seeds.png             return of MCTS with the learned / true model
"""
from typing import Dict

import matplotlib
import matplotlib.colors
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pipeline.analysis import report  # noqa: E402


def figure2(mean: Dict, se: Dict, title: str, out_dir: str) -> None:
  fig, ax = plt.subplots(figsize=(6.4, 4.2))
  steps = mean["checkpoints"]
  for policy, (color, style, label) in report.ONLINE_STYLE.items():
    if policy in mean:
      ax.errorbar(steps, mean[policy], yerr=se[policy], capsize=3, marker="o", color=color,
                  linestyle=style, label=label)
  ax.set(xlabel="learner step (checkpoint)", ylabel="episode return",
         title=f"{title}: online performance")
  ax.legend(fontsize=8)
  report.save_figure(fig, out_dir, "fig2_online_performance_seeds.png")


def figure3(mean: Dict, se: Dict, title: str, out_dir: str) -> None:
  steps = sorted(mean["def2_by_horizon"], key=int)
  m = np.array([mean["def2_by_horizon"][s] for s in steps])   # [C, h]
  e = np.array([se["def2_by_horizon"][s] for s in steps])
  x, h = [int(s) for s in steps], m.shape[1]
  fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
  for k, color in enumerate(plt.cm.viridis(np.linspace(0, 0.9, h))):
    axes[0].errorbar(x, m[:, k], yerr=e[:, k], marker="o", capsize=3, color=color, label=f"h={k + 1}")
  axes[0].set(xlabel="learner step (checkpoint)", ylabel="value prediction error (Def. 2)",
              title=f"{title}: own behaviour policy")
  axes[0].legend(fontsize=8)
  for i, color in enumerate(plt.cm.plasma(np.linspace(0, 0.8, len(steps)))):
    axes[1].errorbar(np.arange(1, h + 1), m[i], yerr=e[i], marker="o", capsize=3, color=color,
                     label=f"step {steps[i]}")
  axes[1].set(xlabel="horizon h", ylabel="value prediction error (Def. 2)", title="by horizon")
  axes[1].set_xticks(range(1, h + 1))
  axes[1].legend(fontsize=7, ncol=2)
  report.save_figure(fig, out_dir, "fig3_value_error_by_horizon_seeds.png")


def figure5(mean: Dict, steps, title: str, out_dir: str) -> None:
  """Colour: the mean error over its row's minimum (log scale); text: the mean error. Each
  row label carries the fraction of runs whose own policy is the row minimum."""
  m = np.asarray(mean["matrix"])
  rel = m / np.maximum(m.min(axis=1, keepdims=True), 1e-12)
  steps, n = [int(s) for s in steps], len(steps)
  fig, ax = plt.subplots(figsize=(0.9 * n + 3, 0.75 * n + 2.2))
  im = ax.imshow(rel, cmap="viridis", norm=matplotlib.colors.LogNorm(vmin=1.0, vmax=max(rel.max(), 1.01)))
  middle = np.sqrt(max(rel.max(), 1.01))  # the log scale's midpoint
  for i in range(n):
    for j in range(n):
      ax.text(j, i, f"{m[i, j]:.2g}", ha="center", va="center", fontsize=7,
              color="white" if rel[i, j] < middle else "black")
  ax.set_xticks(range(n), [str(s) for s in steps], rotation=90)
  ax.set_yticks(range(n), [f"{s} ({f:.0%})" for s, f in zip(steps, mean["diagonal_is_row_minimum"])])
  ax.set(xlabel="behaviour policy of step Y", ylabel="model of step X (runs with the diagonal the row min)",
         title=f"{title}: mean error at h = K")
  fig.colorbar(im, ax=ax, label="mean error / row minimum (log scale)")
  report.save_figure(fig, out_dir, "fig5_cross_checkpoint_seeds.png")


def figure6(mean: Dict, se: Dict, title: str, out_dir: str) -> None:
  budgets = [int(b) for b in mean["budgets"]]
  fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
  for prior, color in (("policy", report.BLUE), ("uniform", report.ORANGE)):
    if prior not in mean:
      continue
    for ax, key, label in zip(axes, ("errors", "tv", "kl"), ("value error of simulated trajectories",
                                                             "TV[prior, visits]", "KL[prior, visits]")):
      ax.errorbar(budgets, mean[prior][key], yerr=se[prior][key], marker="o", capsize=3, color=color,
                  label=f"{prior} prior")
      ax.set(xscale="log", xlabel="simulations", ylabel=label)
      report.budget_ticks(ax, budgets)
  axes[0].legend()
  axes[1].set_title(f"{title}, last checkpoint")
  report.save_figure(fig, out_dir, "fig6_search_regularisation_seeds.png")


def figure7(mean: Dict, se: Dict, title: str, out_dir: str) -> None:
  budgets = [int(b) for b in mean["budgets"]]
  fig, ax = plt.subplots(figsize=(6.4, 4.2))
  for key in sorted(k for k in mean if "/" in k):
    model, prior = key.split("/")
    ax.errorbar(budgets, mean[key], yerr=se[key], capsize=3, marker="o",
                color=report.ORANGE if model == "learned" else report.GREEN,
                linestyle="-" if prior == "policy" else "--", label=f"{model} model, {prior} prior")
  ax.axhline(mean["prior_only"], color=report.GREY, linestyle=":", label="policy prior alone")
  ax.axhspan(mean["prior_only"] - se["prior_only"], mean["prior_only"] + se["prior_only"],
             color=report.GREY, alpha=0.15)
  ax.set(xscale="log", xlabel="simulations per step", ylabel="episode return",
         title=f"{title}, last checkpoint")
  report.budget_ticks(ax, budgets)
  ax.legend(fontsize=8)
  report.save_figure(fig, out_dir, "fig7_planning_seeds.png")


def write_all(mean: Dict, se: Dict, runs: int, out_dir: str) -> None:
  """Every figure whose numbers the summaries have."""
  title = f"{mean['env']}, mean +- SE over {runs} runs"
  if "figure2" in mean:
    figure2(mean["figure2"], se["figure2"], title, out_dir)
  if "figure3" in mean:
    figure3(mean["figure3"], se["figure3"], title, out_dir)
  if "figure5" in mean:
    figure5(mean["figure5"], mean["checkpoints"], title, out_dir)
  if "figure6" in mean:
    figure6(mean["figure6"], se["figure6"], title, out_dir)
  if "figure7" in mean:
    figure7(mean["figure7"], se["figure7"], title, out_dir)
