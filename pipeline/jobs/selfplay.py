"""Stage `selfplay`: one self-play actor process.

    ./run.sh selfplay --config=configs/NAME.py --workdir=DIR \
        --replay_address=HOST:PORT --actor_id=0

Stops on SIGTERM, or when its share of config.actors.max_env_frames is spent.
"""
import logging

from absl import flags

from pipeline import records
from pipeline.actors.selfplay import SelfPlayActor
from pipeline.errors import run_job
from pipeline.jobs import _common

ADDRESS, CONNECT_TIMEOUT = _common.define_reverb_client_flags()
ACTOR_ID = flags.DEFINE_integer("actor_id", 0, "This actor's id (seeds, record shards).")
CHILD = _common.define_child_flag()


def main(argv):
  del argv
  config, workdir = _common.start_worker(CHILD.value)
  stop = _common.StopFlag()
  client = _common.connect(ADDRESS.value, CONNECT_TIMEOUT.value, config)
  actor = SelfPlayActor(config, ACTOR_ID.value, client, records.run_records_dir(workdir))
  budget = config.actors.max_env_frames // config.actors.num_actors
  logging.info("actor %d starting at episode %d", ACTOR_ID.value, actor.episodes.next_index)
  actor.run(stop, max_env_frames=budget)


if __name__ == "__main__":
  run_job(main)
