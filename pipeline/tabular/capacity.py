"""Figure 4a: rank-limited PVE models trained against Pi or Pi_det.

Base policies come from partial policy iteration in the environment; each is
expanded with stochastic (uniform) or deterministic noise (policies.py). One
class per noise kind holds `num_seeds` models of every rank (same inits in both
classes); after training, each model's optimal policy is evaluated in the env.
capacity.loss "exact" trains on the whole data set every step (gram.py: the
PVE loss is a quadratic form of each model row), "minibatch" as the paper
(a minibatch of pairs per step).
"""
import numpy as np

from pipeline.tabular import datasets
from pipeline.tabular import gram
from pipeline.tabular import models as models_lib
from pipeline.tabular import planning
from pipeline.tabular import policies
from pipeline.tabular import runner
from pipeline.tabular import training

NOISES = ("stochastic", "deterministic")  # Pi, Pi_det


def base_policies(mdp, cfg, seed):
  """[num_base, S, A] policies met by partial policy iteration."""
  rng = np.random.default_rng(seed)
  return policies.policy_iteration_path(rng, mdp, cfg.num_base_policies, cfg.improve_fraction)


def noisy_set(mdp, cfg, base, noise, seed):
  """(pi, x, y, k) PVE training set of one noise kind."""
  rng = np.random.default_rng([seed, NOISES.index(noise)])
  pis = policies.add_noise(rng, base, cfg.copies_per_policy, cfg.noise_fraction,
                           deterministic=noise == "deterministic")
  return datasets.pve_set(pis, datasets.env_values(mdp, pis))


def model_ranks(cfg):
  """[len(ranks) * num_seeds] rank of each model of a class (rank-major)."""
  return np.repeat(np.asarray(cfg.ranks, np.int64), cfg.num_seeds)


def train_class(mdp, cfg, base, noise, run_dir, seed, log_every_secs, checkpoint_every_secs):
  """Trains one noise class; returns runner metrics and the trainer."""
  pi, x, y, k = noisy_set(mdp, cfg, base, noise, seed)
  ranks = model_ranks(cfg)
  models = models_lib.TabularModels(len(ranks), mdp.num_states, mdp.num_actions,
                                    seed=seed + 7, ranks=ranks, init_scale=cfg.init_scale)
  schedule = ({"final_learning_rate": cfg.final_learning_rate, "decay_steps": cfg.num_steps}
              if cfg.final_learning_rate > 0 else {})
  trainer_seed = seed + 11 + NOISES.index(noise)
  if cfg.loss == "exact":   # every step on the whole data set (gram.py)
    gram.check_consistent(pi, x, y, mdp)
    theta_star = gram.theta(mdp.r[None], mdp.P[None])[0]
    trainer = training.ExactTrainer(models, gram.statistics(pi, x, mdp.gamma), theta_star,
                                    cfg.learning_rate, seed=trainer_seed, **schedule)
  else:                     # the paper's: a minibatch of pairs per step
    trainer = training.ClassTrainer(models, pi, x, y, k, mdp.gamma, cfg.batch_size,
                                    cfg.learning_rate, seed=trainer_seed, **schedule)
  metrics = runner.run_class(trainer, run_dir, cfg.num_steps, cfg.chunk_steps, f"fig4a {noise}",
                             None, log_every_secs, checkpoint_every_secs)
  return metrics, trainer


def evaluate_class(mdp, cfg, trainer):
  """[len(ranks), num_seeds] mean-over-states env value of each model's optimal policy."""
  r, P = trainer.numpy_models()
  values = planning.optimal_policy_value(P, r, mdp)
  return values.mean(-1).reshape(len(cfg.ranks), cfg.num_seeds)
