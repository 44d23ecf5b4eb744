"""A self-play actor rides out replay-server restarts and honours SIGTERM in
every waiting state (issue 13): real processes on loopback, SIGKILL of the
server, the same command to restart it (it restores its checkpoint)."""
import json
import os
import signal
import subprocess
import time

import reverb

from conftest import TINY, job, spawn
from pipeline import records
from pipeline.replay import tables
from test_multiprocess import _free_port

def _publish(address, version):
  """Parameters of the TINY network, as the learner would publish them."""
  from configs import cartpole  # pylint: disable=g-import-not-at-top
  from pipeline.networks.muzero_net import make_network  # pylint: disable=g-import-not-at-top
  from pipeline.replay import variables  # pylint: disable=g-import-not-at-top
  c = cartpole.get_config()
  c.network.hidden_sizes, c.network.latent_size, c.network.head_hidden = (32,), 16, 16
  variables.publish(reverb.Client(address), version, make_network(c, (4,), 2).get_weights())


def _wait_for(predicate, seconds, what):
  end = time.time() + seconds
  while time.time() < end:
    if predicate():
      return
    time.sleep(0.5)
  raise AssertionError(f"timed out after {seconds}s waiting for {what}")


def _replay_size(address):
  try:
    return reverb.Client(address).server_info(timeout=2)[tables.REPLAY].current_size
  except Exception:  # pylint: disable=broad-except
    return -1


class _Server:
  def __init__(self, workdir, port, env):
    self.cmd = job("replay", *TINY, f"--workdir={workdir}", f"--port={port}",
                   "--checkpoint_every_seconds=2")
    self.env, self.proc = env, None

  def start(self):
    self.proc = spawn(self.cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                      text=True)
    assert "serving on port" in self.proc.stdout.readline()

  def kill(self):
    self.proc.send_signal(signal.SIGKILL)
    self.proc.wait()


def _stop(proc, seconds=10):
  """SIGTERM; (exit code, seconds it took)."""
  start = time.time()
  proc.send_signal(signal.SIGTERM)
  try:
    code = proc.wait(seconds)
  except subprocess.TimeoutExpired:
    proc.kill()
    proc.wait()
    raise AssertionError(f"no exit within {seconds}s of SIGTERM")
  return code, time.time() - start


def test_an_actor_and_a_learner_ride_out_server_restarts(tmp_path, job_env):
  port = _free_port()
  address = f"localhost:{port}"
  server = _Server(str(tmp_path / "replay"), port, job_env)
  actor_log, learner_log = tmp_path / "actor.log", tmp_path / "learner.log"
  actor_dir, learner_dir = str(tmp_path / "actor"), str(tmp_path / "learner")
  server.start()
  with open(actor_log, "w") as log:
    actor = spawn(job("selfplay", *TINY, f"--workdir={actor_dir}", f"--replay_address={address}",
                      "--actor_id=0", "--unavailable_timeout=120"),
                  env=job_env, stdout=log, stderr=subprocess.STDOUT)
  learner = None

  def versions():
    try:
      return [e["param_version"] for e in records.read_episodes(
          records.run_records_dir(actor_dir), kind="selfplay")]
    except Exception:  # pylint: disable=broad-except  (no records yet)
      return []
  try:
    _wait_for(lambda: "starting at episode" in actor_log.read_text(), 90, "the actor to start")
    # 1. The actor is waiting for the first parameters: the server dies and comes back.
    server.kill()
    time.sleep(3)
    server.start()
    _publish(address, 1)
    _wait_for(lambda: _replay_size(address) > 0, 90, "sequences after the first restart")
    # 2. A learner trains; mid-run the server dies and comes back (restoring its checkpoint).
    with open(learner_log, "w") as log:
      learner = spawn(job("train", *TINY, "--config.learner.num_steps=60",
                          "--config.learner.publish_every=5", f"--workdir={learner_dir}",
                          f"--replay_address={address}", "--unavailable_timeout=120"),
                      env=job_env, stdout=log, stderr=subprocess.STDOUT)
    _wait_for(lambda: max(versions(), default=0) >= 10, 150, "the learner's parameters")
    before = max(versions())
    server.kill()
    time.sleep(2)
    server.start()
    assert learner.wait(240) == 0, learner_log.read_text()[-3000:]
    assert max(versions()) > before  # the actor played on with newer parameters
    # 3. SIGTERM to the actor while the server is down: a clean exit within 10 s.
    server.kill()
    time.sleep(5)  # the actor notices the outage (its probes: every 2 s)
    code, _ = _stop(actor)
    assert code == 0, actor_log.read_text()[-3000:]
  finally:
    for p in (actor, learner, server.proc):
      if p is not None and p.poll() is None:
        p.kill()
  text = actor_log.read_text()
  assert text.count("unavailable since") >= 2, text[-3000:]
  assert "reopening its writers" in text
  with open(os.path.join(learner_dir, "train.done")) as f:
    assert json.load(f) == {"learner_steps": 60}  # it paused through the outage, then went on
  episodes = records.read_episodes(records.run_records_dir(actor_dir), kind="selfplay")
  indices = sorted(e["episode_index"] for e in episodes)
  assert indices == list(range(len(indices))) and len(indices) > 0


def test_sigterm_while_waiting_to_connect(tmp_path, job_env):
  log = tmp_path / "a.log"
  with open(log, "w") as f:
    actor = spawn(job("selfplay", *TINY, f"--workdir={tmp_path / 'actor'}",
                      f"--replay_address=localhost:{_free_port()}", "--connect_timeout=300"),
                  env=job_env, stdout=f, stderr=subprocess.STDOUT)
  _wait_for(lambda: "waiting for the replay server" in log.read_text(), 90, "it to wait")
  code, seconds = _stop(actor)
  assert code == 0 and seconds < 10, log.read_text()[-2000:]


def test_a_client_whose_server_stays_gone_exits_after_its_timeout_with_one_line(tmp_path, job_env):
  port = _free_port()
  address = f"localhost:{port}"
  server = _Server(str(tmp_path / "replay"), port, job_env)
  server.cmd.append("--config.replay.insert_error_buffer=1000000000")  # never blocks the actor
  server.start()
  log, workdir = tmp_path / "actor.log", str(tmp_path / "actor")
  actor = None

  def indices():
    try:
      return sorted(e["episode_index"] for e in records.read_episodes(
          records.run_records_dir(workdir), kind="selfplay"))
    except Exception:  # pylint: disable=broad-except  (no records yet)
      return []
  try:
    _publish(address, 1)
    with open(log, "w") as f:
      actor = spawn(job("selfplay", *TINY, f"--workdir={workdir}", f"--replay_address={address}",
                        "--actor_id=0", "--unavailable_timeout=6",
                        "--config.replay.insert_error_buffer=1000000000"),
                    env=job_env, stdout=f, stderr=subprocess.STDOUT)
    _wait_for(lambda: len(indices()) >= 5, 120, "5 finished episodes")
    server.kill()
    gone = time.time()
    code = actor.wait(90)
    waited = time.time() - gone
  finally:
    for p in (actor, server.proc):
      if p is not None and p.poll() is None:
        p.kill()
  text = log.read_text()
  errors = [l for l in text.splitlines() if l.startswith("error:")]
  assert code == 2 and len(errors) == 1, text[-3000:]  # exit 2: every error line (errors.py)
  assert "unavailable since" in errors[0] and "giving up" in errors[0], errors
  assert "Traceback" not in text, text[-3000:]
  assert 6 <= waited < 60, waited
  final = indices()  # what it wrote before and during the outage is all there, once
  assert len(final) >= 5 and final == list(range(len(final)))
