"""He et al.'s model analyses of a Lunar Lander run (4 actions), for a 2-core laptop.

    ./run.sh pipeline --config=configs/lunarlander.py \
        --config.learner.milestone_checkpoints=10 --workdir=runs/lunarlander
    ./run.sh analyse --config=configs/analysis_lunarlander.py --workdir=runs/lunarlander

(over 5 seeds: configs/study_analysis_lunarlander.py)

Ten milestone checkpoints spread over training give Figures 2, 3 and 5 their
x-axis. The true model restores a state by replaying the episode's actions
in Box2D (pipeline/envs/lunar_lander.py: exact, the engines' dispersion
noise included, but 26-68 us per action since the reset), so the parts that
plan with the true model grow with the square of the episode length:
planning episodes are capped at 400 decisions (gymnasium's limit is 1000;
most landings and crashes come earlier), and the analysed states are drawn
from the first 200 decisions of each environment.

The paper (Lunar Lander): horizons up to the unroll length, sequences of
length 4 here for Figure 4 (4^4 = 256 per state), random rollouts of 16
steps at the leaves for Figure 7.
"""
from pipeline.analysis import config as analysis_config


def get_config():
  c = analysis_config.base_config()
  c.checkpoints.max_count = 10     # the ten milestones of configs/study_analysis_lunarlander.py
  c.states.num_envs = 8
  c.states.steps_per_env = 200
  c.states.num_states = 32
  c.value_error.num_samples = 8
  c.likelihood.horizon = 4           # 4^4 = 256 sequences per state
  c.likelihood.num_states = 16
  c.online.num_episodes = 8
  c.online.max_episode_steps = 1_000  # whole episodes: the learned model only
  c.planning.budgets = (2, 4, 8, 16)
  c.planning.num_episodes = 6
  c.planning.max_episode_steps = 400
  c.planning.rollout_horizon = 16
  c.search_stats.num_states = 32
  return c
