"""The PVE paper's Atari-57 study: 57 games x {MuZero, MuZero + past policies} x 3 seeds.

    ./run.sh study --config=configs/study_atari57.py --workdir=runs/study_atari57

342 runs of configs/atari57_muzero.py (500M frames each, a cluster job each:
see README's cluster guide); `workers` runs at a time. The per-seed score is
the mean of the final 200 episodes, as in the paper (Grimm et al. 2021).
The "muzero_pve" variant's overrides turn atari57_muzero.py into
configs/atari57_pve.py (a test checks they agree).
"""
import ml_collections

# ale-py ROM ids of the 57 games (pipeline/envs/atari.ATARI57; a test checks they agree).
GAMES = (
    "alien", "amidar", "assault", "asterix", "asteroids", "atlantis", "bank_heist",
    "battle_zone", "beam_rider", "berzerk", "bowling", "boxing", "breakout", "centipede",
    "chopper_command", "crazy_climber", "defender", "demon_attack", "double_dunk", "enduro",
    "fishing_derby", "freeway", "frostbite", "gopher", "gravitar", "hero", "ice_hockey",
    "jamesbond", "kangaroo", "krull", "kung_fu_master", "montezuma_revenge", "ms_pacman",
    "name_this_game", "phoenix", "pitfall", "pong", "private_eye", "qbert", "riverraid",
    "road_runner", "robotank", "seaquest", "skiing", "solaris", "space_invaders",
    "star_gunner", "surround", "tennis", "time_pilot", "tutankham", "up_n_down", "venture",
    "video_pinball", "wizard_of_wor", "yars_revenge", "zaxxon",
)
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
