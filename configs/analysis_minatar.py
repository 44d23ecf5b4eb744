"""He et al.'s model analyses of a MinAtar run (6 actions), for a 2-core laptop.

    ./run.sh pipeline --config=configs/minatar.py --config.env.sticky_action_prob=0 \
        --config.learner.milestone_checkpoints=10 --workdir=runs/breakout
    ./run.sh analyse --config=configs/analysis_minatar.py --workdir=runs/breakout

He et al. study deterministic environments (their value-prediction errors
assume the future is a function of the actions): the analysed run is trained
and analysed without MinAtar's sticky actions (the environment is the run's,
RUN/config.json), so the model's errors are not mixed with the noise of a
repeated action. The games' own randomness (spawns) is part of the saved
state the analyses restore. Ten milestone checkpoints spread over training
give the cross-checkpoint matrix (Figure 5) and Figure 2 their x-axis.

The paper (Atari Breakout): sequences of length 4 for Figure 4 (6^4 = 1296
here), rollouts of 32 steps at the leaves for Figure 7 (16 here, to keep the
learned model's rollouts affordable on a CPU).
"""
from pipeline.analysis import config as analysis_config


def get_config():
  c = analysis_config.base_config()
  c.checkpoints.max_count = 10     # the ten milestones of configs/study_analysis_minatar.py
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
