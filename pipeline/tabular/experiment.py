"""Runs the three Four Rooms experiments with resumption; returns report lines.

Workdir layout: model_space/<class>/{ckpt,tb,snapshots,done.json,analysis.npz},
capacity/<noise>/{ckpt,tb,done.json}, trajectories/done.json, figures/*.png,
tables/*.{csv,md}, checks.txt, summary.json, tb/ (final metrics).
"""
import json
import os
import time

import numpy as np
import tensorflow as tf
from absl import logging

from pipeline.tabular import capacity
from pipeline.tabular import checks
from pipeline.tabular import figures
from pipeline.envs import gridworld
from pipeline.tabular import model_space
from pipeline.tabular import models
from pipeline.tabular import planning
from pipeline.tabular import tables
from pipeline.tabular import trajectories


def _read_json(path):
  with open(path) as f:
    return json.load(f)


def _write_json(path, obj):
  tmp = path + ".tmp"
  with open(tmp, "w") as f:
    json.dump(obj, f, indent=1, default=lambda x: np.asarray(x).tolist())
  os.replace(tmp, path)


def _train_metrics(metrics):
  return {"final_loss": np.asarray(metrics["final_loss"]).tolist(),
          "model_steps_per_sec": float(metrics["model_steps_per_sec"]),
          "train_seconds": float(metrics["train_seconds"])}


def _has_key(npz_path, key):
  if not os.path.exists(npz_path):
    return False
  with np.load(npz_path) as f:
    return key in f.files


def _model_space(config, mdp, v_star, workdir):
  """Figure 3: trains missing classes, analyses them; returns {name: results}."""
  cfg, root = config.model_space, os.path.join(workdir, "model_space")
  names, data, results = model_space.class_names(cfg), None, {}
  for i, name in enumerate(names):
    run_dir = os.path.join(root, name)
    done = os.path.join(run_dir, "done.json")
    if os.path.exists(done):
      logging.info("[fig3 %s] already trained: skipped", name)
      continue
    if data is None:
      t = time.time()
      data = model_space.build_data(mdp, cfg, config.seed)
      logging.info("[fig3] data: %d (policy, function) pairs in %.1f s", cfg.num_pairs, time.time() - t)
    logging.info("[fig3 %s] training class %d/%d: %d models x %d steps", name, i + 1,
                 len(names), cfg.num_models, model_space.class_steps(cfg, name))
    metrics = model_space.train_class(mdp, cfg, data, name, i, run_dir, config.seed,
                                      config.log_every_secs, config.checkpoint_every_secs)
    _write_json(done, _train_metrics(metrics))
  for i, name in enumerate(names):
    run_dir = os.path.join(root, name)
    path = os.path.join(run_dir, "analysis.npz")
    if not _has_key(path, "optimal_spread"):  # missing, or an older analysis without it
      res = model_space.analyse_class(mdp, cfg, name, os.path.join(run_dir, "snapshots"), v_star,
                                      config.seed + i, config.checks.optimal_fraction)
      np.savez(path + ".tmp.npz", **res)
      os.replace(path + ".tmp.npz", path)
    results[name] = dict(np.load(path))
    results[name].update(_read_json(os.path.join(run_dir, "done.json")))
  return names, results


def _capacity(config, mdp, v_star, workdir):
  """Figure 4a: trains missing noise classes; returns {noise: values [R, seeds]}."""
  cfg, root = config.capacity, os.path.join(workdir, "capacity")
  base, values, timing = None, {}, {}
  for noise in capacity.NOISES:
    run_dir = os.path.join(root, noise)
    done = os.path.join(run_dir, "done.json")
    if not os.path.exists(done):
      if base is None:
        t = time.time()
        base = capacity.base_policies(mdp, cfg, config.seed)
        logging.info("[fig4a] %d policy-iteration policies in %.1f s", len(base), time.time() - t)
      logging.info("[fig4a %s] training %d models (%d ranks x %d seeds) x %d steps", noise,
                   len(cfg.ranks) * cfg.num_seeds, len(cfg.ranks), cfg.num_seeds, cfg.num_steps)
      metrics, trainer = capacity.train_class(mdp, cfg, base, noise, run_dir, config.seed,
                                              config.log_every_secs, config.checkpoint_every_secs)
      out = _train_metrics(metrics)
      out["values"] = capacity.evaluate_class(mdp, cfg, trainer).tolist()
      _write_json(done, out)
    else:
      logging.info("[fig4a %s] already trained: skipped", noise)
    saved = _read_json(done)
    values[noise] = np.array(saved["values"])
    timing[noise] = saved
  return values, timing


