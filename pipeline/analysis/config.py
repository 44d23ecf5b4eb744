"""The analysis config (configs/analysis_*.py start from base_config())."""
import ml_collections


def base_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.seed = 0
  c.checkpoints = ml_collections.ConfigDict()
  c.checkpoints.max_count = 4        # evenly spaced, first and last included; 0: all

  # MuZero's behaviour policy at a checkpoint: MCTS with its model at the real state.
  c.behaviour = ml_collections.ConfigDict()
  c.behaviour.num_simulations = 0    # 0: the run's search.num_simulations
  c.behaviour.add_noise = True       # root Dirichlet noise, as in self-play
  c.behaviour.temperature = -1.0     # < 0: the run's schedule at the checkpoint's step

  # States from each checkpoint's on-policy distribution.
  c.states = ml_collections.ConfigDict()
  c.states.num_envs = 8
  c.states.steps_per_env = 100       # decisions per env (episodes restart at their end)
  c.states.num_states = 32           # drawn uniformly from the visited states

  # Definitions 1-2 (Figures 3 and 5).
  c.value_error = ml_collections.ConfigDict()
  c.value_error.horizon = 0          # 0: the run's learner.unroll_steps
  c.value_error.num_samples = 8      # Monte Carlo sequences per state

  # Every sequence of length h (Figure 4).
  c.likelihood = ml_collections.ConfigDict()
  c.likelihood.horizon = 4
  c.likelihood.num_states = 16
  c.likelihood.checkpoints = "last"  # "last" or "all"

  # Online performance through training (Figure 2): at every analysed checkpoint,
  # episodes acting by MuZero's search (learned model, value-head leaves, the
  # run's simulations, most visited action) and by its policy prior alone,
  # sampled (the paper's baseline) and argmax.
  c.online = ml_collections.ConfigDict()
  c.online.num_episodes = 8
  c.online.max_episode_steps = 500
  c.online.num_simulations = 0       # 0: the run's search.num_simulations

  # Planning with the learned or the true model (Figure 7), at the last checkpoint.
  c.planning = ml_collections.ConfigDict()
  c.planning.budgets = (2, 4, 8, 16, 32)
  c.planning.num_episodes = 8
  c.planning.max_episode_steps = 500
  c.planning.rollout_horizon = 16    # leaf values: random rollouts of this many steps
  c.planning.models = ("learned", "true")
  c.planning.priors = ("policy", "uniform")

  # Prior vs root visits and trajectory errors of searches (Figure 6), same budgets.
  c.search_stats = ml_collections.ConfigDict()
  c.search_stats.num_states = 32
  return c
