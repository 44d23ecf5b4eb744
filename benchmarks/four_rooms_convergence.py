"""How far one Four Rooms model class converges under an optimiser setting.

    ./run.sh bench four_rooms_convergence --kind=k60 [--steps=6000] [--lr=0.05]
        [--schedule=cosine|const] [--batch=50] [--models=4] [--beta1=0.9]
        [--init_scale=5] [--every=500] [--loss=minibatch|exact] [--generalisation]
        [--path_policies=0.5]
    ./run.sh bench four_rooms_convergence --kind=capacity [--steps=4000] [--lr=0.03]
        [--ranks=20,40,70,104] [--seeds=3] ...

--kind=kN or pve trains one Figure 3 class (the default config's data:
10,000 pairs, seed 0); --kind=capacity trains Figure 4a's two classes
(Pi, Pi_det) at the given ranks, --seeds (3) models each. Every --every steps it prints
one line: the mean training loss over those steps, and the environment value
of the models' optimal policies (Figure 3: as a ratio to the optimum, mean
and min over models; Figure 4a: the mean value per rank, optimum 72.89).
One TF thread. docs/four_rooms.md, "Convergence", has the measured runs.
"""
import argparse
import os
import sys
import time

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pipeline.envs import gridworld  # pylint: disable=g-import-not-at-top
from pipeline.tabular import capacity, checks, gram, model_space, planning, training
from pipeline.tabular import config as config_lib
from pipeline.tabular import models as models_lib


def make_trainer(models, data, order, mdp, args):
  """A ClassTrainer whose Adam follows --lr, --schedule, --beta1."""
  lr = args.lr
  if args.schedule == "cosine":
    lr = tf.keras.optimizers.schedules.CosineDecay(args.lr, args.steps, alpha=0.03)
  pi, x, y = data
  if args.loss == "exact":
    if order != 1:
      raise SystemExit(f"error: --loss=exact needs an order-1 class (k1, pve, capacity), not order {order}")
    gram.check_consistent(pi, x, y, mdp)
    t0 = time.time()
    G = gram.statistics(pi, x, mdp.gamma)
    print(f"# statistics of {len(pi):,} pairs in {time.time() - t0:.1f} s", flush=True)
    trainer = training.ExactTrainer(models, G, gram.theta(mdp.r[None], mdp.P[None])[0], args.lr, seed=0)
  else:
    trainer = training.ClassTrainer(models, pi, x, y, order, mdp.gamma, args.batch, args.lr, seed=0)
  trainer.optimizer = tf.keras.optimizers.Adam(lr, beta_1=args.beta1, epsilon=1e-8)
  trainer.optimizer.build(models.trainable_variables)
  return trainer


def order_k_errors(mdp, r, P, k, pis, vs):
  """[M]: mean over pairs of sum_s (T~_pi^k v - T_pi^k v)^2; r [M, S, A], P [M, A, S, S],
  pis [N, S, A] and vs [N, S] (N pairs), or pis [M, N, S, A] (per-model policies)."""
  if pis.ndim == 3:
    pis = np.broadcast_to(pis, (len(r),) + pis.shape)
  model = planning.bellman(P[:, None], r[:, None], pis, np.broadcast_to(vs, pis.shape[:-1]), mdp.gamma, k)
  env = planning.bellman(mdp.P, mdp.r, pis, np.broadcast_to(vs, pis.shape[:-1]), mdp.gamma, k)
  return ((model - env) ** 2).sum(-1).mean(-1)


def generalisation(mdp, r, P, k, train_pi, train_x, rng):
  """Order-k error of each model [M] on: training pairs; fresh random policies (half
  deterministic, half uniform on the simplex per state: Dirichlet(1), not quite the paper's
  f / sum f); the environment's optimal policy; each model's own optimal policy (the last
  three with fresh v)."""
  M, S, A = r.shape
  vs = rng.uniform(-1.0, 1.0, size=(32, S))
  fresh = np.where((rng.uniform(size=32) < 0.5)[:, None, None], np.eye(A)[rng.integers(0, A, (32, S))],
                   rng.dirichlet(np.ones(A), size=(32, S)))
  _, pi_env = planning.policy_iteration(mdp.P, mdp.r, mdp.gamma)
  _, pi_model = planning.policy_iteration(P, r, mdp.gamma)  # [M, S, A]
  return {"train": order_k_errors(mdp, r, P, k, train_pi[:32], train_x[:32]),
          "fresh": order_k_errors(mdp, r, P, k, fresh, vs),
          "pi*_env": order_k_errors(mdp, r, P, k, np.repeat(pi_env[None], 32, 0), vs),
          "pi*_model": order_k_errors(mdp, r, P, k, np.repeat(pi_model[:, None], 32, 1), vs)}


