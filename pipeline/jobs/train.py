"""Stage `train`: the learner, against a Reverb server given by address.

    ./run.sh train --config=configs/NAME.py --workdir=DIR --replay_address=HOST:PORT

Resumes from DIR/checkpoints; a finished run (DIR/train.done) is not redone.
A replay server that goes away is waited for (--unavailable_timeout; the
learner pauses, then goes on); SIGTERM checkpoints and exits 0 within seconds.
"""
import logging
import os

from absl import flags

from pipeline import parts
from pipeline.errors import run_job
from pipeline.jobs import _common
from pipeline.learner.learner import Learner
from pipeline.replay.dataset import learner_dataset

ADDRESS, CONNECT_TIMEOUT = _common.define_reverb_client_flags()
UNAVAILABLE_TIMEOUT = _common.define_unavailable_timeout_flag()


def log_metrics(metrics):
  logging.info("learner %s", " ".join(f"{k}={v:.4g}" for k, v in sorted(metrics.items())))


def main(argv):
  del argv
  _common.setup_tf()
  config = _common.load_config()
  workdir = _common.prepare_workdir(config)
  if os.path.exists(os.path.join(workdir, "train.done")):
    print(f"train: already finished ({workdir}/train.done)")
    return
  stop = _common.StopFlag()
  conn = _common.connect_replay(ADDRESS.value, CONNECT_TIMEOUT.value, config, stop,
                                UNAVAILABLE_TIMEOUT.value)  # a stop meanwhile: exit 0
  obs_spec, num_actions = _common.env_specs(config)
  learner = Learner(parts.learner_from(config), obs_spec.shape, num_actions, workdir, conn,
                    _common.learner_strategy(config))
  logging.info("learner %s at step %d", "resumed" if learner.restored else "started",
               int(learner.step.numpy()))
  dataset = learner_dataset(ADDRESS.value, parts.replay_from(config))
  learner.run(dataset, should_stop=lambda step: stop(), on_log=log_metrics)
  return learner  # its dataset iterator is not destroyed before the exit (errors.run_job)


if __name__ == "__main__":
  run_job(main, exit_at_once=True)  # errors.py: no hang in the final clean-up
