"""Issue 12, item 0: why the past-policies runs trail MuZero on CartPole at
laptop scale. MuZero against the past-policies loss with the default study's
settings and three changes that each test one explanation, 5 seeds each:

    ./run.sh study --config=configs/study_pve_cartpole.py --workdir=/work/study_pve_cartpole

  * muzero_pve:        32 heads, a snapshot every 20 steps, 8 heads and 16 of the 64
                       sequences per step, weight 0.25 (configs/study_minatar.py).
  * muzero_pve_late:   the first snapshot at step 1,000 (half the run), then every 50
                       steps, 8 heads: the early, poor heads never enter the buffer.
  * muzero_pve_light:  weight 0.05 instead of 0.25: the loss is a fifth the size of
                       the value loss instead of about equal to it
                       (`./run.sh bench pve_loss_size`).
  * muzero_pve_all:    every stored head and every sequence each step (the paper).

Budgets: 2,000 learner steps, no early stop, greedy evaluation of 20 episodes
every 250 steps; the score is the mean of the final 200 self-play episodes.
"""
import ml_collections

# configs/study_minatar.py's PVE (pipeline/study_test.py checks they are equal).
BASE = (("past_policies.enabled", True), ("past_policies.interval", 20),
        ("past_policies.size", 32), ("past_policies.heads_per_step", 8),
        ("past_policies.sequences_per_step", 16))


def get_config():
  c = ml_collections.ConfigDict()
  c.name = "pve_cartpole"
  c.games = [{"name": "CartPole-v1", "config": "configs/cartpole.py",
              "overrides": (("learner.num_steps", 2000), ("evaluate.target_return", 0.0),
                            ("evaluate.every_steps", 250))}]
  c.variants = [
      {"name": "muzero", "overrides": ()},
      {"name": "muzero_pve", "overrides": BASE},
      {"name": "muzero_pve_late", "overrides": BASE + (("past_policies.start_step", 1000),
                                                       ("past_policies.interval", 50))},
      {"name": "muzero_pve_light", "overrides": BASE + (("past_policies.weight", 0.05),)},
      {"name": "muzero_pve_all", "overrides": BASE + (("past_policies.heads_per_step", 0),
                                                      ("past_policies.sequences_per_step", 0))},
  ]
  c.seeds = [0, 1, 2, 3, 4]
  c.budget = (("scoring.final_episodes", 200), ("evaluate.num_episodes", 20),
              ("evaluate.num_envs", 20))
  c.workers = 2
  return c
