"""PNG figures of the three experiments (matplotlib, Agg)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
import numpy as np
from matplotlib.collections import LineCollection  # pylint: disable=g-import-not-at-top


def _order_label(name):
  return r"$\infty$ (PVE)" if name == "pve" else name[1:]


def model_space(results, names, path):
  """Figure 3: PCA scatter per class (progress / value rows) and diameters."""
  n = len(names)
  fig, axes = plt.subplots(2, n + 1, figsize=(3.1 * (n + 1), 6.2), squeeze=False)
  lim = 1.05 * max(np.abs(results[name]["coords"]).max() for name in names)
  for j, name in enumerate(names):
    res = results[name]
    coords, T = res["coords"], len(res["steps"])
    progress = np.repeat(np.arange(1, T + 1) / T, coords.shape[1])
    sc = axes[0, j].scatter(coords[..., 0].ravel(), coords[..., 1].ravel(), c=progress,
                            cmap="viridis", s=4, vmin=0, vmax=1)
    idx = np.searchsorted(res["steps"], res["value_steps"])
    pts = coords[idx]
    sv = axes[1, j].scatter(pts[..., 0].ravel(), pts[..., 1].ravel(), c=res["value_ratio"].ravel(),
                            cmap="plasma", s=4, vmin=0, vmax=1)
    axes[0, j].set_title(f"k = {_order_label(name)}")
    for ax in axes[:, j]:  # one scale for every class: sizes are comparable
      ax.set_xlim(-lim, lim); ax.set_ylim(-lim, lim)
      ax.set_xticks([]); ax.set_yticks([])
  fig.colorbar(sc, ax=axes[0, n - 1], label="training progress")
  fig.colorbar(sv, ax=axes[1, n - 1], label="value of optimal policy / optimal")
  _diameter_panel(axes[0, n], results, names)
  axes[1, n].axis("off")
  axes[0, 0].set_ylabel("coloured by progress")
  axes[1, 0].set_ylabel("coloured by value")
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def _diameter_panel(ax, results, names):
  means = [np.mean(results[n]["diam_pca"]) for n in names]
  stds = [np.std(results[n]["diam_pca"]) for n in names]
  ax.errorbar(np.arange(len(names)), means, yerr=stds, marker="o", capsize=3)
  ax.set_xticks(np.arange(len(names)))
  ax.set_xticklabels([_order_label(n).replace(" (PVE)", "") for n in names])
  ax.set_xlabel("order k")
  ax.set_ylabel("diameter (PCA plane)")
  ax.set_title("diameter of final models")


def capacity(ranks, values, optimal, path):
  """Figure 4a: env value of the models' optimal policies against rank."""
  fig, ax = plt.subplots(figsize=(5.5, 4))
  for noise, label in (("deterministic", r"$\Pi_{det}$"), ("stochastic", r"$\Pi$")):
    v = values[noise]  # [R, seeds]
    se = v.std(axis=1, ddof=1) / np.sqrt(v.shape[1]) if v.shape[1] > 1 else np.zeros(len(v))
    ax.errorbar(ranks, v.mean(axis=1), yerr=se, marker="o", capsize=3, label=label)
  ax.axhline(optimal, color="red", linestyle="--", label="optimal")
  ax.set_xlabel("rank of each $\\tilde P_a$")
  ax.set_ylabel("env value of model's optimal policy\n(mean over states)")
  ax.legend()
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def _grid(ax, layout):
  walls = np.array([[ch == "#" for ch in line] for line in layout], float)
  ax.imshow(walls, cmap="Greys", vmin=0, vmax=1.4)
  for i, line in enumerate(layout):
    j = line.find("G")
    if j >= 0:
      ax.text(j, i, "G", ha="center", va="center", color="green", fontsize=11, weight="bold")
  ax.set_xticks([]); ax.set_yticks([])


def _paths(ax, cells, states, rng, jitter=0.18):
  num, steps = states.shape
  xy = cells[states][..., ::-1].astype(float)  # [num, L+1, (col,row)]
  xy = xy + rng.uniform(-jitter, jitter, size=(num, 1, 2))
  segs = np.stack([xy[:, :-1], xy[:, 1:]], axis=2).reshape(-1, 2, 2)
  t = np.tile(np.arange(steps - 1) / (steps - 1), num)
  lc = LineCollection(segs, cmap="viridis", linewidths=0.4, alpha=0.15)
  lc.set_array(t)
  ax.add_collection(lc)


def trajectories(mdp, env_states, model_states, path, seed=0):
  """Figure 4b: optimal-policy trajectories in the env (left) and a PVE model."""
  rng = np.random.default_rng(seed)
  fig, axes = plt.subplots(1, 2, figsize=(10, 5))
  for ax, states, title in ((axes[0], env_states, "environment"), (axes[1], model_states, "PVE model")):
    _grid(ax, mdp.layout)
    _paths(ax, mdp.cells, states, rng)
    r0, c0 = mdp.cells[states[0, 0]]
    ax.plot([c0], [r0], "o", color="red", markersize=8)
    ax.set_title(title)
  mappable = plt.cm.ScalarMappable(norm=matplotlib.colors.Normalize(0, 1), cmap="viridis")
  fig.colorbar(mappable, ax=axes, label="time t / T", shrink=0.8)
  fig.savefig(path, dpi=110, bbox_inches="tight")
  plt.close(fig)
