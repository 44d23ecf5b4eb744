"""The PVE paper's Atari-57 study: 57 games x {MuZero, MuZero + past policies} x 3 seeds.

    ./run.sh study --config=configs/study_atari57.py --workdir=runs/study_atari57

342 runs of configs/atari57_muzero.py (500M frames each, a cluster job each:
see README's cluster guide); `workers` runs at a time. The per-seed score is
the mean of the final 200 episodes, as in the paper (Grimm et al. 2021).
The "muzero_pve" variant's overrides turn atari57_muzero.py into
configs/atari57_pve.py (a test checks they agree).
"""
import ml_collections

from pipeline.envs.atari import ATARI57 as GAMES  # ale-py ROM ids of the 57 games

PVE = (("past_policies.enabled", True),)


def get_config():
  # Overrides are (dotted config key, value) pairs (ConfigDict keys cannot hold dots).
  c = ml_collections.ConfigDict()
  c.name = "atari57"
  c.games = [{"name": f"Atari/{g}", "config": "configs/atari57_muzero.py", "overrides": ()}
             for g in GAMES]
  c.variants = [
      {"name": "muzero", "overrides": ()},
      {"name": "muzero_pve", "overrides": PVE},
  ]
  c.seeds = [0, 1, 2]
  c.budget = (("scoring.final_episodes", 200),)
  c.workers = 1
  return c
