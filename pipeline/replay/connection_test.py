import socket
import time

import pytest

from pipeline.replay import connection


def _free_port():
  with socket.socket() as s:
    s.bind(("localhost", 0))
    return s.getsockname()[1]


def test_no_server_gives_up_after_the_timeout_with_one_line():
  lines = []
  conn = connection.Connection(f"localhost:{_free_port()}", unavailable_timeout=2,
                               probe_seconds=1, log=lines.append)
  start = time.monotonic()
  with pytest.raises(connection.ServerUnavailable, match="unavailable since .* giving up"):
    conn.call("read the parameters", lambda client: client.server_info())
  assert time.monotonic() - start < 15
  assert len(lines) == 1 and "unavailable since" in lines[0] and "retrying" in lines[0]


def test_a_stop_request_ends_the_wait():
  stop_at = time.monotonic() + 2
  conn = connection.Connection(f"localhost:{_free_port()}", unavailable_timeout=600,
                               probe_seconds=1, should_stop=lambda: time.monotonic() > stop_at,
                               log=lambda line: None)
  with pytest.raises(connection.Stopped):
    conn.call("read the parameters", lambda client: client.server_info())
  assert time.monotonic() - stop_at < 5


def test_errors_of_the_call_itself_are_raised():
  conn = connection.Connection(f"localhost:{_free_port()}", log=lambda line: None)
  with pytest.raises(ValueError, match="bad key"):
    conn.call("x", lambda client: (_ for _ in ()).throw(ValueError("bad key")))
  assert connection.transient(RuntimeError("Connection reset by peer"))
  assert connection.transient(RuntimeError("Error when confirming that all items written"))
  assert not connection.transient(ValueError("bad key"))
