"""The paper's findings as explicit checks on measured numbers.

Each check returns (passed, message) where the message carries the numbers.
"""
import numpy as np
from scipy import stats


def _spearman(x, y):
  """scipy's Spearman rho (ties share their average rank); 0 when either side is constant."""
  if np.ptp(x) == 0 or np.ptp(y) == 0:
    return 0.0
  return round(float(stats.spearmanr(x, y).statistic), 12)  # ties at a threshold are exact


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


def optimal_set_grows(names, orders, final_ratios, spreads, threshold):
  """Figure 3's bottom row: the set of models sufficient for optimal planning grows with k.

  final_ratios[n] [M]: value of each final model's optimal policy / optimal;
  spreads[n]: diameter in full model space of the models with ratio >=
  threshold (nan if fewer than 2). Passes when in every class at least half
  the models plan at >= threshold and Spearman(k, spread) >= 0.8.
  """
  fractions = np.array([np.mean(np.asarray(final_ratios[n]) >= threshold) for n in names])
  spread = np.array([spreads[n] for n in names], np.float64)
  ks = np.array([1e9 if np.isinf(k) else k for k in orders])
  rho = _spearman(ks, np.nan_to_num(spread, nan=-1.0))
  ok = bool(fractions.min() >= 0.5 and np.isfinite(spread).all() and rho >= 0.8)
  detail = ", ".join(f"{n}: {np.sum(np.asarray(final_ratios[n]) >= threshold)}/{len(final_ratios[n])} "
                     f"plan >= {threshold}, spread {s:.3g}" for n, s in zip(names, spread))
  return ok, (f"the set of models that plan optimally grows with k (Spearman rho of spread vs k "
              f"{rho:.2f}, need >= 0.8 with half of each class planning optimally; {detail})")


def det_gap_widens(ranks, values):
  """Figure 4a: Pi_det's advantage over Pi widens as the rank falls.

  gap(rank) = mean value of Pi_det models - mean value of Pi models; passes
  when Spearman(rank, gap) <= -0.6 and the gap at the lowest rank exceeds the
  gap at the highest.
  """
  ranks = np.asarray(ranks)
  gaps = np.array([values["deterministic"][i].mean() - values["stochastic"][i].mean()
                   for i in range(len(ranks))])
  rho = _spearman(ranks, gaps)
  ok = bool(rho <= -0.6 and gaps[np.argmin(ranks)] > gaps[np.argmax(ranks)])
  detail = ", ".join(f"rank {r}: {g:+.3g}" for r, g in zip(ranks, gaps))
  return ok, (f"the gap Pi_det - Pi widens as the rank falls (Spearman rho of gap vs rank {rho:.2f}, "
              f"need <= -0.6 and lowest rank's gap > highest's; {detail})")


def report(results):
  """Lines 'CHECK PASS|FAIL: message' for (passed, message) pairs."""
  return [f"CHECK {'PASS' if ok else 'FAIL'}: {msg}" for ok, msg in results]
