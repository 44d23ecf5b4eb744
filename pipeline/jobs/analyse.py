"""Stage `analyse`: He et al.'s analyses of a run's learned model.

    ./run.sh analyse --config=configs/analysis_cartpole.py --workdir=runs/cp3

Reads RUN/config.json and RUN/checkpoints/ckpt-*, writes figures (PNG),
tables (Markdown and CSV) and summary.json to RUN/analysis/ (or --out_dir).
Finished parts are cached in RUN/analysis/cache/: run it again after a kill
and it goes on where it stopped. See pipeline/analysis/stage.py.

Over seeds (runs of one config, e.g. a study's seeds of one game and variant):

    ./run.sh analyse --config=configs/analysis_cartpole.py --runs=RUN_S0,RUN_S1,RUN_S2 \
        --out_dir=docs/analysis/cartpole_seeds

analyses each run as above (each in its own RUN/analysis/), then writes the
mean and standard error over the runs of every number of their summaries to
--out_dir (pipeline/analysis/seeds.py).
"""
import os
import time

from absl import flags
from ml_collections import config_flags

from pipeline.errors import PipelineError, run_job

CONFIG = config_flags.DEFINE_config_file("config", None, "Analysis config (configs/analysis_NAME.py).")
WORKDIR = flags.DEFINE_string("workdir", None, "The run directory to analyse.")
OUT_DIR = flags.DEFINE_string("out_dir", "", "Where figures and tables go (default RUN/analysis).")
TF_THREADS = flags.DEFINE_integer("tf_threads", 1, "TensorFlow intra/inter-op threads.")
RUNS = flags.DEFINE_list("runs", [], "Runs of one config (seeds) to analyse and aggregate; "
                         "instead of --workdir, with --out_dir.")


def main(argv):
  if len(argv) > 1:
    raise PipelineError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not flags.FLAGS["config"].config_filename:
    raise PipelineError("--config=configs/analysis_NAME.py is required")
  if bool(WORKDIR.value) == bool(RUNS.value):
    raise PipelineError("give --workdir=RUN, or --runs=RUN,RUN,... with --out_dir")
  if RUNS.value and not OUT_DIR.value:
    raise PipelineError("--runs needs --out_dir (where the aggregate over the runs goes)")
  for run in RUNS.value or [WORKDIR.value]:
    if not os.path.isdir(run):
      raise PipelineError(f"{'--runs: ' if RUNS.value else '--workdir='}{run}: no such directory")
  try:
    config = CONFIG.value
  except OSError as e:
    raise PipelineError(f"cannot load config file {flags.FLAGS['config'].config_filename}") from e
  import tensorflow as tf
  tf.get_logger().setLevel("ERROR")  # retracing / AutoGraph notices drown the progress lines
  tf.config.threading.set_intra_op_parallelism_threads(TF_THREADS.value)
  tf.config.threading.set_inter_op_parallelism_threads(TF_THREADS.value)
  from pipeline.analysis import stage
  start = time.time()

  def log(line):
    print(f"analyse {time.time() - start:6.0f}s  {line}", flush=True)
  if RUNS.value:
    stage.analyse_seeds(config, RUNS.value, OUT_DIR.value, log)
  else:
    stage.analyse_run(config, WORKDIR.value, OUT_DIR.value, log)


if __name__ == "__main__":
  run_job(main)
