"""A tiny CartPole pipeline killed with SIGKILL mid-run, then the same command again."""
import json
import os
import re
import signal
import subprocess
import time

from conftest import TINY, job, run, spawn
from pipeline import records
from pipeline.study import checkpoint_step


def test_kill_and_resume(tmp_path, job_env):
  workdir = str(tmp_path / "run")
  # The reference search keeps the actors slow enough for a kill mid-run; the
  # resume logic does not depend on which search acts.
  cmd = job("pipeline", *TINY, "--config.learner.num_steps=200", "--config.search.implementation=reference",
            "--config.learner.checkpoint_every_seconds=1", "--log_every_seconds=2",
            f"--workdir={workdir}")
  proc = spawn(cmd, env=job_env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True)
  deadline = time.time() + 180
  while checkpoint_step(workdir) < 15 and time.time() < deadline:
    assert proc.poll() is None, proc.stdout.read()[-3000:]
    time.sleep(0.1)
  assert checkpoint_step(workdir) >= 15, "no checkpoint in time"
  os.kill(proc.pid, signal.SIGKILL)       # the learner (and embedded Reverb) die at once
  proc.wait()
  assert not os.path.exists(os.path.join(workdir, "train.done")), "killed too late: already trained"
  time.sleep(1.0)                          # the actors follow through PDEATHSIG
  killed_at = checkpoint_step(workdir)
  records_dir = open(os.path.join(workdir, "records")).read().strip()
  before = records.read_episodes(records_dir, kind="selfplay")
  assert before, "the actors wrote no episode before the kill"

  second = run(cmd, job_env, timeout=240)
  assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
  resumed = re.search(r"learner resumed at step (\d+); replay holds (\d+) sequences", second.stdout)
  assert resumed, second.stdout[-2000:]
  assert int(resumed.group(1)) == killed_at       # counters continue from the checkpoint
  assert int(resumed.group(2)) > 0                # the replay came back from Reverb's checkpoint
  result = json.load(open(os.path.join(workdir, "result.json")))
  assert result["learner_steps"] == 200 and result["eval_episodes"] == 2
  assert result["env_frames"] > 0 and result["wall_seconds"] > 0

  after = records.read_episodes(records_dir, kind="selfplay")
  indices = [e["episode_index"] for e in after if e["actor_id"] == 0]
  assert indices == list(range(len(indices)))     # no gap, no duplicate
  assert len(after) > len(before)
  assert all(any(a == b for a in after) for b in before)  # nothing written before was lost

  third = run(cmd, job_env, timeout=120)          # a finished run is not redone
  assert third.returncode == 0 and "already finished" in third.stdout
