"""The MinAtar study at per-game budgets at which every game learns (issue 12,
items 1 and 2): configs/study_minatar.py with Asterix and Seaquest trained for
30,000 learner steps (about 250k-280k frames) instead of 6,000.

    ./run.sh study --config=configs/study_minatar_budgets.py --workdir=/work/study_minatar_budgets \
        --reuse=docs/study_minatar,docs/study_minatar_long --archive=docs/study_minatar_budgets

At 6,000 steps (about 52k frames) Asterix ends at 0.64 and Seaquest at 0.49
(random 0.41 and 0.11); one seed of each at 30,000 steps leaves random
(configs/study_minatar_long.py, BENCHMARKS.md). Every other game, the on-policy
arm, the budgets and the variants are configs/study_minatar.py's, so
`--reuse` copies their 36 finished runs from that study's archive instead of
running them again (only where a run's config is this study's for it), and
the 30,000-step MuZero seed 0 of both games from the long study. Run here:
Asterix and Seaquest, seeds 0-2 of muzero_pve and seeds 1-2 of muzero, 10 runs
of 69-129 min each on 2 cores (56,160 s in all, with other work on the machine);
results in docs/study_minatar_budgets/. Stop and resume it at will; `--archive` keeps each finished run.
"""
from configs import study_minatar

# Asterix and Seaquest: the recipe's schedules stretched over 30,000 steps,
# evaluated as in configs/study_minatar_long.py (20 greedy episodes every 2,500
# steps), so that study's seed-0 runs are this study's.
LONG = (("learner.num_steps", 30000), ("evaluate.every_steps", 2500),
        ("evaluate.num_episodes", 20), ("evaluate.num_envs", 20))
SLOW_GAMES = ("MinAtar/Asterix", "MinAtar/Seaquest")


def get_config():
  c = study_minatar.get_config()
  c.name = "minatar_budgets"
  games = []
  for game in c.games:
    game = dict(game)
    if game["name"] in SLOW_GAMES and game.get("setting", "replay") == "replay":
      game["overrides"] = tuple(game["overrides"]) + LONG
    games.append(game)
  c.games = games
  return c
