"""Stage `reanalyse`: one reanalyse worker process (MuZero Reanalyse).

    ./run.sh reanalyse --config=configs/NAME.py --workdir=DIR \
        --replay_address=HOST:PORT --worker_id=0

Needs config.reanalyse.enabled (the server then holds the reanalyse tables).
Any number of workers, on any hosts, may point at the same server. Stops on
SIGTERM.
"""
import logging

from absl import flags

from pipeline import parts
from pipeline.actors.reanalyse import ReanalyseWorker
from pipeline.errors import PipelineError, run_job
from pipeline.jobs import _common
from pipeline.networks.muzero_net import make_network
from pipeline.replay.connection import Stopped
from pipeline.replay.tables import REANALYSED

ADDRESS, CONNECT_TIMEOUT = _common.define_reverb_client_flags()
WORKER_ID = flags.DEFINE_integer("worker_id", 0, "This worker's id (seeds, summaries).")
CHILD = _common.define_child_flag()
UNAVAILABLE_TIMEOUT = _common.define_unavailable_timeout_flag()


def main(argv):
  del argv
  config, workdir = _common.start_worker(CHILD.value)
  if not config.reanalyse.enabled:
    raise PipelineError("config.reanalyse.enabled is False: there is nothing to reanalyse "
                        "(set --config.reanalyse.enabled=True on every stage)")
  stop = _common.StopFlag()
  conn = _common.connect_replay(ADDRESS.value, CONNECT_TIMEOUT.value, config, stop,
                                UNAVAILABLE_TIMEOUT.value)  # a stop meanwhile: exit 0
  if REANALYSED not in conn.call("read the server's tables", lambda c: c.server_info()):
    raise PipelineError(f"the Reverb server at {ADDRESS.value} has no '{REANALYSED}' table; "
                        "start it with config.reanalyse.enabled=True")
  obs_spec, num_actions = _common.env_specs(config)
  worker = ReanalyseWorker(parts.reanalyse_from(config), WORKER_ID.value, conn, ADDRESS.value,
                           workdir, make_network(config, obs_spec.shape, num_actions))
  logging.info("reanalyse worker %d starting", WORKER_ID.value)
  try:
    worker.run(stop)
  except Stopped:
    worker.close(timeout_ms=0)


if __name__ == "__main__":
  run_job(main, exit_at_once=True)  # errors.py: no hang in the final clean-up