def figure3_class(mdp, args):
  cfg = config_lib.base_config().model_space
  cfg.ve_orders = () if args.kind == model_space.PVE else (int(args.kind[1:]),)
  cfg.include_pve = args.kind == model_space.PVE
  cfg.path_policy_fraction = args.path_policies
  data = model_space.build_data(mdp, cfg, seed=0)
  pi, x, y, order = model_space.training_set(data, args.kind)
  models = models_lib.TabularModels(args.models, mdp.num_states, mdp.num_actions, seed=1000,
                                    init_scale=args.init_scale)
  trainer = make_trainer(models, (pi, x, y), order, mdp, args)
  v_star = planning.optimal_policy_value(mdp.P[None], mdp.r[None], mdp)[0]

  rng = np.random.default_rng(123)

  def report(loss):
    r, P = trainer.numpy_models()
    ratio = model_space.value_ratios(mdp, models_lib.model_vectors(r, P), v_star)
    line = f"loss {loss.mean():.3f} value ratio {ratio.mean():.3f} (min {ratio.min():.3f})"
    if args.generalisation and args.kind != model_space.PVE:
      errors = generalisation(mdp, r, P, order, pi, x, rng)
      line += "; order-k error " + " ".join(f"{name} {e.mean():.3g}" for name, e in errors.items())
    return line
  return [(args.kind, trainer, report)]


def capacity_config(args):
  cfg = config_lib.base_config().capacity
  cfg.ranks, cfg.num_seeds = tuple(int(r) for r in args.ranks.split(",")), args.seeds
  return cfg


def figure4a_classes(mdp, args):
  cfg = capacity_config(args)
  base = capacity.base_policies(mdp, cfg, 0)
  out = []
  for noise in capacity.NOISES:
    pi, x, y, order = capacity.noisy_set(mdp, cfg, base, noise, 0)
    models = models_lib.TabularModels(len(cfg.ranks) * cfg.num_seeds, mdp.num_states, mdp.num_actions,
                                      seed=7, ranks=capacity.model_ranks(cfg), init_scale=args.init_scale)
    trainer = make_trainer(models, (pi, x, y), order, mdp, args)

    def report(loss, trainer=trainer):
      values = capacity.evaluate_class(mdp, cfg, trainer).mean(-1)
      by_rank = loss.reshape(len(cfg.ranks), cfg.num_seeds).mean(-1)
      return (f"loss {loss.mean():.3f} (by rank " + " ".join(f"{r}:{l:.3g}" for r, l in zip(cfg.ranks, by_rank))
              + ") value by rank " + " ".join(f"{r}:{v:.2f}" for r, v in zip(cfg.ranks, values)))
    out.append((noise, trainer, report))
  return out


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--kind", required=True, help="k<order>, pve or capacity")
  p.add_argument("--steps", type=int, default=6000)
  p.add_argument("--lr", type=float, default=0.05)
  p.add_argument("--schedule", choices=("cosine", "const"), default="cosine")
  p.add_argument("--batch", type=int, default=50)
  p.add_argument("--loss", choices=("minibatch", "exact"), default="minibatch",
                 help="exact: every step on the whole data set (order-1 classes; gram.py)")
  p.add_argument("--models", type=int, default=4, help="models of a Figure 3 class")
  p.add_argument("--beta1", type=float, default=0.9)
  p.add_argument("--init_scale", type=float, default=5.0)
  p.add_argument("--ranks", default="20,40,70,104", help="capacity: ranks, --seeds models each")
  p.add_argument("--seeds", type=int, default=3, help="capacity: models (seeds) per rank")
  p.add_argument("--every", type=int, default=500)
  p.add_argument("--path_policies", type=float, default=0.0,
                 help="Figure 3: this fraction of the data's policies replaced by policies on "
                      "policy iteration's path (not the paper's data)")
  p.add_argument("--generalisation", action="store_true",
                 help="Figure 3 order-k classes: also the order-k error on fresh policies, on the "
                      "environment's optimal policy and on each model's own optimal policy")
  args = p.parse_args()
  if not (args.kind in ("capacity", model_space.PVE) or (args.kind[:1] == "k" and args.kind[1:].isdigit())):
    p.error(f"--kind={args.kind!r}; expected k<order> (e.g. k60), pve or capacity")
  if args.steps % args.every:
    p.error(f"--steps={args.steps} must be a multiple of --every={args.every}")
  tf.config.threading.set_intra_op_parallelism_threads(1)
  tf.config.threading.set_inter_op_parallelism_threads(1)
  mdp = gridworld.four_rooms()
  classes = figure4a_classes(mdp, args) if args.kind == "capacity" else figure3_class(mdp, args)
  print(f"# {vars(args)}; load {os.getloadavg()[0]:.1f}", flush=True)
  for name, trainer, report in classes:
    t0 = time.time()
    for step in range(args.every, args.steps + 1, args.every):
      loss = trainer.train(tf.constant(args.every)).numpy()
      print(f"{name} step {step}: {report(loss)} ({time.time() - t0:.0f} s)", flush=True)
  if args.kind == "capacity":
    cfg = capacity_config(args)
    values = {name: capacity.evaluate_class(mdp, cfg, trainer) for name, trainer, _ in classes}
    print(checks.report([checks.det_gap_widens(cfg.ranks, values)])[0], flush=True)


if __name__ == "__main__":
  main()
