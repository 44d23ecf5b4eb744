"""What every stage shares: config flags, the workdir, Reverb connections."""
import logging
import os
import signal
import sys
import time

import reverb
import tensorflow as tf
from absl import flags
from ml_collections import config_flags

from pipeline import config_schema
from pipeline.envs import registry
from pipeline.errors import PipelineError
from pipeline.learner import strategy as strategy_lib
from pipeline.files import write_json  # noqa: F401 (re-exported for the stages)
from pipeline.processes import die_with_parent
from pipeline.replay.connection import DEFAULT_UNAVAILABLE_TIMEOUT, Connection, Stopped
from pipeline.replay.spec import sequence_signature, signature_mismatch, step_spec
from pipeline.replay.tables import REPLAY

CONFIG = config_flags.DEFINE_config_file("config", None, "Run config (configs/NAME.py).")
WORKDIR = flags.DEFINE_string("workdir", None, "Run directory (checkpoints, logs, results).")
TF_THREADS = flags.DEFINE_integer("tf_threads", 1, "TensorFlow intra/inter-op threads.")
STRATEGY = flags.DEFINE_enum("strategy", "cpu", strategy_lib.NAMES,
                             "The learner's tf.distribute strategy.")
TPU = flags.DEFINE_string("tpu", "", "TPU address for --strategy=tpu ('' = local).")
CPU_DEVICES = flags.DEFINE_integer("cpu_devices", 1,
                                   "Logical CPU devices (for --strategy=mirrored on one host).")


def setup_tf() -> None:
  tf.config.threading.set_intra_op_parallelism_threads(TF_THREADS.value)
  tf.config.threading.set_inter_op_parallelism_threads(TF_THREADS.value)
  if CPU_DEVICES.value > 1:
    strategy_lib.split_cpu(CPU_DEVICES.value)


def learner_strategy(config) -> tf.distribute.Strategy:
  """The --strategy, checked against the batch size."""
  strategy = strategy_lib.make_strategy(STRATEGY.value, TPU.value)
  replicas = strategy.num_replicas_in_sync
  if config.learner.batch_size % replicas:
    raise PipelineError(f"config.learner.batch_size={config.learner.batch_size} does not split "
                        f"over {replicas} replicas of --strategy={STRATEGY.value}")
  return strategy


def load_config():
  """The validated config from --config (and its --config.* overrides)."""
  filename = flags.FLAGS["config"].config_filename
  if not filename:
    raise PipelineError("--config=configs/NAME.py is required")
  try:
    return config_schema.validate(CONFIG.value)
  except OSError as e:  # ml_collections reports a missing/broken file on first access
    reason = [l.strip() for l in str(e).splitlines() if l.strip()][-1]
    raise PipelineError(f"cannot load config file {filename}: {reason}") from e


def config_overrides(argv=None):
  """The --config.KEY=VALUE flags given on the command line, to pass to children."""
  return [a for a in (argv or sys.argv) if a.startswith("--config.")]


def prepare_workdir(config) -> str:
  """Creates --workdir, checks it is writable, saves the config; returns the path."""
  if not WORKDIR.value:
    raise PipelineError("--workdir=DIR is required")
  workdir = os.path.abspath(WORKDIR.value)
  try:
    os.makedirs(workdir, exist_ok=True)
    probe = os.path.join(workdir, f".write-test-{os.getpid()}")
    with open(probe, "w") as f:
      f.write("ok")
    os.remove(probe)
  except OSError as e:
    raise PipelineError(f"workdir {workdir} is not writable: {e.strerror}") from e
  env_specs(config)  # an unknown game fails here, before anything is written
  path = os.path.join(workdir, "config.json")
  text = config.to_json(indent=2)
  if os.path.exists(path) and open(path).read() != text:
    # A resumed run with a changed config: keep the old one beside the new.
    os.replace(path, os.path.join(workdir, f"config.{time.strftime('%Y%m%d-%H%M%S')}.json"))
  with open(path, "w") as f:
    f.write(text)
  return workdir


def env_specs(config):
  """(observation spec, number of actions) of config.env.name."""
  env = registry.make_from_config(config, seed=0)
  obs_spec, num_actions = env.observation_spec(), env.action_spec().num_values
  if hasattr(env, "close"):
    env.close()
  return obs_spec, num_actions


