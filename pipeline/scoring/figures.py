"""Training curves as PNG: the paper's Figure 5 and per-game learning curves.

A run's curve is sampled on a grid of its game's env frames: at frame f, the
mean return of the last `window` episodes that ended by f (window = the
scoring's final episodes, so the last point is the run's final score). A
point past the run's last episode (+ one grid step) is NaN: an unfinished run
does not pretend to have reached the end.

Figure 5 (per variant): the median over games of the normalised per-game
mean curve, with rliable stratified-bootstrap bands, drawn where every run of
the variant has a value. Learning curves (per game): raw return against env
frames, mean over seeds ± SEM across seeds.
"""
from typing import Dict, List, NamedTuple, Sequence, Tuple

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


def plot_median_curves(arrays: Dict[str, np.ndarray], x: np.ndarray, x_label: str, y_label: str,
                       path: str, reps: int, ci: float, seed: int) -> Dict[str, int]:
  """Figure 5: per-variant median over games with bootstrap bands; returns points drawn."""
  plt = _pyplot()
  fig, ax = plt.subplots(figsize=(6, 4))
  drawn = {}
  task = aggregates.needs_task_bootstrap(arrays)
  for v, arr in arrays.items():
    keep = np.all(np.isfinite(arr), axis=(0, 1))
    drawn[v] = int(keep.sum())
    if not keep.any():
      continue
    point, low, high = aggregates.bootstrap({v: arr[..., keep]}, aggregates.median_curve,
                                            reps, ci, seed, task)[v]
    line, = ax.plot(x[keep], point, label=v)
    ax.fill_between(x[keep], low, high, alpha=0.25, color=line.get_color(), linewidth=0)
  ax.set_xlabel(x_label)
  ax.set_ylabel(y_label)
  title = f"median over games, {ci:.0%} CI ({'runs+games' if task else 'runs'} bootstrap)"
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


def plot_learning_curves(samples, grids: Dict[str, np.ndarray], variants: Sequence[str],
                         games: Sequence[str], path: str) -> None:
  """One panel per game: raw return against env frames, mean over seeds ± SEM."""
  plt = _pyplot()
  cols = min(4, max(1, len(games)))
  rows = -(-len(games) // cols)
  fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
  colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
  for ax, g in zip(axes.flat, games):
    for i, v in enumerate(variants):
      runs = samples.get((v, g), [])
      if not runs:
        continue
      mean, sem = seed_mean_sem([vals for _, vals in runs])
      color = colors[i % len(colors)]
      ax.plot(grids[g], mean, color=color, label=f"{v} ({len(runs)} seeds)")
      ax.fill_between(grids[g], mean - sem, mean + sem, color=color, alpha=0.25, linewidth=0)
    ax.set_title(g, fontsize=10)
    ax.set_xlabel("env frames")
    ax.set_ylabel("return")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
  for ax in list(axes.flat)[len(games):]:
    ax.axis("off")
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)


def x_axis(grids: Dict[str, np.ndarray], games: Sequence[str], points: int) -> Tuple[np.ndarray, str]:
  """Shared x for Figure 5: env frames if every game's budget agrees within 10%, else fraction."""
  tops = np.array([grids[g][-1] for g in games])
  if tops.size and tops.max() <= 1.1 * tops.min():
    return frame_grid(float(tops.mean()), points), "env frames"
  return frame_grid(1.0, points), "fraction of the game's frames"
