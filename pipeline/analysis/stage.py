"""The He et al. analyses of one run, part by part, each part cached.

  Analysis(analysis_config, RUN).run() -> results (report.py draws them)

Parts, in order (each a file in RUN/analysis/cache/, reused when its settings
are unchanged, so a killed analysis resumes where it stopped):
  states-<X>          states from checkpoint X's on-policy distribution
  cross-<X>-<Y>       model X evaluating behaviour policy Y, horizons 1..K
                      (Figure 5; the diagonal X = Y is Figure 3)
  likelihood-<X>      every sequence of length h: probability and error (Figure 4)
  online-<X>-<policy> episodes acting by MuZero's search or by its policy prior
                      alone, sampled or argmax, at every checkpoint (Figure 2)
  prior-<X>           episodes acting by the policy prior alone (Figure 7's baseline)
  plan-<X>-<model>-<prior>-<n>   episodes of MCTS with n simulations (Figure 7)
  search-<X>-<prior>-<n>         TV, KL, trajectory errors of searches (Figure 6)
"""
import os
import time
import zlib
from typing import Callable, Dict, List

import numpy as np

from pipeline.actors.model_fns import scheduled
from pipeline.parts import search_from as search_config
from pipeline.analysis import behaviour as behaviour_lib
from pipeline.analysis import planning
from pipeline.analysis import run_files
from pipeline.analysis import true_model
from pipeline.analysis import value_error
from pipeline.analysis.cache import Cache
from pipeline.analysis.learned_model import LearnedModel
from pipeline.envs import registry
from pipeline.errors import PipelineError

VERSION = 2  # bump when a part's meaning changes: old cache entries are recomputed
MODELS = ("learned", "true")
# Figure 2's policies: the search (learned model, value-head leaves) and its prior alone.
ONLINE_POLICIES = ("mcts", "prior_sampled", "prior_argmax")


