"""Stage `pipeline`: every stage of one run on one machine.

    ./run.sh pipeline --config=configs/cartpole.py --workdir=runs/cartpole

Starts the Reverb server embedded in this process, config.actors.num_actors
self-play processes and (with reanalyse on) config.reanalyse.workers reanalyse
processes beside it (talking gRPC on loopback; pipeline/local_run.py), the
learner in this process with evaluations between its steps, then the final
evaluation; writes DIR/result.json. Re-running the same command after a kill
resumes from the checkpoints; finished stages are skipped.
"""
import json
import os
import time

import reverb
from absl import flags

from pipeline import records
from pipeline.errors import run_job
from pipeline.jobs import _common
from pipeline.jobs.evaluate import run_evaluation
from pipeline.learner.checkpointing import restore_search_network
from pipeline.learner.learner import Learner
from pipeline.local_run import (Children, PeriodicEvaluation, ProgressLog, first_at_target,
                                total_env_frames)
from pipeline.replay import server as server_lib
from pipeline.replay.dataset import learner_dataset

PORT = flags.DEFINE_integer("port", 0, "Reverb port (0: any free port).")
LOG_EVERY = flags.DEFINE_float("log_every_seconds", 10.0, "Seconds between progress lines.")


def child_args(workdir: str, address: str):
  """The command-line arguments every child stage of this run shares."""
  return [f"--config={flags.FLAGS['config'].config_filename}", *_common.config_overrides(),
          f"--workdir={workdir}", f"--replay_address={address}", "--child",
          f"--tf_threads={_common.TF_THREADS.value}"]


def main(argv):
  del argv
  _common.setup_tf()
  config = _common.load_config()
  workdir = _common.prepare_workdir(config)
  lock = _common.lock_workdir(workdir, "pipeline")  # noqa: F841 (held until exit)
  result_path = os.path.join(workdir, "result.json")
  if os.path.exists(result_path):
    print(f"pipeline: already finished; result in {result_path}")
    print(open(result_path).read())
    return
  started = time.time()
  clock_path = os.path.join(workdir, "wall_seconds.json")
  previous_seconds = (json.load(open(clock_path))["wall_seconds"]
                      if os.path.exists(clock_path) else 0.0)
  records_dir = records.run_records_dir(workdir)
  obs_spec, num_actions = _common.env_specs(config)
  stop = _common.StopFlag()

  def keep_clock():
    _common.write_json(clock_path, {"wall_seconds": previous_seconds + time.time() - started})

  if not os.path.exists(os.path.join(workdir, "train.done")):
    server = server_lib.start_server(config, _common.replay_signature(config), workdir, PORT.value)
    address = f"localhost:{server.port}"
    client = reverb.Client(address)
    learner = Learner(config, obs_spec.shape, num_actions, workdir, client,
                      _common.learner_strategy(config))
    print(f"[pipeline] learner {'resumed at step' if learner.restored else 'starting at step'} "
          f"{int(learner.step.numpy())}; replay holds "
          f"{client.server_info()['replay'].current_size} sequences; Reverb on {address}",
          flush=True)
    children = Children(config, workdir, child_args(workdir, address))
    log = ProgressLog(config, records_dir, workdir)
    periodic = PeriodicEvaluation(config, workdir, learner.search_network, int(learner.step.numpy()),
                                  records_dir, lambda: previous_seconds + time.time() - started,
                                  should_stop=stop)
    periodic(int(learner.step.numpy()))  # a resumed run's missing evaluation, if any
    last_clock = [0.0]

    def should_stop(step):
      children.check_alive()
      if time.time() - last_clock[0] >= 5.0:
        keep_clock()
        last_clock[0] = time.time()
      return stop() or periodic.reached

    try:
      learner.run(learner_dataset(address, config, timeout_ms=10_000), should_stop=should_stop,
                  on_log=log, log_every_seconds=LOG_EVERY.value, after_step=periodic)
    finally:
      children.stop()
    if stop():
      print("[pipeline] stopped; run the same command to resume", flush=True)
      keep_clock()
      return
    if periodic.reached:
      _common.write_json(os.path.join(workdir, "train.done"),
                         {"learner_steps": int(learner.step.numpy()), "target_reached": True})
    server.stop()
  network, step = restore_search_network(config, obs_spec.shape, num_actions, workdir)
  summary = run_evaluation(config, workdir, network, step, stop)
  keep_clock()
  if summary is None:
    print("[pipeline] stopped during the final evaluation; run the same command to resume",
          flush=True)
    return
  result = {
      "env_frames": total_env_frames(records_dir),
      "learner_steps": step,
      "wall_seconds": round(previous_seconds + time.time() - started, 1),
      "eval_return_mean": summary["eval_return_mean"],
      "eval_episodes": summary["eval_episodes"],
      "env": config.env.name,
  }
  reached = first_at_target(os.path.join(workdir, "eval", "curve.csv"),
                            config.evaluate.target_return)
  if reached:  # the periodic evaluation that stopped training early
    result["target_reached"] = reached
  _common.write_json(result_path, result)
  print(f"[pipeline] done: eval return {result['eval_return_mean']:.1f} over "
        f"{result['eval_episodes']} episodes, {result['env_frames']} frames, "
        f"{result['wall_seconds']:.0f}s; {result_path}", flush=True)


if __name__ == "__main__":
  run_job(main)
