"""Stage `reanalyse`: one reanalyse worker process (MuZero Reanalyse).

    ./run.sh reanalyse --config=configs/NAME.py --workdir=DIR \
        --replay_address=HOST:PORT --worker_id=0

Needs config.reanalyse.enabled (the server then holds the reanalyse tables).
Any number of workers, on any hosts, may point at the same server. Stops on
SIGTERM.
"""
import logging

from absl import flags

from pipeline.actors.reanalyse import ReanalyseWorker
from pipeline.errors import PipelineError, run_job
from pipeline.jobs import _common
from pipeline.replay.tables import REANALYSED

ADDRESS, CONNECT_TIMEOUT = _common.define_reverb_client_flags()
WORKER_ID = flags.DEFINE_integer("worker_id", 0, "This worker's id (seeds, summaries).")
CHILD = _common.define_child_flag()


def main(argv):
  del argv
  config, workdir = _common.start_worker(CHILD.value)
  if not config.reanalyse.enabled:
    raise PipelineError("config.reanalyse.enabled is False: there is nothing to reanalyse "
                        "(set --config.reanalyse.enabled=True on every stage)")
  stop = _common.StopFlag()
  client = _common.connect(ADDRESS.value, CONNECT_TIMEOUT.value, config)
  if REANALYSED not in client.server_info():
    raise PipelineError(f"the Reverb server at {ADDRESS.value} has no '{REANALYSED}' table; "
                        "start it with config.reanalyse.enabled=True")
  obs_spec, num_actions = _common.env_specs(config)
  worker = ReanalyseWorker(config, WORKER_ID.value, client, ADDRESS.value, workdir,
                           obs_spec.shape, num_actions)
  logging.info("reanalyse worker %d starting", WORKER_ID.value)
  worker.run(stop)


if __name__ == "__main__":
  run_job(main)
