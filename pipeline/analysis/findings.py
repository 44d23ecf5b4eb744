"""He et al.'s findings as PASS/FAIL checks on an analysis summary (one run's
summary.json, or the mean over seeds from seeds.aggregate), with the numbers.

  checks(summary) -> [(passed, message)]
  lines(summary, runs=()) -> ["CHECK PASS: ... [on its own: 4/5 runs pass]", ...]

Each check tests the paper's wording on the (mean) numbers; a finding our runs
contradict is a FAIL with its numbers, not a threshold moved until it passes.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np


def _by_step(tree: Dict) -> List[Tuple[int, object]]:
  return sorted((int(k), v) for k, v in tree.items())   # JSON keys are strings


def planning_beats_prior(f2: Dict) -> Tuple[bool, str]:
  """Figure 2: MCTS returns above the sampled policy prior's at every checkpoint."""
  mcts, prior = np.asarray(f2["mcts"]), np.asarray(f2["prior_sampled"])
  wins = int(np.sum(mcts > prior))
  pairs = ", ".join(f"{int(s)}: {m:.3g} vs {p:.3g}" for s, m, p in zip(f2["checkpoints"], mcts, prior))
  return wins == mcts.size, (f"planning beats the sampled policy prior throughout training "
                             f"({wins}/{mcts.size} checkpoints; MCTS vs prior: {pairs})")


def errors_grow_with_horizon(f3: Dict) -> Tuple[bool, str]:
  """Figure 3: at every checkpoint the error at h = K is above the error at h = 1."""
  rows = _by_step(f3["def2_by_horizon"])
  grow = sum(v[-1] > v[0] for _, v in rows)
  detail = ", ".join(f"{s}: {v[0]:.3g} -> {v[-1]:.3g}" for s, v in rows)
  return grow == len(rows), (f"value errors grow with the horizon ({grow}/{len(rows)} checkpoints "
                             f"with error(h=K) > error(h=1); {detail})")


def unlikely_sequences_worse(f4: Dict) -> Tuple[bool, str]:
  """Figure 4 (last checkpoint): negative rank correlation of probability and
  error, and the less likely half's error above the top 10 %'s."""
  step, s = _by_step(f4)[-1]
  rho, top, bottom = s["spearman_prob_error_mean"], s["error_top10pct"], s["error_bottom50pct"]
  ok = rho < 0 and bottom > top
  return ok, (f"rarely chosen action sequences are predicted worse (step {step}: Spearman(prob, error) "
              f"{rho:.2f}, error of the most likely 10% {top:.3g} vs the less likely half {bottom:.3g})")


def own_policy_best(f5: Dict, steps) -> Tuple[bool, str]:
  """Figure 5: each checkpoint's model evaluates its own policy best (every row's
  minimum on the diagonal)."""
  m = np.asarray(f5["matrix"])
  diag = [int(np.argmin(m[i])) == i for i in range(len(m))]
  runs = ", ".join(f"{int(s)}: {f:.0%}" for s, f in zip(steps, f5["diagonal_is_row_minimum"]))
  return all(diag), (f"each model evaluates its own policy best ({sum(diag)}/{len(diag)} rows of the "
                     f"matrix with the minimum on the diagonal; share of runs per row: {runs})")


def early_models_fail_on_future_policies(f5: Dict) -> Tuple[bool, str]:
  """Figure 5: early models evaluate later policies with large errors. Each
  cell as a ratio to its row's diagonal; the mean ratio above the diagonal
  (model X, a later policy Y) is above the mean below it (an earlier Y)."""
  m = np.asarray(f5["matrix"])
  ratio = m / np.maximum(np.diag(m)[:, None], 1e-12)
  upper, lower = ratio[np.triu_indices_from(m, 1)].mean(), ratio[np.tril_indices_from(m, -1)].mean()
  return upper > lower, (f"early models evaluate future policies badly (error over the row's diagonal: "
                         f"{upper:.2f} on later policies vs {lower:.2f} on earlier ones, mean over cells)")


def prior_keeps_search_accurate(f6: Dict) -> Tuple[bool, str]:
  """Figure 6: with the policy prior, lower trajectory error and lower TV than
  with the uniform prior, at every simulation budget."""
  p, u = f6["policy"], f6["uniform"]
  err = [a < b for a, b in zip(p["errors"], u["errors"])]
  tv = [a < b for a, b in zip(p["tv"], u["tv"])]
  detail = "; ".join(f"{int(b)} sims: error {pe:.3g} vs {ue:.3g}, TV {pt:.2f} vs {ut:.2f}"
                     for b, pe, ue, pt, ut in zip(f6["budgets"], p["errors"], u["errors"], p["tv"], u["tv"]))
  return all(err) and all(tv), (f"the policy prior keeps the search where the model is accurate "
                                f"(policy vs uniform prior, {detail})")


def free_search_fails(f7: Dict) -> Tuple[bool, str]:
  """Figure 7 (largest budget): free search (uniform prior) with the learned
  model below free search with the true model."""
  learned, true = f7["learned/uniform"][-1], f7["true/uniform"][-1]
  return learned < true, (f"free search with the learned model is worse than with the true model "
                          f"({int(f7['budgets'][-1])} simulations, uniform prior: learned {learned:.1f} "
                          f"vs true {true:.1f})")


def prior_matters_more_when_learned(f7: Dict) -> Tuple[bool, str]:
  """Figure 7 (largest budget): the policy prior's gain over the uniform prior
  is larger with the learned model than with the true one."""
  gain_l = f7["learned/policy"][-1] - f7["learned/uniform"][-1]
  gain_t = f7["true/policy"][-1] - f7["true/uniform"][-1]
  return gain_l > gain_t, (f"the policy prior matters more with the learned model ({int(f7['budgets'][-1])} "
                           f"simulations, policy - uniform prior: learned {gain_l:+.1f} vs true {gain_t:+.1f})")


def checks(summary: Dict) -> List[Tuple[bool, str]]:
  """Every check whose figure the summary has, in the paper's order."""
  table = (("figure2", planning_beats_prior), ("figure3", errors_grow_with_horizon),
           ("figure4", unlikely_sequences_worse),
           ("figure5", lambda f5: own_policy_best(f5, summary["checkpoints"])),
           ("figure5", early_models_fail_on_future_policies),
           ("figure6", prior_keeps_search_accurate), ("figure7", free_search_fails),
           ("figure7", prior_matters_more_when_learned))
  return [check(summary[key]) for key, check in table if key in summary]


def lines(summary: Dict, runs: Sequence[Dict] = ()) -> List[str]:
  """"CHECK PASS|FAIL: ..." per check of `summary`; with `runs` (the per-run
  summaries `summary` is the mean of), each line ends with how many runs pass
  the same check on their own numbers: how robust a verdict on the means is."""
  per_run = [checks(run) for run in runs]
  found = checks(summary)
  if any(len(r) != len(found) for r in per_run):
    raise ValueError("the runs have other figures than their mean; pass the summaries it was made of")
  out = []
  for i, (ok, msg) in enumerate(found):
    alone = f" [on its own: {sum(r[i][0] for r in per_run)}/{len(per_run)} runs pass]" if per_run else ""
    out.append(f"CHECK {'PASS' if ok else 'FAIL'}: {msg}{alone}")
  return out
