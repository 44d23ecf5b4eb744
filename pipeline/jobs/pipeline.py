"""Stage `pipeline`: every stage of one run on one machine.

    ./run.sh pipeline --config=configs/cartpole.py --workdir=runs/cartpole

Starts the Reverb server embedded in this process, config.actors.num_actors
self-play processes and (with reanalyse on) config.reanalyse.workers reanalyse
processes beside it (talking gRPC on loopback; pipeline/local_run.py), the
learner in this process with evaluations between its steps, then the final
evaluation; writes DIR/result.json. Re-running the same command after a kill
resumes from the checkpoints; finished stages are skipped.
"""
import os

from absl import flags

from pipeline import parts
from pipeline.errors import run_job
from pipeline.jobs import _common
from pipeline.jobs.evaluate import run_evaluation
from pipeline.learner.checkpointing import restore_search_network
from pipeline.learner.learner import Learner
from pipeline.local_run import RunClock, run_result, train
from pipeline.replay import server as server_lib

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
  clock, stop = RunClock(workdir), _common.StopFlag()
  obs_spec, num_actions = _common.env_specs(config)
  if not os.path.exists(os.path.join(workdir, "train.done")):
    server = server_lib.start_server(parts.replay_from(config), _common.replay_signature(config),
                                     workdir, PORT.value)
    make_learner = lambda client: Learner(parts.learner_from(config), obs_spec.shape, num_actions,
                                          workdir, client, _common.learner_strategy(config))
    if not train(config, workdir, make_learner, server,
                 child_args(workdir, f"localhost:{server.port}"), stop, clock, LOG_EVERY.value):
      print("[pipeline] stopped; run the same command to resume", flush=True)
      clock.save()
      return
    server.stop()
  network, step = restore_search_network(config, obs_spec.shape, num_actions, workdir)
  summary = run_evaluation(config, workdir, network, step, stop)
  clock.save()
  if summary is None:
    print("[pipeline] stopped during the final evaluation; run the same command to resume",
          flush=True)
    return
  result = run_result(config, workdir, step, summary, clock)
  _common.write_json(result_path, result)
  print(f"[pipeline] done: eval return {result['eval_return_mean']:.1f} over "
        f"{result['eval_episodes']} episodes, {result['env_frames']} frames, "
        f"{result['wall_seconds']:.0f}s; {result_path}", flush=True)


if __name__ == "__main__":
  run_job(main)
