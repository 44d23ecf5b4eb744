"""He et al.'s analyses over seeds: the mean and standard error, across runs,
of every number in their per-run summaries (RUN/analysis/summary.json, from
report.write_report), as the paper aggregates 20-30 agents.

  aggregate(summaries) -> (mean tree, SE tree) of the same shape as a summary
  write_seeds_report(summaries, out_dir) -> seeds_summary.{json,md,csv} and
      the figures over seeds (seeds_figures.py)

A number's SE is the sample standard deviation over runs / sqrt(runs) (0 for
one run); a flag (e.g. "diagonal is the row minimum") becomes the fraction of
runs where it holds. The runs must share their structure (game, checkpoint
steps, budgets): a run trained with another config is one error line.
"""
import json
import os
from typing import Any, List, Sequence, Tuple

import numpy as np

from pipeline.errors import PipelineError

PER_RUN_KEYS = ("run",)  # differ by design; not aggregated


def mean_se(values: Sequence[float]) -> Tuple[float, float]:
  x = np.asarray(values, np.float64)
  se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else 0.0
  return float(x.mean()), se


def _aggregate(trees: List[Any], path: str) -> Tuple[Any, Any]:
  first = trees[0]
  if isinstance(first, dict):
    keys = [k for k in first if k not in PER_RUN_KEYS]
    for t in trees[1:]:
      if sorted(k for k in t if k not in PER_RUN_KEYS) != sorted(keys):
        raise PipelineError(f"the runs' analyses differ at {path or 'the top'}: keys "
                            f"{sorted(keys)} against {sorted(t)}; aggregate runs of one config")
    pairs = {k: _aggregate([t[k] for t in trees], f"{path}.{k}".lstrip(".")) for k in keys}
    return {k: m for k, (m, _) in pairs.items()}, {k: s for k, (_, s) in pairs.items()}
  if isinstance(first, list):
    if any(len(t) != len(first) for t in trees):
      raise PipelineError(f"the runs' analyses differ at {path}: lengths "
                          f"{[len(t) for t in trees]}; aggregate runs of one config")
    pairs = [_aggregate([t[i] for t in trees], f"{path}[{i}]") for i in range(len(first))]
    return [m for m, _ in pairs], [s for _, s in pairs]
  if isinstance(first, bool):
    return mean_se([float(t) for t in trees])
  if isinstance(first, (int, float)) or first is None:
    values = [t for t in trees if t is not None]
    return mean_se(values) if values else (None, None)
  if any(t != first for t in trees):
    raise PipelineError(f"the runs' analyses differ at {path}: {sorted(set(map(str, trees)))}")
  return first, None


def aggregate(summaries: List[dict]) -> Tuple[dict, dict]:
  """(mean, se): trees shaped as one summary, each number the mean (SE) over runs."""
  if not summaries:
    raise PipelineError("no analysed runs to aggregate")
  return _aggregate(summaries, "")


def _rows(mean, se, path: str = "") -> List[list]:
  """[key path, mean, se] for every number of the trees, in order."""
  if isinstance(mean, dict):
    return [r for k in mean for r in _rows(mean[k], se[k], f"{path}.{k}".lstrip("."))]
  if isinstance(mean, list):
    return [r for i in range(len(mean)) for r in _rows(mean[i], se[i], f"{path}[{i}]")]
  return [[path, mean, se]] if isinstance(mean, float) else []


def write_seeds_report(summaries: List[dict], out_dir: str) -> dict:
  """Writes out_dir/seeds_summary.{json,md,csv} and the figures over seeds."""
  from pipeline.analysis import report, seeds_figures  # pylint: disable=g-import-not-at-top  (matplotlib)
  mean, se = aggregate(summaries)
  os.makedirs(out_dir, exist_ok=True)
  out = {"runs": [s.get("run") for s in summaries], "n": len(summaries), "mean": mean, "se": se}
  with open(os.path.join(out_dir, "seeds_summary.json"), "w") as f:
    json.dump(out, f, indent=1)
  report.write_table(out_dir, "seeds_summary", ["quantity", "mean", "se"], _rows(mean, se))
  seeds_figures.write_all(mean, se, len(summaries), out_dir)
  return out
