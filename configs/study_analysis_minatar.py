"""The runs of He et al.'s analyses over seeds on MinAtar Breakout (issue 15
item 1): MuZero, 5 seeds, MinAtar's recipe (configs/minatar.py, 6,000 learner
steps) without sticky actions, each keeping ten milestone checkpoints evenly
spaced over training.

    ./run.sh study --config=configs/study_analysis_minatar.py --workdir=/work/analysis_breakout
    ./run.sh analyse --config=configs/analysis_minatar.py \
        --runs=$(ls -d /work/analysis_breakout/runs/* | paste -sd, -) --out_dir=docs/analysis/breakout_seeds

Sticky actions are 0 (MinAtar's default is 0.1): He et al. study
deterministic environments, and their value-prediction errors assume that
the future is a function of the actions (configs/analysis_minatar.py).
"""
import ml_collections


def get_config():
  c = ml_collections.ConfigDict()
  c.name = "analysis_breakout"
  c.games = [{"name": "MinAtar/Breakout", "config": "configs/minatar.py",
              "overrides": (("learner.num_steps", 6000), ("learner.milestone_checkpoints", 10),
                            ("env.sticky_action_prob", 0.0), ("evaluate.every_steps", 1000))}]
  c.variants = [{"name": "muzero", "overrides": ()}]
  c.seeds = [0, 1, 2, 3, 4]
  c.budget = (("scoring.final_episodes", 200), ("evaluate.num_episodes", 10),
              ("evaluate.num_envs", 10))
  c.workers = 2
  return c
