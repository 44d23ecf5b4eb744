"""A Reverb client that rides out a server restart, and never blocks forever.

Reverb's client calls have no deadline (insert, sample, mutate_priorities,
checkpoint) or an optional one; on a dead server they block inside gRPC,
where no Python signal handler runs. Every call of a `Connection` therefore
runs with a deadline: `call(what, fn)` runs fn(client) in a daemon thread and
meanwhile checks, once a second, for a stop request and, every
`probe_seconds` (2), whether the server still answers (a call held by a rate
limiter on a live server keeps waiting: that is back-pressure, not a fault).

When the server stops answering: one log line ("replay server at HOST:PORT
unavailable since ..., retrying"), retries with backoff (1, 2, 4, ... 16 s)
until it answers again, then a fresh client and `fn` once more. After
`unavailable_timeout` seconds of outage: ServerUnavailable (a PipelineError:
one line, exit non-zero). A stop request (SIGTERM) while waiting: Stopped.

A server that came back is a new incarnation (its "server" table holds a new
id, pipeline/replay/server.py): `incarnation()` tells the caller, e.g. so an
actor drops its torn trajectory writers and opens new ones.
"""
import logging
import threading
import time
from typing import Callable, Optional

import reverb

from pipeline.errors import PipelineError, Stopped  # noqa: F401 (Stopped re-exported)
from pipeline.replay.tables import SERVER

DEFAULT_UNAVAILABLE_TIMEOUT = 900.0


class ServerUnavailable(PipelineError):
  """The server did not answer for unavailable_timeout seconds."""


_TRANSIENT = ("unavailable", "connection", "socket", "connect", "deadline", "reset", "closed",
              "cancelled")


def transient(error: BaseException) -> bool:
  """An error a server restart explains (a broken stream, a refused
  connection, a deadline: Reverb raises RuntimeError for what gRPC reports),
  rather than a bad call (ValueError, KeyError, TypeError, ...)."""
  return isinstance(error, (reverb.errors.DeadlineExceededError, RuntimeError)) or any(
      word in str(error).lower() for word in _TRANSIENT)


def _start(fn, client):
  """Runs fn(client) in a daemon thread; (result list, error list, done event),
  its own for each call (an abandoned call that returns late touches only its own)."""
  result, error, done = [], [], threading.Event()

  def run():
    try:
      result.append(fn(client))
    except Exception as e:  # pylint: disable=broad-except  (re-raised or retried by call)
      error.append(e)
    done.set()
  threading.Thread(target=run, daemon=True).start()
  return result, error, done


class Connection:
  """Reverb client of one address; see the module docstring."""

  def __init__(self, address: str, unavailable_timeout: float = DEFAULT_UNAVAILABLE_TIMEOUT,
               should_stop: Callable[[], bool] = lambda: False, probe_seconds: int = 2,
               log: Callable[[str], None] = logging.warning):
    self.address, self.unavailable_timeout = address, float(unavailable_timeout)
    self.should_stop, self.probe_seconds, self.log = should_stop, int(probe_seconds), log
    self.client = reverb.Client(address)
    self.outages = 0

  def available(self) -> bool:
    """The server answers server_info within probe_seconds."""
    try:
      self.client.server_info(timeout=self.probe_seconds)
      return True
    except Exception:  # pylint: disable=broad-except  (DeadlineExceeded, RuntimeError, ...)
      return False

  def incarnation(self) -> Optional[int]:
    """The id of the server's current start (None if it has none or does not answer)."""
    def read(client):
      if client.server_info(timeout=self.probe_seconds)[SERVER].current_size == 0:
        return None
      sample = next(client.sample(SERVER, num_samples=1, emit_timesteps=False))
      return int(sample.data[0][0])
    try:
      return self.call("read the server's id", read)
    except KeyError:  # a server without the table (not started by this project)
      return None

  def sleep(self, seconds: float) -> None:
    """time.sleep that a stop request ends (Stopped)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
      if self.should_stop():
        raise Stopped()
      time.sleep(min(0.2, max(0.0, end - time.monotonic())))

  def wait_until_available(self, what: str) -> None:
    """Blocks until the server answers again (then a fresh client); see the module doc."""
    since, wall = time.monotonic(), time.strftime("%H:%M:%S")
    self.outages += 1
    self.log(f"replay server at {self.address} unavailable since {wall} (while trying to "
             f"{what}), retrying")
    backoff = 1.0
    while True:
      if self.should_stop():
        raise Stopped()
      if time.monotonic() - since > self.unavailable_timeout:
        raise ServerUnavailable(f"replay server at {self.address} unavailable since {wall} "
                                f"({self.unavailable_timeout:.0f} s, --unavailable_timeout); "
                                f"giving up")
      self.client = reverb.Client(self.address)
      if self.available():
        self.log(f"replay server at {self.address} back after {time.monotonic() - since:.0f} s")
        return
      self.sleep(backoff)
      backoff = min(2 * backoff, 16.0)

  def interruptible(self, fn: Callable[[], object]):
    """fn() in a daemon thread, for a blocking call that is not a client call
    (e.g. the next batch of a Reverb dataset): its result or error, or Stopped
    as soon as a stop request comes (the call is abandoned). No retries."""
    result, error, done = _start(lambda _: fn(), None)
    while not done.wait(1.0):
      if self.should_stop():
        raise Stopped()
    if error:
      raise error[0]
    return result[0]

  def call(self, what: str, fn: Callable[[reverb.Client], object]):
    """fn(client), with the deadline and retries of the module docstring."""
    reconnects = 0
    while True:
      if self.should_stop():
        raise Stopped()
      result, error, done = _start(fn, self.client)
      last_probe = time.monotonic()
      lost = False
      while not done.wait(1.0):
        if self.should_stop():
          raise Stopped()  # the call is abandoned in its daemon thread
        if time.monotonic() - last_probe >= self.probe_seconds:
          if not self.available():
            lost = True
            break
          last_probe = time.monotonic()
      if not lost and not error:
        return result[0]
      if not lost and not transient(error[0]):
        raise error[0]  # a real error of the call, not of the connection
      if lost or not self.available():
        self.wait_until_available(what)
      elif reconnects < 3:  # a stream broken by a restart: reconnect, try again
        reconnects += 1
        self.client = reverb.Client(self.address)
        self.sleep(0.5 * reconnects)
      else:
        raise error[0]


class Direct:
  """A plain client behind Connection's interface, for a server in this
  process (the one-machine pipeline stage): no deadline, no outage."""

  def __init__(self, client: reverb.Client):
    self.client, self.outages = client, 0
    self.should_stop = lambda: False

  def call(self, what: str, fn: Callable[[reverb.Client], object]):
    del what
    return fn(self.client)

  def available(self) -> bool:
    return True

  def wait_until_available(self, what: str) -> None:
    del what

  def interruptible(self, fn: Callable[[], object]):
    return fn()

  def incarnation(self) -> Optional[int]:
    return None

  def sleep(self, seconds: float) -> None:
    time.sleep(seconds)


def as_connection(client) -> Optional[object]:
  """A Connection (or Direct) for `client`: a Connection, a reverb.Client or None."""
  if client is None or isinstance(client, (Connection, Direct)):
    return client
  return Direct(client)
