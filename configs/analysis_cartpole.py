"""He et al.'s model analyses of a CartPole run, sized for a 2-core laptop.

    ./run.sh analyse --config=configs/analysis_cartpole.py --workdir=runs/cp3

The paper (CartPole): horizons up to the unroll length (10 there, the run's
learner.unroll_steps here), sequences of length 8 for Figure 4, random
rollouts of 16 steps at the leaves for Figure 7.
"""
from pipeline.analysis import config as analysis_config


def get_config():
  c = analysis_config.base_config()
  c.checkpoints.max_count = 10     # the ten milestones of configs/study_analysis_cartpole.py
  c.states.num_envs = 8
  c.states.steps_per_env = 100
  c.states.num_states = 32
  c.value_error.num_samples = 8
  c.likelihood.horizon = 8           # 2^8 = 256 sequences per state
  c.likelihood.num_states = 16
  c.planning.budgets = (2, 4, 8, 16)
  c.planning.num_episodes = 6
  c.planning.max_episode_steps = 500
  c.planning.rollout_horizon = 16
  c.search_stats.num_states = 32
  return c
