"""Reverb server, two self-play actors, a reanalyse worker (when on) and the
learner as separate processes (gRPC on loopback)."""
import os
import socket
import subprocess

import pytest
import reverb

from conftest import TINY, job, run, spawn
from pipeline import records
from pipeline.replay import tables


def _free_port():
  with socket.socket() as s:
    s.bind(("localhost", 0))
    return s.getsockname()[1]


REANALYSE = ["--config.reanalyse.enabled=True", "--config.reanalyse.batch_size=4",
             "--config.reanalyse.fraction=0.25"]


@pytest.mark.parametrize("reanalyse", [False, True], ids=["no_reanalyse", "reanalyse"])
def test_replay_two_actors_and_learner_as_processes(tmp_path, job_env, reanalyse):
  config = TINY + (REANALYSE if reanalyse else [])
  port = _free_port()
  address = f"localhost:{port}"
  replay_dir, learner_dir = str(tmp_path / "replay"), str(tmp_path / "learner")
  actor_dir = str(tmp_path / "actors")
  procs = []
  try:
    procs.append(spawn(job("replay", *config, f"--workdir={replay_dir}", f"--port={port}"),
                       env=job_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    for i in range(2):
      procs.append(spawn(
          job("selfplay", *config, f"--workdir={actor_dir}", f"--replay_address={address}",
              f"--actor_id={i}", "--connect_timeout=60"),
          env=job_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    if reanalyse:
      procs.append(spawn(
          job("reanalyse", *config, f"--workdir={tmp_path / 'reanalyse'}",
              f"--replay_address={address}", "--worker_id=0", "--connect_timeout=60"),
          env=job_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    learner = run(job("train", *config, "--config.learner.num_steps=25",
                      f"--workdir={learner_dir}", f"--replay_address={address}",
                      "--connect_timeout=60"), job_env, timeout=300)
    assert learner.returncode == 0, learner.stderr[-3000:]
    assert os.path.exists(os.path.join(learner_dir, "train.done"))
    episodes = records.read_episodes(records.run_records_dir(actor_dir), kind="selfplay")
    assert {e["actor_id"] for e in episodes} == {0, 1}
    # The actors got the learner's parameters through Reverb, not a filesystem.
    assert max(e["param_version"] for e in episodes) > 0
    if reanalyse:
      # The worker inserted reanalysed sequences and the learner sampled them.
      info = reverb.Client(address).server_info()[tables.REANALYSED].rate_limiter_info
      assert info.insert_stats.completed > 0 and info.sample_stats.completed > 0
  finally:
    for p in procs:
      p.terminate()
    for p in procs:
      try:
        p.wait(5)
      except subprocess.TimeoutExpired:
        p.kill()
  # The standalone server checkpointed its replay on SIGTERM.
  assert any(os.path.exists(os.path.join(replay_dir, "reverb", d, "DONE"))
             for d in os.listdir(os.path.join(replay_dir, "reverb")))
