"""Stage `replay`: a standalone Reverb server for actors and learners on other hosts.

    ./run.sh replay --config=configs/NAME.py --workdir=DIR --port=8000

Restores the newest checkpoint in DIR/reverb/ on start, checkpoints every
--checkpoint_every_seconds and on SIGTERM. It is the only process that
checkpoints this server (learners on other hosts do not: concurrent
checkpoints of one Reverb server delete each other's). A periodic checkpoint
that fails is one warning line, and the next period tries again.
"""
import logging
import time

import reverb
from absl import flags

from pipeline import parts
from pipeline.errors import run_job
from pipeline.jobs import _common
from pipeline.replay import server as server_lib

PORT = flags.DEFINE_integer("port", 8000, "Port to serve on.")
CHECKPOINT_EVERY = flags.DEFINE_float("checkpoint_every_seconds", 600.0,
                                      "Seconds between Reverb checkpoints.")


def main(argv):
  del argv
  config = _common.load_config()
  workdir = _common.prepare_workdir(config)
  server = server_lib.start_server(parts.replay_from(config), _common.replay_signature(config),
                                   workdir, PORT.value)
  client = reverb.Client(f"localhost:{server.port}")
  stop = _common.StopFlag()
  logging.info("Reverb server on port %d (workdir %s)", server.port, workdir)
  print(f"replay: serving on port {server.port}", flush=True)
  last = time.time()
  while not stop():
    time.sleep(1.0)
    if time.time() - last >= CHECKPOINT_EVERY.value:
      try:
        client.checkpoint()
        server_lib.prune_checkpoints(workdir)
      except Exception as e:  # pylint: disable=broad-except  (the server keeps serving)
        logging.warning("replay checkpoint failed (%s: %s); retrying in %.0f s",
                        type(e).__name__, str(e).splitlines()[0] if str(e) else "",
                        CHECKPOINT_EVERY.value)
      last = time.time()
  client.checkpoint()
  server_lib.prune_checkpoints(workdir)
  server.stop()


if __name__ == "__main__":
  run_job(main)
