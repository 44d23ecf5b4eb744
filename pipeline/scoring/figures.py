"""Figures as PNG, each with its data as CSV beside it.

  figure5_median.png        the paper's Figure 5: median normalised score vs frames
  iqm_curve.png             IQM of the normalised score vs frames, with its CI band
  performance_profiles.png  rliable's score distributions of the final normalised scores
  learning_curves.png       per game: self-play and greedy-evaluation return vs frames,
                            with the random and reference levels dashed

A run's curve is sampled on a grid of its game's env frames: at frame f, the
mean return of the last `window` episodes that ended by f (window = the
scoring's final episodes, so the last point is the run's final score). A
point past the run's last episode (+ one grid step) is NaN: an unfinished run
does not pretend to have reached the end.

Figure 5 and the IQM curve (per variant): the median (IQM) over games of the
normalised per-game curve, with rliable stratified-bootstrap bands, drawn
where every run of the variant has a value. Learning curves (per game): raw
return against env frames, mean over seeds ± SEM across seeds; a run's greedy
evaluations (DIR/eval/curve.csv) are binned on the same grid as the last
evaluation made by each grid frame (curve_on_grid with a window of 1).
"""
import csv
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from pipeline.scoring import aggregates
from pipeline.scoring.normalise import Bounds
from pipeline.scoring.scores import seed_sort_key

NAN = float("nan")


class RunCurve(NamedTuple):
  variant: str
  game: str
  seed: str
  frames: np.ndarray   # [E] run frames when each episode ended, increasing
  returns: np.ndarray  # [E]


def frame_grid(max_frames: float, points: int) -> np.ndarray:
  """[points] evenly spaced frames in (0, max_frames]."""
  return np.linspace(max_frames / points, max_frames, points)


def curve_on_grid(frames: np.ndarray, returns: np.ndarray, grid: np.ndarray, window: int) -> np.ndarray:
  """[G] trailing mean of the last `window` returns among episodes ended by each grid frame."""
  frames, returns = np.asarray(frames), np.asarray(returns, dtype=np.float64)
  if frames.size == 0:
    return np.full(len(grid), NAN)
  ended = np.searchsorted(frames, grid, side="right")
  first = np.maximum(ended - window, 0)
  csum = np.concatenate([[0.0], np.cumsum(returns)])
  values = (csum[ended] - csum[first]) / np.maximum(ended - first, 1)
  step = grid[1] - grid[0] if len(grid) > 1 else grid[0]
  values[(ended == 0) | (grid > frames[-1] + step)] = NAN
  return values


def game_grids(curves: Sequence[RunCurve], points: int) -> Dict[str, np.ndarray]:
  """{game: frame grid up to the most frames any run of the game reached}."""
  top: Dict[str, float] = {}
  for c in curves:
    last = float(c.frames[-1]) if c.frames.size else 0.0
    top[c.game] = max(top.get(c.game, 0.0), last)
  return {g: frame_grid(m, points) for g, m in top.items() if m > 0}


def sampled(curves: Sequence[RunCurve], grids: Dict[str, np.ndarray], window: int
            ) -> Dict[Tuple[str, str], List[Tuple[str, np.ndarray]]]:
  """{(variant, game): [(seed, values [G])]} in seed order."""
  out: Dict[Tuple[str, str], List[Tuple[str, np.ndarray]]] = {}
  for c in sorted(curves, key=lambda c: seed_sort_key(c.seed)):
    if c.game in grids:
      out.setdefault((c.variant, c.game), []).append(
          (c.seed, curve_on_grid(c.frames, c.returns, grids[c.game], window)))
  return out


def median_arrays(samples, bounds: Dict[str, Bounds], variants: Sequence[str], games: Sequence[str]
                  ) -> Dict[str, np.ndarray]:
  """{variant: [runs, games, G] normalised curves}; runs = fewest seeds of any game."""
  out = {}
  for v in variants:
    per_game = [[bounds[g].apply(vals) for _, vals in samples.get((v, g), [])] for g in games]
    k = min((len(p) for p in per_game), default=0)
    if k == 0:
      continue
    out[v] = np.stack([np.stack([per_game[j][i] for j in range(len(games))]) for i in range(k)])
  return out


