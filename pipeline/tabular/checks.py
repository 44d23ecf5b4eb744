"""The paper's findings as explicit checks on measured numbers.

Each check returns (passed, message) where the message carries the numbers.
"""
import numpy as np


def _spearman(x, y):
  rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
  return float(np.corrcoef(rx, ry)[0, 1])


def diameter_grows(names, orders, diameters):
  """Diameter of final models grows with k: Spearman(k, mean diameter) >= 0.8,
  and the k=1 class is the smallest and the largest-k class the largest."""
  means = np.array([np.mean(diameters[n]) for n in names])
  ks = np.array([1e9 if np.isinf(k) else k for k in orders])
  rho = _spearman(ks, means)
  ok = rho >= 0.8 and means[np.argmin(ks)] == means.min() and means[np.argmax(ks)] == means.max()
  detail = ", ".join(f"{n}: {np.mean(diameters[n]):.3g}+-{np.std(diameters[n]):.2g}" for n in names)
  return ok, f"diameter of converged models grows with k (Spearman rho {rho:.2f}; {detail})"


def pve_plans_optimally(ratios, threshold):
  """Mean over M^inf models of sum_s v_env(pi~*) / sum_s v* >= threshold."""
  ratios = np.asarray(ratios)
  ok = ratios.mean() >= threshold
  return ok, (f"M^inf models plan optimally: value of their optimal policy / optimal = "
              f"{ratios.mean():.4f} mean, {ratios.min():.4f} min over {ratios.size} models "
              f"(need mean >= {threshold})")


def det_beats_stoch(ranks, values, low_ranks):
  """At each low rank, mean env value of Pi_det models > that of Pi models."""
  parts, ok = [], True
  for rank in low_ranks:
    i = list(ranks).index(rank)
    det, sto = values["deterministic"][i].mean(), values["stochastic"][i].mean()
    ok = ok and det > sto
    parts.append(f"rank {rank}: Pi_det {det:.4f} vs Pi {sto:.4f}")
  return ok, "at low rank Pi_det models plan better than Pi models (" + "; ".join(parts) + ")"


def report(results):
  """Lines 'CHECK PASS|FAIL: message' for (passed, message) pairs."""
  return [f"CHECK {'PASS' if ok else 'FAIL'}: {msg}" for ok, msg in results]
