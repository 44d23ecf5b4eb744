"""Stage four_rooms: the PVE paper's Four Rooms experiments (Figures 3, 4a, 4b).

    ./run.sh four_rooms --config=configs/four_rooms.py [--workdir=runs/four_rooms]

Trains every model class (one vectorised tf.function per class), checkpoints
as it goes, and writes figures/, tables/, checks.txt and TensorBoard
summaries under the workdir. A rerun resumes and skips finished work.
"""
import os

# numpy's OpenBLAS: many small solves run far slower with 2 threads on a
# shared 2-core machine; must be set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import re  # pylint: disable=g-import-not-at-top,wrong-import-position
import time  # pylint: disable=wrong-import-position

from absl import flags  # pylint: disable=wrong-import-position
from absl import logging  # pylint: disable=wrong-import-position
from ml_collections import config_flags  # pylint: disable=wrong-import-position

from pipeline.errors import PipelineError  # pylint: disable=wrong-import-position
from pipeline.errors import run_job  # pylint: disable=wrong-import-position

_CONFIG = config_flags.DEFINE_config_file("config", None, "Four Rooms config file.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/four_rooms", "Output and checkpoint folder.")

def _load_config():
  """The --config ConfigDict; a file that failed to load is a PipelineError."""
  config = _CONFIG.value
  if config is None:
    raise PipelineError("--config is required, e.g. --config=configs/four_rooms.py")
  try:
    config.to_dict()  # ml_collections defers load errors to the first access
  except (OSError, AttributeError, TypeError, ValueError, SyntaxError) as e:
    text = " ".join(str(e).split())
    cause = re.search(r"\[Errno \d+\].*", text)
    raise PipelineError(f"cannot load config file: {cause.group(0) if cause else text}") from None
  return config


def _set_threads(n):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.config.threading.set_intra_op_parallelism_threads(int(n))
  tf.config.threading.set_inter_op_parallelism_threads(1)


def main(argv):
  if len(argv) > 1:
    raise PipelineError(f"unexpected arguments: {' '.join(argv[1:])}")
  config = _load_config()
  from pipeline.tabular import config as config_lib  # pylint: disable=g-import-not-at-top
  config_lib.validate(config)
  workdir = _WORKDIR.value
  config_lib.prepare_workdir(workdir, config)
  _set_threads(config.threads)
  from pipeline.tabular import experiment  # pylint: disable=g-import-not-at-top
  t0 = time.time()
  lines = experiment.run(config, workdir)
  for line in lines:
    print(line, flush=True)
  logging.info("four_rooms finished in %.1f s (this invocation); outputs in %s",
               time.time() - t0, workdir)


if __name__ == "__main__":
  run_job(main)