def _trajectories(config, mdp, pi_star, workdir, fig_dir):
  """Figure 4b from a randomly chosen final PVE model; returns summary numbers."""
  cfg, ms = config.trajectories, config.model_space
  done = os.path.join(workdir, "trajectories", "done.json")
  if os.path.exists(done) and os.path.exists(os.path.join(fig_dir, "fig4b_trajectories.png")):
    return _read_json(done)
  os.makedirs(os.path.dirname(done), exist_ok=True)
  rng = np.random.default_rng(config.seed)
  last = model_space.snapshot_steps(ms, model_space.PVE)[-1]
  final = np.load(os.path.join(workdir, "model_space", "pve", "snapshots", f"{last:09d}.npy"))
  index = int(rng.integers(len(final)))
  r, P = models.split_vectors(final[index:index + 1].astype(np.float64),
                                              mdp.num_states, mdp.num_actions)
  P = P[0] / P[0].sum(-1, keepdims=True)
  start = mdp.state_of(*cfg.start)
  env_s = trajectories.sample(mdp.P, pi_star, start, cfg.num, cfg.length, rng)
  model_s = trajectories.sample(P, pi_star, start, cfg.num, cfg.length, rng)
  figures.trajectories(mdp, env_s, model_s, os.path.join(fig_dir, "fig4b_trajectories.png"), config.seed)
  jump = lambda s: float(np.mean(np.abs(np.diff(mdp.cells[s], axis=1)).sum(-1) > 1))
  goal = lambda s: float(np.mean((s == mdp.goal).any(axis=1)))
  out = {"model_index": index, "env_nonadjacent_moves": jump(env_s),
         "model_nonadjacent_moves": jump(model_s), "env_reach_goal": goal(env_s),
         "model_reach_goal": goal(model_s)}
  _write_json(done, out)
  return out


def _summaries(workdir, names, ms_results, cap_values, cfg):
  writer = tf.summary.create_file_writer(os.path.join(workdir, "tb"))
  with writer.as_default(step=0):
    for n in names:
      tf.summary.scalar(f"fig3/diameter_pca/{n}", float(np.mean(ms_results[n]["diam_pca"])))
      tf.summary.scalar(f"fig3/value_ratio/{n}", float(np.mean(ms_results[n]["final_ratio"])))
    for noise, v in cap_values.items():
      for i, rank in enumerate(cfg.capacity.ranks):
        tf.summary.scalar(f"fig4a/{noise}/value", float(v[i].mean()), step=int(rank))
  writer.flush()


def run(config, workdir):
  """Runs the configured experiments; returns the lines to print (tables, checks)."""
  t0 = time.time()
  mdp = gridworld.four_rooms(config.gamma, config.p_intended)
  v_star, pi_star = planning.policy_iteration(mdp.P, mdp.r, mdp.gamma)
  fig_dir, table_dir = os.path.join(workdir, "figures"), os.path.join(workdir, "tables")
  os.makedirs(fig_dir, exist_ok=True)
  os.makedirs(table_dir, exist_ok=True)
  lines, found, summary = [], [], {}
  names, ms_results, cap_values = [], {}, {}
  if "model_space" in config.experiments:
    names, ms_results = _model_space(config, mdp, v_star, workdir)
    figures.model_space(ms_results, names, os.path.join(fig_dir, "fig3_model_space.png"))
    lines.append(tables.write(os.path.join(table_dir, "diameters"), tables.DIAMETER_HEADER,
                              tables.diameter_rows(ms_results, names)))
    orders = [model_space.order_of(n) for n in names]
    found.append(checks.diameter_grows(names, orders, {n: ms_results[n]["diam_pca"] for n in names}))
    if "pve" in names:
      found.append(checks.pve_plans_optimally(ms_results["pve"]["final_ratio"],
                                              config.checks.optimal_fraction))
    found.append(checks.optimal_set_grows(
        names, orders, {n: ms_results[n]["final_ratio"] for n in names},
        {n: float(ms_results[n]["optimal_spread"]) for n in names}, config.checks.optimal_fraction))
    summary["model_space"] = {n: {"model_steps_per_sec": ms_results[n]["model_steps_per_sec"],
                                  "train_seconds": ms_results[n]["train_seconds"]} for n in names}
  if "capacity" in config.experiments:
    cap_values, timing = _capacity(config, mdp, v_star, workdir)
    optimal = float(v_star.mean())
    figures.capacity(list(config.capacity.ranks), cap_values, optimal,
                     os.path.join(fig_dir, "fig4a_capacity.png"))
    lines.append(tables.write(os.path.join(table_dir, "capacity"), tables.CAPACITY_HEADER,
                              tables.capacity_rows(config.capacity.ranks, cap_values, optimal)))
    found.append(checks.det_beats_stoch(config.capacity.ranks, cap_values, config.capacity.low_ranks))
    found.append(checks.det_gap_widens(config.capacity.ranks, cap_values))
    summary["capacity"] = {k: {"model_steps_per_sec": v["model_steps_per_sec"],
                               "train_seconds": v["train_seconds"]} for k, v in timing.items()}
  if "trajectories" in config.experiments:
    summary["trajectories"] = _trajectories(config, mdp, pi_star, workdir, fig_dir)
    lines.append("trajectories: " + json.dumps(summary["trajectories"]))
  _summaries(workdir, names, ms_results, cap_values, config)
  lines += checks.report(found)
  summary["checks"] = [{"passed": bool(ok), "message": msg} for ok, msg in found]
  summary["seconds_this_invocation"] = time.time() - t0
  _write_json(os.path.join(workdir, "summary.json"), summary)
  with open(os.path.join(workdir, "checks.txt"), "w") as f:
    f.write("\n".join(checks.report(found)) + "\n")
  return lines
