"""A killed test run leaves nothing running: processes started through the
test helpers (conftest.spawn / run) die with the process that started them."""
import os
import signal
import subprocess
import sys
import time

from conftest import REPO

PARENT = """
import os, subprocess, sys, time
sys.path.insert(0, os.path.join({repo!r}, "tests"))
from conftest import spawn
child = spawn([sys.executable, "-c", "import time; time.sleep(600)"])
open({pid_file!r}, "w").write(str(child.pid))
time.sleep(600)
"""


def _alive(pid: int) -> bool:
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  with open(f"/proc/{pid}/stat") as f:  # a zombie (dead, not yet reaped) is not running
    return f.read().split(")")[-1].split()[0] != "Z"


def test_a_spawned_process_dies_when_its_parent_is_killed(tmp_path):
  pid_file = str(tmp_path / "child.pid")
  parent = subprocess.Popen([sys.executable, "-c", PARENT.format(repo=REPO, pid_file=pid_file)])
  deadline = time.time() + 60
  while not os.path.exists(pid_file) or not open(pid_file).read():
    assert parent.poll() is None and time.time() < deadline, "the parent did not start its child"
    time.sleep(0.1)
  child = int(open(pid_file).read())
  assert _alive(child)
  parent.send_signal(signal.SIGKILL)   # as a CI time-out or a kill -9 of pytest would
  parent.wait()
  deadline = time.time() + 10
  while _alive(child) and time.time() < deadline:
    time.sleep(0.1)
  assert not _alive(child), "the child outlived its killed parent"