def _mean_se(x: np.ndarray, axis: int = 0):
  x = np.asarray(x, np.float64)
  n = x.shape[axis]
  se = x.std(axis=axis, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(x.mean(axis=axis))
  return x.mean(axis=axis), se


class Analysis:
  """One run's analyses. log(line) receives the progress lines."""

  def __init__(self, config, workdir: str, log: Callable[[str], None] = print):
    self.config, self.workdir, self.log = config, os.path.abspath(workdir), log
    if not os.path.isdir(self.workdir):
      raise PipelineError(f"--workdir={workdir}: no such directory")
    self.run_config = run_files.load_run_config(self.workdir)
    self.out_dir = os.path.join(self.workdir, "analysis")
    self.cache = Cache(os.path.join(self.out_dir, "cache"))
    probe = self.make_env(0)
    self.observation_shape = tuple(probe.observation_spec().shape)
    self.num_actions = int(probe.action_spec().num_values)
    if hasattr(probe, "close"):
      probe.close()
    self.discount = float(self.run_config.discount)
    self.horizon = int(config.value_error.horizon or self.run_config.learner.unroll_steps)
    self.checkpoints = run_files.select_checkpoints(run_files.list_checkpoints(self.workdir),
                                                    config.checkpoints.max_count)
    self.steps = [step for step, _ in self.checkpoints]
    self._prefix = dict(self.checkpoints)
    self._networks, self._learned, self._behaviours = {}, {}, {}  # built once (tracing is slow)
    self._parts_done, self._parts_total = 0, self._count_parts()
    self._check()

  # ---- settings -------------------------------------------------------------
  def _check(self):
    c = self.config
    for key, value in (("states.num_states", c.states.num_states),
                       ("states.num_envs", c.states.num_envs),
                       ("states.steps_per_env", c.states.steps_per_env),
                       ("value_error.num_samples", c.value_error.num_samples),
                       ("likelihood.horizon", c.likelihood.horizon),
                       ("planning.num_episodes", c.planning.num_episodes),
                       ("online.num_episodes", c.online.num_episodes),
                       ("online.max_episode_steps", c.online.max_episode_steps),
                       ("planning.max_episode_steps", c.planning.max_episode_steps)):
      if value < 1:
        raise PipelineError(f"config.{key}={value}; must be >= 1")
    if not c.planning.budgets or min(c.planning.budgets) < 1:
      raise PipelineError(f"config.planning.budgets={tuple(c.planning.budgets)}; need budgets >= 1")
    for model in c.planning.models:
      if model not in MODELS:
        raise PipelineError(f"config.planning.models: unknown model {model!r}; known: {MODELS}")
    for prior in c.planning.priors:
      if prior not in ("policy", "uniform"):
        raise PipelineError(f"config.planning.priors: unknown prior {prior!r}")
    if c.likelihood.checkpoints not in ("last", "all"):
      raise PipelineError(f"config.likelihood.checkpoints={c.likelihood.checkpoints!r}; "
                          "expected 'last' or 'all'")
    sequences = self.num_actions ** c.likelihood.horizon
    if sequences * c.likelihood.num_states > 2_000_000:
      raise PipelineError(f"config.likelihood: {self.num_actions}^{c.likelihood.horizon} = "
                          f"{sequences} sequences per state is too many; lower the horizon")

  def make_env(self, seed: int):
    return registry.make_from_config(self.run_config, seed=seed, training=True)

  def _model_env(self):
    """An environment that only serves as the true model (states are restored into it)."""
    env = self.make_env(987_654)
    env.reset()
    return env

  def _seed(self, name: str) -> int:
    return zlib.crc32(f"{self.config.seed}/{name}".encode())

  def _ckpt(self, step: int):
    return [step, os.path.basename(self._prefix[step])]

  def _state_settings(self, step: int) -> dict:
    c = self.config
    return {"v": VERSION, "env": self.run_config.env.to_dict(), "seed": c.seed,
            "states": c.states.to_dict(), "behaviour": c.behaviour.to_dict(),
            "ckpt": self._ckpt(step)}

  def likelihood_steps(self) -> List[int]:
    return self.steps if self.config.likelihood.checkpoints == "all" else self.steps[-1:]

  def planning_step(self) -> int:
    return self.steps[-1]

  def _count_parts(self) -> int:
    c, n = self.config, len(self.steps)
    plan = len(c.planning.models) * len(c.planning.priors) * len(c.planning.budgets)
    stats = len(c.planning.priors) * len(c.planning.budgets)
    likelihood = n if c.likelihood.checkpoints == "all" else 1
    return n + n * n + len(ONLINE_POLICIES) * n + likelihood + 1 + plan + stats

  # ---- building blocks ------------------------------------------------------
  def network(self, step: int):
    if step not in self._networks:
      self._networks[step] = run_files.load_network(
          self.run_config, self.observation_shape, self.num_actions, self._prefix[step])
    return self._networks[step]

  def temperature(self, step: int) -> float:
    if self.config.behaviour.temperature >= 0:
      return float(self.config.behaviour.temperature)
    return scheduled(self.run_config.search.temperature_schedule,
                     step / self.run_config.learner.num_steps)

  def search_config(self, num_simulations: int):
    return search_config(self.run_config, num_simulations)

  def behaviour(self, step: int) -> behaviour_lib.Behaviour:
    if step not in self._behaviours:
      b = self.config.behaviour
      sims = b.num_simulations or self.run_config.search.num_simulations
      self._behaviours[step] = behaviour_lib.Behaviour(
          self.network(step), self.search_config(sims), self.temperature(step), b.add_noise)
    return self._behaviours[step]

  def learned(self, step: int, prior: str = "policy", rollout_horizon: int = 0,
              rng=None) -> LearnedModel:
    """The learned model of a checkpoint (one per settings; `rng` is set anew)."""
    key = (step, prior, rollout_horizon)
    if key not in self._learned:
      self._learned[key] = LearnedModel(self.network(step), self.discount, prior, rollout_horizon)
    model = self._learned[key]
    model.rng = rng if rng is not None else np.random.default_rng(0)
    return model

  def _part(self, name: str, settings, compute):
    start = time.time()
    misses = self.cache.misses
    value = self.cache.get(name, settings, compute)
    self._parts_done += 1
    how = "computed" if self.cache.misses > misses else "cached"
    self.log(f"[{self._parts_done}/{self._parts_total}] {name}: {how} in {time.time() - start:.1f}s")
    return value

  # ---- parts ----------------------------------------------------------------
  def states(self, step: int) -> behaviour_lib.Collected:
    s = self.config.states

    def compute():
      return behaviour_lib.collect_states(self.make_env, self.behaviour(step), s.num_envs,
                                          s.steps_per_env, s.num_states,
                                          self._seed(f"states-{step}"))
    return self._part(f"states-{step}", self._state_settings(step), compute)

  def cross_cell(self, x: int, y: int, roots) -> value_error.PolicyErrors:
    settings = dict(self._state_settings(x), value_error=self.config.value_error.to_dict(),
                    horizon=self.horizon, policy=self._ckpt(y))
    name = f"cross-{x}-{y}"

    def compute():
      model = self.learned(x)
      return value_error.evaluate_policy(self._model_env(), model, self.behaviour(y), roots,
                                         self.config.value_error.num_samples, self.horizon,
                                         self.discount, np.random.default_rng(self._seed(name)))
    return self._part(name, settings, compute)

  def likelihood(self, step: int, roots) -> value_error.SequenceTable:
    lc = self.config.likelihood
    settings = dict(self._state_settings(step), likelihood=lc.to_dict())
    name = f"likelihood-{step}"

    def compute():
      model = self.learned(step)
      return value_error.sequence_table(self._model_env(), model, self.behaviour(step),
                                        roots.take(range(min(lc.num_states, len(roots)))),
                                        lc.horizon, self.num_actions, self.discount,
                                        np.random.default_rng(self._seed(name)))
    return self._part(name, settings, compute)

  def _episode_envs(self):
    p = self.config.planning
    return [self.make_env(self._seed("episodes") % 100_000 + i) for i in range(p.num_episodes)]

  def _planning_settings(self, step: int, **cell) -> dict:
    """What a planning part depends on (not the list of budgets: a cell has its own)."""
    planning_settings = {k: v for k, v in self.config.planning.to_dict().items()
                         if k not in ("budgets", "models", "priors")}
    return dict(v=VERSION, env=self.run_config.env.to_dict(), seed=self.config.seed,
                planning=planning_settings, ckpt=self._ckpt(step), **cell)

  def prior_only(self, step: int) -> np.ndarray:
    def compute():
      return planning.play_prior(self._episode_envs(), self.learned(step).policy_logits,
                                 self.config.planning.max_episode_steps)
    return self._part(f"prior-{step}", self._planning_settings(step, cell="prior"), compute)

  def online_cell(self, step: int, policy: str) -> np.ndarray:
    """[E] returns of episodes acting by `policy` (ONLINE_POLICIES) at checkpoint `step`."""
    o, name = self.config.online, f"online-{step}-{policy}"
    settings = dict(v=VERSION, env=self.run_config.env.to_dict(), seed=self.config.seed,
                    online=o.to_dict(), ckpt=self._ckpt(step), policy=policy)

    def compute():
      rng = np.random.default_rng(self._seed(name))
      envs = [self.make_env(self._seed("online") % 100_000 + i) for i in range(o.num_episodes)]
      if policy == "mcts":
        sims = o.num_simulations or self.run_config.search.num_simulations
        return planning.play_episodes(envs, self.learned(step, "policy", 0, rng),
                                      self.search_config(sims), o.max_episode_steps, rng)
      return planning.play_prior(envs, self.learned(step).policy_logits, o.max_episode_steps,
                                 rng if policy == "prior_sampled" else None)
    return self._part(name, settings, compute)

  def _planning_model(self, step: int, model: str, prior: str, rng):
    p = self.config.planning
    if model == "learned":
      return self.learned(step, prior, p.rollout_horizon, rng)
    return true_model.TrueModel(self._model_env(), self.num_actions, self.discount,
                                prior_fn=self.learned(step).policy_logits if prior == "policy"
                                else None,
                                rollout_horizon=p.rollout_horizon, rng=rng)

  def plan_cell(self, step: int, model: str, prior: str, budget: int) -> np.ndarray:
    name = f"plan-{step}-{model}-{prior}-{budget}"
    p = self.config.planning

    def compute():
      rng = np.random.default_rng(self._seed(name))
      last = [time.time()]

      def on_step(t, active):
        if time.time() - last[0] >= 15.0:
          self.log(f"    {name}: step {t}/{p.max_episode_steps}, {active} episodes running")
          last[0] = time.time()
      return planning.play_episodes(self._episode_envs(),
                                    self._planning_model(step, model, prior, rng),
                                    self.search_config(budget), p.max_episode_steps, rng, on_step)
    return self._part(name, self._planning_settings(step, cell=[model, prior, budget]), compute)

  def search_cell(self, step: int, prior: str, budget: int, roots) -> dict:
    name = f"search-{step}-{prior}-{budget}"
    settings = dict(self._state_settings(step), rollout=self.config.planning.rollout_horizon,
                    search=self.config.search_stats.to_dict(), cell=[prior, budget])

    def compute():
      rng = np.random.default_rng(self._seed(name))
      model = self._planning_model(step, "learned", prior, rng)
      stats = planning.search_statistics(
          model, self._model_env(), roots.take(range(min(self.config.search_stats.num_states,
                                                         len(roots)))),
          self.search_config(budget), rng)
      return stats._asdict()
    return self._part(name, settings, compute)

  # ---- the whole analysis ---------------------------------------------------
  def run(self) -> Dict:
    c = self.config
    self.log(f"analysing {self.workdir}: {self.run_config.env.name}, checkpoints "
             f"{self.steps}, horizon {self.horizon}, {self._parts_total} parts")
    collected = {x: self.states(x) for x in self.steps}
    results = {"run": self.workdir, "env": self.run_config.env.name,
               "num_actions": self.num_actions, "discount": self.discount,
               "horizon": self.horizon, "checkpoints": self.steps,
               "temperatures": [self.temperature(x) for x in self.steps],
               "behaviour_returns": [collected[x].episode_returns for x in self.steps]}
    results.update(self._cross(collected))
    results["online"] = {"checkpoints": self.steps, "returns": {
        policy: np.stack([self.online_cell(x, policy) for x in self.steps])  # [X, E]
        for policy in ONLINE_POLICIES}}
    results["likelihood"] = {x: self.likelihood(x, collected[x].roots)
                             for x in self.likelihood_steps()}
    results["planning"] = self._planning()
    results["search_stats"] = self._search_stats(collected[self.planning_step()].roots)
    return results

  def _cross(self, collected) -> Dict:
    n = len(self.steps)
    cells = [[self.cross_cell(x, y, collected[x].roots) for y in self.steps] for x in self.steps]
    out = {}
    for kind in ("def1", "def2"):
      per_cell = [[_mean_se(getattr(cells[i][j], kind)) for j in range(n)] for i in range(n)]
      out[f"cross_{kind}"] = np.array([[m for m, _ in row] for row in per_cell])  # [X, Y, h]
      out[f"cross_{kind}_se"] = np.array([[s for _, s in row] for row in per_cell])
    return out

  def _planning(self) -> Dict:
    p, step = self.config.planning, self.planning_step()
    out = {"checkpoint": step, "budgets": list(p.budgets), "prior_only": self.prior_only(step),
           "returns": {}}
    for model in p.models:
      for prior in p.priors:
        out["returns"][model, prior] = np.stack(
            [self.plan_cell(step, model, prior, b) for b in p.budgets])  # [budgets, episodes]
    return out

  def _search_stats(self, roots) -> Dict:
    p, step = self.config.planning, self.planning_step()
    return {"checkpoint": step, "budgets": list(p.budgets),
            "cells": {(prior, b): self.search_cell(step, prior, b, roots)
                      for prior in p.priors for b in p.budgets}}


def analyse_run(config, run_dir: str, out_dir: str = "", log: Callable[[str], None] = print) -> dict:
  """Analyses one run into out_dir (default RUN/analysis): figures, tables, summary.json."""
  from pipeline.analysis import report  # matplotlib: imported on use
  analysis = Analysis(config, run_dir, log)
  out_dir = out_dir or analysis.out_dir
  summary = report.write_report(analysis.run(), out_dir)
  log(f"figures and tables in {out_dir} ({analysis.cache.hits} parts cached, "
      f"{analysis.cache.misses} computed)")
  f3 = summary["figure3"]["def2_by_horizon"]
  last = max(f3)
  log(f"value error (Def. 2) of step {last}, h=1..{summary['horizon']}: "
      + ", ".join(f"{v:.3g}" for v in f3[last]))
  for key, values in summary["figure7"].items():
    if key != "budgets":
      log(f"return {key}: {values}")
  _write_checks(summary, out_dir, log)
  return summary


def _write_checks(summary: dict, out_dir: str, log: Callable[[str], None], runs=()) -> None:
  """He et al.'s findings as PASS/FAIL lines, logged and kept in out_dir/checks.txt
  (with `runs`, the per-run summaries of a mean: how many pass on their own)."""
  from pipeline.analysis import findings
  found = findings.lines(summary, runs)
  with open(os.path.join(out_dir, "checks.txt"), "w") as f:
    f.write("\n".join(found) + "\n")
  for line in found:
    log(line)


def analyse_seeds(config, runs: List[str], out_dir: str, log: Callable[[str], None] = print) -> dict:
  """Analyses each run (into its own RUN/analysis), then writes the mean and SE
  over them to out_dir (seeds.py)."""
  from pipeline.analysis import seeds
  summaries = [analyse_run(config, run, "", log) for run in runs]
  aggregate = seeds.write_seeds_report(summaries, out_dir)
  log(f"{len(summaries)} runs analysed; mean and SE over them in {out_dir}; the checks on the means:")
  _write_checks(aggregate["mean"], out_dir, log, runs=summaries)
  return aggregate
