"""MuZero + the past-policies loss (PVE) on one Atari-57 game, at the paper's scale.

    ./run.sh pipeline --config=configs/atari57_pve.py --config.env.name=Atari/ms_pacman \
        --workdir=runs/ms_pacman_pve

configs/atari57_muzero.py with the value-buffer loss on: 128 stored value and
policy heads, one pushed every 50 learner steps, loss weight 0.25 (Table 2).
"""
import importlib.util
import os

# The sibling file, loaded by path (config files are loaded by path, not as a package).
_spec = importlib.util.spec_from_file_location(
    "atari57_muzero", os.path.join(os.path.dirname(os.path.abspath(__file__)), "atari57_muzero.py"))
atari57_muzero = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(atari57_muzero)

# The overrides that turn atari57_muzero into this config (configs/study_atari57.py
# uses them as its "muzero_pve" variant; a test checks the two agree).
PVE = (("past_policies.enabled", True),)


def get_config(game: str = "pong"):
  c = atari57_muzero.get_config(game)
  c.past_policies.enabled = True
  return c
