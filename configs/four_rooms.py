"""Four Rooms (PVE paper section 5): the default scale, <= 15 min on 2 cores.

    ./run.sh four_rooms --config=configs/four_rooms.py --workdir=runs/four_rooms

Scaled down from the paper (configs/four_rooms_paper.py): fewer models,
pairs, steps and seeds, smaller minibatch for the order-k classes, and larger
learning rates; docs/four_rooms.md lists every change.
"""
from pipeline.tabular import config as config_lib


def get_config():
  return config_lib.base_config()
