"""Figure 3: models trained towards M^k (k in ve_orders) and M^inf (PVE).

Each class trains `num_models` full models on its own loss (datasets.py)
with one ClassTrainer; `num_snapshots` times, evenly spaced, the model vectors are
saved. Analysis (appendix A.3.5): at each snapshot, PCA of the class's M
model vectors (first two components); the environment value of
each snapshot's optimal policy relative to the optimum (summed over states),
and the diameter of the final points in random groups.
"""
import os

import numpy as np

from pipeline.tabular import datasets
from pipeline.tabular import models as models_lib
from pipeline.tabular import pca
from pipeline.tabular import planning
from pipeline.tabular import policies
from pipeline.tabular import runner
from pipeline.tabular import training

PVE = "pve"


def class_names(cfg):
  """['k1', 'k30', ..., 'pve']: one name per model class of the experiment."""
  names = [f"k{int(k)}" for k in cfg.ve_orders]
  return names + ([PVE] if cfg.include_pve else [])


def order_of(name):
  """Order of a class name: an int, or inf for PVE."""
  return float("inf") if name == PVE else int(name[1:])


def class_steps(cfg, name):
  """Training steps of a class (the PVE class may train longer: cheap steps)."""
  return cfg.pve_num_steps if name == PVE else cfg.num_steps


def class_batch(cfg, name):
  """Minibatch size of a class."""
  return cfg.pve_batch_size if name == PVE else cfg.batch_size


def build_data(mdp, cfg, seed):
  """Policies, functions, environment targets and values shared by all classes.

  The paper's policies are random (half deterministic, half stochastic). With
  cfg.path_policy_fraction > 0 that fraction of them, at random places, are instead the
  successive policies of partial policy iteration (Figure 4a's base policies), which run
  from random to optimal: goal-directed policies that random ones almost never are.
  """
  rng = np.random.default_rng(seed)
  S, A = mdp.num_states, mdp.num_actions
  pis = policies.mixed_policies(rng, cfg.num_pairs, S, A)
  vs = policies.random_functions(rng, cfg.num_pairs, S)
  if cfg.path_policy_fraction > 0:  # its own generator: the paper's data stays as it was
    path_rng = np.random.default_rng([seed, 1])
    where = path_rng.permutation(cfg.num_pairs)[:int(round(cfg.path_policy_fraction * cfg.num_pairs))]
    pis[where] = policies.policy_iteration_path(path_rng, mdp, len(where))
  data = {"pis": pis, "vs": vs}
  if cfg.ve_orders:
    data["targets"] = datasets.env_targets(mdp, pis, vs, cfg.ve_orders)
  if cfg.include_pve:
    data["values"] = datasets.env_values(mdp, pis)
  return data


def training_set(data, name):
  if name == PVE:
    return datasets.pve_set(data["pis"], data["values"])
  return datasets.ve_set(data["pis"], data["vs"], data["targets"], order_of(name))


def snapshot_writer(trainer, snap_dir, every):
  """on_snapshot(step): saves model vectors [M, D] float32 when step % every == 0."""
  os.makedirs(snap_dir, exist_ok=True)

  def on_snapshot(step):
    if step % every == 0:
      vec = models_lib.model_vectors(*trainer.numpy_models()).astype(np.float32)
      np.save(os.path.join(snap_dir, f"{step:09d}.npy"), vec)
  return on_snapshot


def train_class(mdp, cfg, data, name, index, run_dir, seed, log_every_secs, checkpoint_every_secs):
  """Trains one class to its step count with snapshots; returns runner metrics."""
  pi, x, y, k = training_set(data, name)
  models = models_lib.TabularModels(cfg.num_models, mdp.num_states, mdp.num_actions,
                                    seed=seed + 1000 * (index + 1), init_scale=cfg.init_scale)
  schedule = ({"final_learning_rate": cfg.final_learning_rate, "decay_steps": class_steps(cfg, name)}
              if cfg.final_learning_rate > 0 else {})
  trainer = training.ClassTrainer(models, pi, x, y, k, mdp.gamma, class_batch(cfg, name),
                                  cfg.learning_rate, seed=seed + index, **schedule)
  every = class_steps(cfg, name) // cfg.num_snapshots
  on_snap = snapshot_writer(trainer, os.path.join(run_dir, "snapshots"), every)
  return runner.run_class(trainer, run_dir, class_steps(cfg, name), every, f"fig3 {name}",
                          on_snap, log_every_secs, checkpoint_every_secs)


def snapshot_steps(cfg, name):
  """[T] steps at which a class's snapshots are taken (num_snapshots, evenly spaced)."""
  every = class_steps(cfg, name) // cfg.num_snapshots
  return np.arange(1, cfg.num_snapshots + 1) * every


def load_snapshot(snap_dir, step):
  """[M, D] model vectors saved at `step`."""
  path = os.path.join(snap_dir, f"{step:09d}.npy")
  if not os.path.exists(path):
    raise FileNotFoundError(f"missing snapshot {path}")
  return np.load(path)


def value_ratios(mdp, vectors, v_star):
  """[n]: sum_s v_env(pi~*) / sum_s v* for model vectors [n, D]."""
  r, P = models_lib.split_vectors(vectors.astype(np.float64), mdp.num_states, mdp.num_actions)
  P /= P.sum(-1, keepdims=True)
  values = planning.optimal_policy_value(P, r, mdp)
  return values.sum(-1) / v_star.sum()


def analyse_class(mdp, cfg, name, snap_dir, v_star, seed, optimal_fraction):
  """PCA coordinates, value ratios and diameters of one trained class.

  optimal_spread: the full-space diameter of the final models whose value
  ratio is >= optimal_fraction (the class's models that plan optimally;
  nan with fewer than 2).

  Snapshots are read one at a time: at each, the M models are projected on
  that snapshot's first two principal components (memory O(M D)).
  """
  steps = snapshot_steps(cfg, name)
  stride = max(1, int(cfg.value_every_snapshots))
  value_idx = np.arange(len(steps) - 1, -1, -stride)[::-1]
  coords, ratios = [], []
  for t, step in enumerate(steps):
    vec = load_snapshot(snap_dir, step)
    coords.append(pca.project(vec, *pca.fit(vec)))
    if t in value_idx:
      ratios.append(value_ratios(mdp, vec, v_star))
  final = vec.astype(np.float64)
  perm_seed = np.random.default_rng(seed).integers(1 << 31)
  group = lambda pts: pca.group_diameters(pts, cfg.diameter_groups, np.random.default_rng(perm_seed))
  return {
      "steps": steps, "coords": np.stack(coords), "value_steps": steps[value_idx],
      "value_ratio": np.stack(ratios), "diam_pca": group(coords[-1]), "diam_full": group(final),
      "final_ratio": ratios[-1],
      "optimal_spread": optimal_spread(final, ratios[-1], optimal_fraction),
  }


def optimal_spread(vectors, ratios, optimal_fraction):
  """Diameter of the model vectors [M, D] whose value ratio [M] is >= optimal_fraction (nan if < 2)."""
  good = vectors[np.asarray(ratios) >= optimal_fraction]
  return pca.diameter(good) if len(good) >= 2 else float("nan")
