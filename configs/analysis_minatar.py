"""He et al.'s model analyses of a MinAtar run (6 actions), for a 2-core laptop.

    ./run.sh analyse --config=configs/analysis_minatar.py --workdir=runs/breakout

The paper (Atari Breakout): sequences of length 4 for Figure 4 (6^4 = 1296
here), rollouts of 32 steps at the leaves for Figure 7 (16 here, to keep the
learned model's rollouts affordable on a CPU).
"""
from pipeline.analysis import config as analysis_config


def get_config():
  c = analysis_config.base_config()
  c.states.num_envs = 8
  c.states.steps_per_env = 60
  c.states.num_states = 32
  c.value_error.num_samples = 8
  c.likelihood.horizon = 4           # 6^4 = 1296 sequences per state
  c.likelihood.num_states = 16
  c.planning.budgets = (2, 4, 8, 16)
  c.planning.num_episodes = 8
  c.planning.max_episode_steps = 300
  c.planning.rollout_horizon = 16
  c.search_stats.num_states = 16
  return c
