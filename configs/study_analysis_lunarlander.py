"""The runs of He et al.'s analyses over seeds on Lunar Lander (issue 15
item 1): MuZero with configs/lunarlander.py (gymnasium's LunarLander-v3,
deterministic Box2D dynamics given the seed), 5 seeds, its 20,000 learner
steps (about 1M frames at 24 samples per insert), each keeping ten milestone
checkpoints evenly spaced over training; no early stop at 200, so every seed
has the same ten steps.

    ./run.sh study --config=configs/study_analysis_lunarlander.py --workdir=/work/analysis_lunarlander
    ./run.sh analyse --config=configs/analysis_lunarlander.py \
        --runs=$(ls -d /work/analysis_lunarlander/runs/* | paste -sd, -) \
        --out_dir=docs/analysis/lunarlander_seeds
"""
import ml_collections


def get_config():
  c = ml_collections.ConfigDict()
  c.name = "analysis_lunarlander"
  c.games = [{"name": "LunarLander-v3", "config": "configs/lunarlander.py",
              "overrides": (("learner.num_steps", 20000), ("learner.milestone_checkpoints", 10),
                            ("evaluate.every_steps", 2000),
                            ("evaluate.target_return", 0.0))}]  # the recipe stops at 200: not here
  c.variants = [{"name": "muzero", "overrides": ()}]
  c.seeds = [0, 1, 2, 3, 4]
  c.budget = (("scoring.final_episodes", 200), ("evaluate.num_episodes", 10),
              ("evaluate.num_envs", 10))
  c.workers = 2
  return c
