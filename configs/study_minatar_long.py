"""The budget at which the slow MinAtar games learn (issue 12 items 1 and 2):
MuZero with the MinAtar recipe (configs/minatar.py, sticky actions 0.1) on
Asterix and Seaquest for 30,000 learner steps (about 250k frames, five times
the study's 6,000), its schedules stretched over them, one seed each.

    ./run.sh study --config=configs/study_minatar_long.py --workdir=/work/study_minatar_long \
        --archive=docs/study_minatar_long

In configs/study_minatar.py (6,000 steps) Asterix's self-play return ends at
0.64 against random 0.41 and Seaquest's at 0.49 against 0.11; MinAtar's DQN
needs about 1M frames for Asterix 11 and Seaquest 1 (its paper's curves).
The runs' curves (self-play and greedy evaluation every 2,500 steps) show
where, if anywhere below 250k frames, each game leaves random.
"""
import ml_collections


def get_config():
  c = ml_collections.ConfigDict()
  c.name = "minatar_long"
  c.games = [{"name": f"MinAtar/{game}", "config": "configs/minatar.py",
              "overrides": (("learner.num_steps", 30000), ("evaluate.every_steps", 2500))}
             for game in ("Asterix", "Seaquest")]
  c.variants = [{"name": "muzero", "overrides": ()}]
  c.seeds = [0]
  c.budget = (("scoring.final_episodes", 200), ("evaluate.num_episodes", 20),
              ("evaluate.num_envs", 20))
  c.workers = 1
  return c