def _pyplot():
  import matplotlib
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt
  return plt


def write_csv(path: str, header: Sequence[str], rows: Sequence[Sequence]) -> str:
  """The data of a figure beside it: PATH.png -> PATH.csv; returns the CSV path."""
  out = path[:-4] + ".csv" if path.endswith(".png") else path
  with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(header)
    for r in rows:
      w.writerow(["" if isinstance(x, float) and not np.isfinite(x) else x for x in r])
  return out


CURVE_METRICS = {"median": aggregates.median_curve, "iqm": aggregates.iqm_curve}


def plot_median_curves(arrays: Dict[str, np.ndarray], x: np.ndarray, x_label: str, y_label: str,
                       path: str, reps: int, ci: float, seed: int, metric: str = "median") -> Dict[str, int]:
  """Per-variant median (or IQM) over games with bootstrap bands, and its CSV
  (variant, x, point, CI low, CI high); returns the points drawn per variant."""
  plt = _pyplot()
  fig, ax = plt.subplots(figsize=(6, 4))
  drawn, rows = {}, []
  task = aggregates.needs_task_bootstrap(arrays)
  for v, arr in arrays.items():
    keep = np.all(np.isfinite(arr), axis=(0, 1))
    drawn[v] = int(keep.sum())
    if not keep.any():
      continue
    point, low, high = aggregates.bootstrap({v: arr[..., keep]}, CURVE_METRICS[metric],
                                            reps, ci, seed, task)[v]
    rows += [(v, float(a), float(b), float(c), float(d)) for a, b, c, d in zip(x[keep], point, low, high)]
    line, = ax.plot(x[keep], point, label=v)
    ax.fill_between(x[keep], low, high, alpha=0.25, color=line.get_color(), linewidth=0)
  write_csv(path, ["variant", x_label.replace(" ", "_"), metric, "ci_low", "ci_high"], rows)
  ax.set_xlabel(x_label)
  ax.set_ylabel(y_label)
  title = f"{'IQM' if metric == 'iqm' else metric} over games, {ci:.0%} CI ({'runs+games' if task else 'runs'} bootstrap)"
  if any(n < len(x) for n in drawn.values()):
    title += "\nends where the shortest run ends (unfinished runs)"
  ax.set_title(title, fontsize=9)
  ax.grid(alpha=0.3)
  ax.legend()
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)
  return drawn


