"""Do the MinAtar recipes learn? MuZero alone on the five MinAtar games at the
recipe's own budget and schedules (configs/minatar.py: 6,000 learner steps at
64 samples per insert, about 50k agent steps), 2 seeds, against each game's measured random return
and the published DQN values (issue 12, item 1).

    ./run.sh study --config=configs/study_minatar_recipes.py \
        --workdir=/work/study_minatar_recipes --archive=docs/study_minatar_recipes

10 runs, 2 at a time. Sticky actions with probability 0.1 (MinAtar's default,
pipeline/envs/minatar.py), all 6 actions in every game. The per-game settings
are the comparison study's (configs/study_minatar.py PER_GAME: Freeway plays 8
envs per actor, its episodes last 2,500 steps). Every run evaluates greedily
(10 episodes) every 1,000 steps and scores by the mean of its final 200
self-play episodes.
"""
import ml_collections

from configs import study_minatar


def get_config():
  c = ml_collections.ConfigDict()
  c.name = "minatar_recipes"
  c.games = [{"name": f"MinAtar/{g}", "config": "configs/minatar.py",
              "overrides": (("evaluate.every_steps", 1000),) + study_minatar.PER_GAME.get(g, ())}
             for g in study_minatar.MINATAR]
  c.variants = [{"name": "muzero", "overrides": ()}]
  c.seeds = [0, 1]
  c.budget = (("scoring.final_episodes", 200), ("evaluate.num_episodes", 10),
              ("evaluate.num_envs", 10))
  c.workers = 2
  return c
