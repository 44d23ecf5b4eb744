"""The runs of He et al.'s analyses over seeds (issue 15 item 1): MuZero on
CartPole-v1, 5 seeds, each keeping ten milestone checkpoints evenly spaced over
its 5,000 learner steps (no early stop: every seed has the same ten steps).

    ./run.sh study --config=configs/study_analysis_cartpole.py --workdir=/work/analysis_cartpole
    ./run.sh analyse --config=configs/analysis_cartpole.py \
        --runs=$(ls -d /work/analysis_cartpole/runs/* | paste -sd, -) --out_dir=docs/analysis/cartpole_seeds

The study trains the runs 2 at a time, resumably, and tabulates them (one
variant: scores and curves, no comparison); the analyse stage then analyses
each run at its milestones and aggregates over the seeds (mean and standard
error, pipeline/analysis/seeds.py).
"""
import ml_collections


def get_config():
  c = ml_collections.ConfigDict()
  c.name = "analysis_cartpole"
  c.games = [{"name": "CartPole-v1", "config": "configs/cartpole.py",
              "overrides": (("learner.num_steps", 5000), ("learner.milestone_checkpoints", 10),
                            ("evaluate.every_steps", 500),
                            ("evaluate.target_return", 0.0))}]  # the recipe stops at 475: not here
  c.variants = [{"name": "muzero", "overrides": ()}]
  c.seeds = [0, 1, 2, 3, 4]
  c.budget = (("scoring.final_episodes", 200), ("evaluate.num_episodes", 20),
              ("evaluate.num_envs", 20))
  c.workers = 2
  return c
