"""Issue 12, item 1: does a study's budget cut hurt a recipe by compressing its
schedules? The learning rate decays linearly and the acting temperature
steps down over learner.num_steps, so a study that sets num_steps=2000 on
CartPole (recipe: 5,000) decays both 2.5x faster. MuZero on CartPole, 2,000
learner steps either way, 3 seeds:

    ./run.sh study --config=configs/study_schedule_cartpole.py --workdir=/work/study_schedule_cartpole

  * muzero:                  num_steps=2000 (the MinAtar study's way: schedules over 2,000)
  * muzero_recipe_schedule:  num_steps=5000, stop_at_step=2000 (schedules over 5,000, cut at 2,000)

No early stop; greedy evaluation of 10 episodes every 250 steps; the score is
the mean of the final 200 self-play episodes.
"""
import ml_collections


def get_config():
  c = ml_collections.ConfigDict()
  c.name = "schedule_cartpole"
  c.games = [{"name": "CartPole-v1", "config": "configs/cartpole.py",
              "overrides": (("evaluate.target_return", 0.0), ("evaluate.every_steps", 250))}]
  c.variants = [
      {"name": "muzero", "overrides": (("learner.num_steps", 2000),)},
      {"name": "muzero_recipe_schedule", "overrides": (("learner.num_steps", 5000),
                                                       ("learner.stop_at_step", 2000))},
  ]
  c.seeds = [0, 1, 2]
  c.budget = (("scoring.final_episodes", 200), ("evaluate.num_episodes", 10),
              ("evaluate.num_envs", 10))
  c.workers = 1
  return c
