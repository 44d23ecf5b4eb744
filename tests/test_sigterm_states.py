"""SIGTERM ends a stage within 10 s with exit code 0 and its output intact, in
each state it can be in (issue 13, item 3): real processes on loopback.

Self-play actor: waiting for the first parameters, blocked by the replay
table's rate limiter, mid-episode (a limiter that never blocks). Learner:
waiting for data, mid-training (its stop checkpoints the step it reached),
mid-checkpoint (a learner that checkpoints after every step; its newest
checkpoint then restores), and just after its server died.
Waiting to connect and waiting out a gone server: tests/test_replay_outage.py;
during an evaluation: pipeline/local_run_test.py.
"""
import subprocess
import time

from conftest import TINY, job, spawn
from pipeline import records
from pipeline.study import checkpoint_step
from test_multiprocess import _free_port
from test_replay_outage import _publish, _replay_size, _Server, _stop, _wait_for

# A rate limiter that never blocks an insert: the actor plays without pause.
NEVER_BLOCKS = ["--config.replay.insert_error_buffer=1000000000"]


def _start(stage, log_path, env, *args):
  with open(log_path, "w") as log:
    return spawn(job(stage, *TINY, *args), env=env, stdout=log, stderr=subprocess.STDOUT)


def _episode_indices(workdir):
  return sorted(e["episode_index"] for e in records.read_episodes(
      records.run_records_dir(workdir), kind="selfplay"))


def _assert_clean_stop(proc, log_path):
  code, seconds = _stop(proc)
  assert code == 0 and seconds < 10, (code, seconds, log_path.read_text()[-3000:])


def _steady(read, seconds):
  """True once read() has not changed for `seconds` (polled every 0.5 s)."""
  last, since = read(), time.time()
  while time.time() - since < seconds:
    time.sleep(0.5)
    now = read()
    if now != last:
      return False
  return True


def test_an_actor_stops_cleanly_waiting_for_parameters_and_blocked_by_the_rate_limiter(
    tmp_path, job_env):
  port = _free_port()
  address = f"localhost:{port}"
  server = _Server(str(tmp_path / "replay"), port, job_env)
  server.start()
  procs = []
  try:
    # 1. No learner has published parameters yet: the actor waits for them.
    log = tmp_path / "waiting.log"
    procs.append(_start("selfplay", log, job_env, f"--workdir={tmp_path / 'a0'}",
                        f"--replay_address={address}", "--actor_id=0"))
    _wait_for(lambda: "starting at episode" in log.read_text(), 90, "the actor to start")
    time.sleep(2)
    _assert_clean_stop(procs[-1], log)
    # 2. Parameters, but no learner sampling: the actor fills the table up to the
    # rate limiter's error buffer and is then held in its inserts.
    _publish(address, 1)
    log, workdir = tmp_path / "blocked.log", tmp_path / "a1"
    procs.append(_start("selfplay", log, job_env, f"--workdir={workdir}",
                        f"--replay_address={address}", "--actor_id=1"))
    _wait_for(lambda: _replay_size(address) > 0, 90, "the first sequences")
    _wait_for(lambda: _steady(lambda: _replay_size(address), 4), 90, "the rate limiter to block")
    _assert_clean_stop(procs[-1], log)
  finally:
    for p in procs + [server.proc]:
      if p.poll() is None:
        p.kill()
  indices = _episode_indices(workdir)
  assert len(indices) > 0 and indices == list(range(len(indices)))


def test_an_actor_stops_cleanly_mid_episode(tmp_path, job_env):
  port = _free_port()
  address = f"localhost:{port}"
  server = _Server(str(tmp_path / "replay"), port, job_env)
  server.cmd += NEVER_BLOCKS
  server.start()
  log, workdir = tmp_path / "actor.log", tmp_path / "actor"
  actor = None
  try:
    _publish(address, 1)
    actor = _start("selfplay", log, job_env, f"--workdir={workdir}", f"--replay_address={address}",
                   "--actor_id=0", *NEVER_BLOCKS)
    _wait_for(lambda: len(_episode_indices(workdir)) >= 20, 120, "20 finished episodes")
    before = len(_episode_indices(workdir))
    _wait_for(lambda: len(_episode_indices(workdir)) > before, 60, "it to keep playing")
    _assert_clean_stop(actor, log)  # 4 envs in lock-step: some episode is always under way
  finally:
    for p in (actor, server.proc):
      if p is not None and p.poll() is None:
        p.kill()
  indices = _episode_indices(workdir)
  assert indices == list(range(len(indices))) and len(indices) > before


def test_a_learner_stops_cleanly_waiting_for_data_and_mid_training(tmp_path, job_env):
  port = _free_port()
  address = f"localhost:{port}"
  server = _Server(str(tmp_path / "replay"), port, job_env)
  server.start()
  learner_dir = tmp_path / "learner"
  learner_args = (f"--workdir={learner_dir}", f"--replay_address={address}",
                  "--config.learner.num_steps=100000", "--config.learner.checkpoint_every_seconds=2")
  procs = []
  try:
    # 1. An empty replay: the learner waits for its first batch.
    log = tmp_path / "waiting.log"
    procs.append(_start("train", log, job_env, *learner_args))
    _wait_for(lambda: "learner started at step 0" in log.read_text(), 120, "the learner to start")
    time.sleep(3)
    _assert_clean_stop(procs[-1], log)
    # 2. With an actor feeding it, the learner trains; SIGTERM mid-training.
    procs.append(_start("selfplay", tmp_path / "actor.log", job_env, f"--workdir={tmp_path / 'a'}",
                        f"--replay_address={address}", "--actor_id=0"))
    log = tmp_path / "training.log"
    procs.append(_start("train", log, job_env, *learner_args))
    _wait_for(lambda: checkpoint_step(str(learner_dir)) >= 20, 180, "training checkpoints")
    _assert_clean_stop(procs[-1], log)
    stopped_at = checkpoint_step(str(learner_dir))
    # The stop saved the step it reached: a restart resumes from there.
    # It checkpoints after every step now, so the stop most likely lands mid-checkpoint.
    log = tmp_path / "resumed.log"
    procs.append(_start("train", log, job_env, *learner_args,
                        "--config.learner.checkpoint_every_seconds=0"))
    _wait_for(lambda: "learner resumed at step" in log.read_text(), 120, "the restart")
    assert f"learner resumed at step {stopped_at}" in log.read_text()
    # (A stop during the first step's compilation waits for it: wait for training.)
    _wait_for(lambda: checkpoint_step(str(learner_dir)) > stopped_at + 5, 180, "training again")
    _assert_clean_stop(procs[-1], log)
    stopped_at = checkpoint_step(str(learner_dir))
    # Its newest checkpoint is whole: the next start resumes from it.
    log = tmp_path / "resumed_again.log"
    procs.append(_start("train", log, job_env, *learner_args))
    _wait_for(lambda: "learner resumed at step" in log.read_text(), 120, "the second restart")
    assert f"learner resumed at step {stopped_at}" in log.read_text()
    _wait_for(lambda: checkpoint_step(str(learner_dir)) > stopped_at, 180, "training once more")
    # 3. The server dies under the training learner; SIGTERM while it is gone.
    server.kill()
    time.sleep(1)
    _assert_clean_stop(procs[-1], log)
  finally:
    for p in procs + [server.proc]:
      if p.poll() is None:
        p.kill()
