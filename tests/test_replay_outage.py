"""A self-play actor rides out replay-server restarts and honours SIGTERM in
every waiting state (issue 13): real processes on loopback, SIGKILL of the
server, the same command to restart it (it restores its checkpoint)."""
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


def test_an_actor_rides_out_server_restarts_and_stops_cleanly(tmp_path, job_env):
  port = _free_port()
  address = f"localhost:{port}"
  server = _Server(str(tmp_path / "replay"), port, job_env)
  actor_log = tmp_path / "actor.log"
  actor_dir = str(tmp_path / "actor")
  server.start()
  with open(actor_log, "w") as log:
    actor = spawn(job("selfplay", *TINY, f"--workdir={actor_dir}", f"--replay_address={address}",
                      "--actor_id=0", "--unavailable_timeout=120"),
                  env=job_env, stdout=log, stderr=subprocess.STDOUT)
  try:
    _wait_for(lambda: "starting at episode" in actor_log.read_text(), 90, "the actor to start")
    # 1. Waiting for the first parameters: the server dies and comes back.
    server.kill()
    time.sleep(3)
    server.start()
    _publish(address, 1)
    _wait_for(lambda: _replay_size(address) > 0, 90, "sequences after the first restart")
    # 2. Mid-run (soon held by the rate limiter: no learner samples): again.
    time.sleep(3)  # a server checkpoint (every 2 s) holds some of them
    server.kill()
    time.sleep(2)
    server.start()
    _publish(address, 2)
    client = reverb.Client(address)
    inserted = client.server_info()[tables.REPLAY].rate_limiter_info.insert_stats.completed
    # Sample as a learner would, so that the rate limiter (restored full) lets inserts in.
    for _ in zip(range(400), client.sample(tables.REPLAY, num_samples=400, emit_timesteps=False)):
      pass
    _wait_for(lambda: client.server_info()[tables.REPLAY].rate_limiter_info.insert_stats.completed
              > inserted, 90, "new sequences after the second restart")
    # 3. SIGTERM while the server is down: a clean exit within 10 s.
    server.kill()
    time.sleep(7)  # the actor notices the outage (its probes: every 5 s)
    code, seconds = _stop(actor)
    assert code == 0, actor_log.read_text()[-3000:]
  finally:
    for p in (actor, server.proc):
      if p.poll() is None:
        p.kill()
  text = actor_log.read_text()
  assert text.count("unavailable since") >= 2, text[-3000:]
  assert "reopening its writers" in text
  episodes = records.read_episodes(records.run_records_dir(actor_dir), kind="selfplay")
  indices = sorted(e["episode_index"] for e in episodes)
  assert indices == list(range(len(indices))) and len(indices) > 0
  assert max(e["param_version"] for e in episodes) >= 1  # played with the published parameters


def test_sigterm_while_connecting_and_while_waiting_for_parameters(tmp_path, job_env):
  port = _free_port()
  address = f"localhost:{port}"
  cmd = job("selfplay", *TINY, f"--workdir={tmp_path / 'actor'}", f"--replay_address={address}",
            "--actor_id=0", "--connect_timeout=300")
  log = tmp_path / "a.log"
  with open(log, "w") as f:
    actor = spawn(cmd, env=job_env, stdout=f, stderr=subprocess.STDOUT)
  _wait_for(lambda: "waiting for the replay server" in log.read_text(), 90, "it to wait")
  code, seconds = _stop(actor)
  assert code == 0 and seconds < 10, log.read_text()[-2000:]
  server = _Server(str(tmp_path / "replay"), port, job_env)
  server.start()
  try:
    with open(log, "w") as f:
      actor = spawn(cmd, env=job_env, stdout=f, stderr=subprocess.STDOUT)
    _wait_for(lambda: "starting at episode" in log.read_text(), 90, "the actor to start")
    code, seconds = _stop(actor)  # waiting for the first parameters
    assert code == 0 and seconds < 10, log.read_text()[-2000:]
  finally:
    server.kill()
