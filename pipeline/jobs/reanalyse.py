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

ADDRESS = flags.DEFINE_string("replay_address", "localhost:8000", "Reverb server address.")
WORKER_ID = flags.DEFINE_integer("worker_id", 0, "This worker's id (seeds, summaries).")
CONNECT_TIMEOUT = flags.DEFINE_integer("connect_timeout", 30, "Seconds to wait for Reverb.")
CHILD = flags.DEFINE_bool("child", False, "Started by the pipeline: die with the parent.")


def main(argv):
  del argv
  if CHILD.value:
    _common.die_with_parent()
  _common.setup_tf()
  config = _common.load_config()
  if not config.reanalyse.enabled:
    raise PipelineError("config.reanalyse.enabled is False: there is nothing to reanalyse "
                        "(set --config.reanalyse.enabled=True on every stage)")
  workdir = _common.prepare_workdir(config) if not CHILD.value else _common.WORKDIR.value
  stop = _common.StopFlag()
  client = _common.connect(ADDRESS.value, CONNECT_TIMEOUT.value)
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
