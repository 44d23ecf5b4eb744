"""Stage `selfplay`: one self-play actor process.

    ./run.sh selfplay --config=configs/NAME.py --workdir=DIR \
        --replay_address=HOST:PORT --actor_id=0

Stops on SIGTERM (within seconds, in any state; exit 0, records intact), or
when its share of config.actors.max_env_frames is spent. A replay server that
goes away is waited for (--unavailable_timeout), then the actor plays on.
"""
import logging

from absl import flags

from pipeline import parts, records
from pipeline.actors.selfplay import SelfPlayActor
from pipeline.errors import run_job
from pipeline.jobs import _common
from pipeline.networks.muzero_net import make_network
from pipeline.replay.connection import Stopped

ADDRESS, CONNECT_TIMEOUT = _common.define_reverb_client_flags()
ACTOR_ID = flags.DEFINE_integer("actor_id", 0, "This actor's id (seeds, record shards).")
CHILD = _common.define_child_flag()
UNAVAILABLE_TIMEOUT = _common.define_unavailable_timeout_flag()


def main(argv):
  del argv
  config, workdir = _common.start_worker(CHILD.value)
  stop = _common.StopFlag()
  conn = _common.connect_replay(ADDRESS.value, CONNECT_TIMEOUT.value, config, stop,
                                UNAVAILABLE_TIMEOUT.value)  # a stop meanwhile: exit 0
  obs_spec, num_actions = _common.env_specs(config)
  actor = SelfPlayActor(parts.actor_from(config), ACTOR_ID.value, conn,
                        records.run_records_dir(workdir),
                        make_network(config, obs_spec.shape, num_actions))
  budget = parts.frame_budget_per_actor(config)
  logging.info("actor %d starting at episode %d", ACTOR_ID.value, actor.episodes.next_index)
  try:
    actor.run(stop, max_env_frames=budget)
  except Stopped:
    logging.info("actor %d stopped at episode %d", ACTOR_ID.value, actor.episodes.next_index)
    actor.close(timeout_ms=0)  # the sequences not yet taken are dropped


if __name__ == "__main__":
  run_job(main, exit_at_once=True)  # errors.py: no hang in the final clean-up
