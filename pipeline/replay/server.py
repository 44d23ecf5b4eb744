"""A Reverb server with the project's tables, restored from its checkpoints.

Embedded in the pipeline process on one machine, or run alone as the `replay`
stage for many hosts. Checkpoints go to <workdir>/reverb/; on start the
newest complete one is loaded, so the replay contents survive a kill.
"""
import glob
import os
import shutil
import socket
import uuid

import numpy as np
import reverb

from pipeline import parts
from pipeline.errors import PipelineError
from pipeline.replay import tables

KEEP_CHECKPOINTS = 2


def checkpoint_dir(workdir: str) -> str:
  return os.path.join(workdir, "reverb")


def _check_port_free(port: int) -> None:
  """PipelineError if a process listens on `port`. SO_REUSEADDR as gRPC's own
  bind: connections of a killed server left in TIME_WAIT do not count, so the
  same command restarts a server on its port at once."""
  with socket.socket(socket.AF_INET6 if socket.has_ipv6 else socket.AF_INET) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
      s.bind(("", port))
    except OSError as e:
      raise PipelineError(f"port {port} is already in use ({e.strerror}; another replay "
                          f"server?); stop it or pick another --port") from e


def start_server(replay: parts.ReplayConfig, signature, workdir: str,
                 port: int = 0) -> reverb.Server:
  """Starts the server on `port` (0: a free one), restoring the latest checkpoint."""
  if port:
    _check_port_free(port)
  path = checkpoint_dir(workdir)
  os.makedirs(path, exist_ok=True)
  checkpointer = reverb.checkpointers.DefaultCheckpointer(path=path)
  server_tables = tables.server_tables(replay, signature)
  try:
    server = reverb.Server(tables=server_tables, port=port or None, checkpointer=checkpointer)
  except Exception as e:  # Reverb raises a plain RuntimeError/ValueError here.
    raise PipelineError(f"cannot start the Reverb server from checkpoints in {path}: "
                        f"{' '.join(str(e).split())[:300]}") from e
  # This incarnation's id (replaces a restored one): clients tell a restart from a busy server.
  server.localhost_client().insert([np.asarray(uuid.uuid4().int & (2**63 - 1), np.int64)],
                                   priorities={tables.SERVER: 1.0})
  return server


def prune_checkpoints(workdir: str, keep: int = KEEP_CHECKPOINTS) -> None:
  """Deletes all but the `keep` newest Reverb checkpoints (they are whole copies)."""
  done = [d for d in glob.glob(os.path.join(checkpoint_dir(workdir), "*"))
          if os.path.isdir(d) and os.path.exists(os.path.join(d, "DONE"))]
  for old in sorted(done, key=os.path.getmtime)[:-keep]:
    shutil.rmtree(old, ignore_errors=True)