def seed_mean_sem(values: List[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
  """([G] mean over seeds, [G] SEM across seeds) ignoring NaN; SEM NaN below 2 seeds."""
  arr = np.stack(values)
  n = np.sum(np.isfinite(arr), axis=0)
  with np.errstate(invalid="ignore", divide="ignore"):
    mean = np.where(n > 0, np.nansum(arr, axis=0) / np.maximum(n, 1), NAN)
    dev = np.where(np.isfinite(arr), arr - mean, 0.0)
    sem = np.where(n > 1, np.sqrt(np.sum(dev**2, axis=0) / np.maximum(n - 1, 1) / np.maximum(n, 1)), NAN)
  return mean, sem


class Level(NamedTuple):
  """A horizontal reference line of a learning-curve panel."""
  value: float
  label: str


def plot_learning_curves(samples, grids: Dict[str, np.ndarray], variants: Sequence[str],
                         games: Sequence[str], path: str,
                         eval_samples: Optional[Dict[Tuple[str, str], List[Tuple[str, np.ndarray]]]] = None,
                         levels: Optional[Dict[str, Sequence[Level]]] = None) -> str:
  """One panel per game: raw return against env frames, mean over seeds ± SEM,
  self-play (solid) and greedy evaluation (dotted, markers) per variant, the
  `levels` dashed. Writes the CSV (game, variant, kind, frames, mean, sem,
  seeds) beside the PNG and returns its path."""
  plt = _pyplot()
  cols = min(4, max(1, len(games)))
  rows = -(-len(games) // cols)
  alone = len(games) == 1  # one panel: wider, the legend beside it instead of over the curves
  fig, axes = plt.subplots(rows, cols, figsize=(9, 4) if alone else (4 * cols, 3 * rows), squeeze=False)
  colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
  data = []
  for ax, g in zip(axes.flat, games):
    for i, v in enumerate(variants):
      color = colors[i % len(colors)]
      for kind, source in (("selfplay", samples), ("eval", eval_samples or {})):
        runs = source.get((v, g), [])
        if not runs:
          continue
        mean, sem = seed_mean_sem([vals for _, vals in runs])
        n = np.sum(np.isfinite(np.stack([vals for _, vals in runs])), axis=0)
        data += [(g, v, kind, float(f), float(m), float(e), int(k))
                 for f, m, e, k in zip(grids[g], mean, sem, n) if k > 0]
        if kind == "selfplay":
          ax.plot(grids[g], mean, color=color, label=f"{v} self-play ({len(runs)} seeds)")
          ax.fill_between(grids[g], mean - sem, mean + sem, color=color, alpha=0.25, linewidth=0)
        else:
          ax.plot(grids[g], mean, color=color, linestyle=":", marker=".", markersize=3,
                  label=f"{v} greedy eval")
    for j, level in enumerate((levels or {}).get(g, ())):
      ax.axhline(level.value, color="0.35" if j == 0 else "0.6", linestyle="--", linewidth=1,
                 label=level.label)
    ax.set_title(g, fontsize=10)
    ax.set_xlabel("env frames")
    ax.set_ylabel("return")
    ax.grid(alpha=0.3)
    if alone:
      ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    else:
      ax.legend(fontsize=6)
  for ax in list(axes.flat)[len(games):]:
    ax.axis("off")
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)
  return write_csv(path, ["game", "variant", "kind", "env_frames", "mean", "sem", "seeds"], data)


def plot_performance_profiles(matrices: Dict[str, np.ndarray], path: str, reps: int, ci: float,
                              seed: int, points: int = 81) -> str:
  """rliable's performance profiles (the fraction of runs x games whose
  normalised final score exceeds tau) with bootstrap bands, and its CSV
  (variant, tau, fraction, CI low, CI high); returns the CSV path."""
  from rliable import library, plot_utils  # lazily: rliable pulls in arch (slow)
  plt = _pyplot()
  finite = [m[np.isfinite(m)] for m in matrices.values() if m.size]
  top = max([1.0] + [float(x.max()) for x in finite if x.size])
  low = min([0.0] + [float(x.min()) for x in finite if x.size])
  taus = np.linspace(low, top, points)
  task = aggregates.needs_task_bootstrap(matrices)
  with aggregates.seeded_global_rng(seed):
    profiles, cis = library.create_performance_profile(
        {v: m for v, m in matrices.items() if m.size}, taus, reps=reps,
        confidence_interval_size=ci, task_bootstrap=task)
  fig, ax = plt.subplots(figsize=(6, 4))
  plot_utils.plot_performance_profiles(profiles, taus, performance_profile_cis=cis, ax=ax,
                                       xlabel=r"normalised score $\tau$",
                                       ylabel=r"fraction of runs with score $> \tau$",
                                       labelsize="medium", ticklabelsize="medium")
  ax.legend(fontsize=8)
  ax.set_title(f"performance profiles, {ci:.0%} CI ({'runs+games' if task else 'runs'} bootstrap)",
               fontsize=9)
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)
  rows = [(v, float(t), float(p), float(lo), float(hi)) for v in profiles
          for t, p, lo, hi in zip(taus, profiles[v], cis[v][0], cis[v][1])]
  return write_csv(path, ["variant", "tau", "fraction_above", "ci_low", "ci_high"], rows)


def x_axis(grids: Dict[str, np.ndarray], games: Sequence[str], points: int) -> Tuple[np.ndarray, str]:
  """Shared x for Figure 5: env frames if every game's budget agrees within 10%, else fraction."""
  tops = np.array([grids[g][-1] for g in games])
  if tops.size and tops.max() <= 1.1 * tops.min():
    return frame_grid(float(tops.mean()), points), "env frames"
  return frame_grid(1.0, points), "fraction of the game's frames"