def replay_signature(config):
  obs_spec, num_actions = env_specs(config)
  return sequence_signature(step_spec(obs_spec.shape, obs_spec.dtype, num_actions),
                            config.replay.sequence_length)


def define_reverb_client_flags():
  """--replay_address and --connect_timeout, for a stage that talks to a Reverb server."""
  return (flags.DEFINE_string("replay_address", "localhost:8000", "Reverb server address."),
          flags.DEFINE_integer("connect_timeout", 30, "Seconds to wait for Reverb."))


def define_unavailable_timeout_flag():
  return flags.DEFINE_float("unavailable_timeout", DEFAULT_UNAVAILABLE_TIMEOUT,
                            "Seconds to wait for a replay server that went away (it is "
                            "retried meanwhile) before giving up with exit code 2.")


def define_child_flag():
  return flags.DEFINE_bool("child", False, "Started by the pipeline: die with the parent.")


def start_worker(child: bool):
  """(config, workdir) for an actor or reanalyse process; a child of the pipeline
  stage dies with its parent and uses the parent's already prepared workdir."""
  if child:
    die_with_parent()
  setup_tf()
  config = load_config()
  return config, (WORKDIR.value if child else prepare_workdir(config))


def connect(address: str, timeout_seconds: int = 30, config=None) -> reverb.Client:
  """A Reverb client, after checking the server answers within the timeout and,
  given this run's config, that its replay table holds this run's sequences."""
  client = reverb.Client(address)
  try:
    info = client.server_info(timeout=timeout_seconds)
  except Exception as e:  # pylint: disable=broad-except
    raise PipelineError(f"cannot reach the Reverb server at {address} after "
                        f"{timeout_seconds}s ({type(e).__name__})") from e
  if config is not None and REPLAY in info:
    differs = signature_mismatch(info[REPLAY].signature, replay_signature(config))
    if differs:
      raise PipelineError(f"the Reverb server at {address} holds other sequences than this "
                          f"run's config makes: {differs}; start the server and every client "
                          f"with the same config (env, replay.sequence_length)")
  return client


def connect_replay(address: str, connect_timeout: float, config, should_stop,
                   unavailable_timeout: float = DEFAULT_UNAVAILABLE_TIMEOUT) -> Connection:
  """connect(), polled in short slices so a stop request is honoured while
  waiting (connection.Stopped); then a Connection that rides out restarts."""
  probe, end, waited = reverb.Client(address), time.monotonic() + connect_timeout, False
  while True:
    if should_stop():
      raise Stopped()
    try:
      probe.server_info(timeout=2)
      break
    except Exception as e:  # pylint: disable=broad-except
      if time.monotonic() >= end:
        raise PipelineError(f"cannot reach the Reverb server at {address} after "
                            f"{connect_timeout:.0f}s ({type(e).__name__})") from e
      if not waited:
        logging.info("waiting for the replay server at %s (up to %.0f s)", address,
                     connect_timeout)
        waited = True
  connect(address, 5, config)  # the table signature check
  return Connection(address, unavailable_timeout, should_stop)


def lock_workdir(workdir: str, role: str):
  """An exclusive lock on DIR/<role>.lock for this process's lifetime (keep
  the returned file open); PipelineError if another process holds it."""
  import fcntl
  path = os.path.join(workdir, f"{role}.lock")
  handle = open(path, "a+")
  try:
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
  except OSError:
    handle.seek(0)
    holder = handle.read().strip() or "?"
    handle.close()
    raise PipelineError(f"{workdir} is in use by another {role} process (pid {holder}); "
                        f"stop it first, or use another --workdir")
  handle.seek(0)
  handle.truncate()
  handle.write(str(os.getpid()))
  handle.flush()
  return handle


class StopFlag:
  """Set by SIGTERM/SIGINT, so loops can end cleanly (checkpoint, flush)."""

  def __init__(self):
    self.stop = False
    signal.signal(signal.SIGTERM, self._set)
    signal.signal(signal.SIGINT, self._set)

  def _set(self, signum, frame):
    del signum, frame
    self.stop = True

  def __call__(self) -> bool:
    return self.stop

