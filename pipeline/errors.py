"""User-facing errors: one clear line on stderr and a non-zero exit.

Every stage is started through `run_job`, which turns a `PipelineError` (or a
flag/config parsing error) into a single line `error: ...` and exit code 2,
without a traceback. Anything else is a bug and keeps its traceback.
"""
import atexit
import os
import sys

from absl import app
from absl import flags
from absl import logging

EXIT_USAGE = 2


class PipelineError(Exception):
  """A problem with the user's input or environment (bad name, bad file...)."""


def fail(message: str) -> None:
  """Prints `error: message` on one line and exits with EXIT_USAGE."""
  print(f"error: {message}", file=sys.stderr, flush=True)
  sys.exit(EXIT_USAGE)


def _parse_flags(argv):
  try:
    return flags.FLAGS(argv)
  except flags.Error as e:
    fail(" ".join(str(e).split()))
  except (KeyError, AttributeError, ValueError, TypeError) as e:
    # ml_collections raises these for unknown keys / wrong types in overrides.
    fail(f"bad config override: {' '.join(str(e).split())}")


class Stopped(Exception):
  """A stop request (SIGTERM / SIGINT) arrived while a job waited (e.g. on the
  replay server, pipeline/replay/connection.py): the job ends cleanly, exit 0."""


def run_job(main, exit_at_once: bool = False) -> None:
  """absl.app.run(main) with one-line errors for user mistakes; Stopped ends it with 0.

  exit_at_once: when main returns (its records, checkpoints and summaries written
  and flushed by main itself), end the process with os._exit(0) after running the
  atexit handlers and flushing stdio and logging, skipping the interpreter's
  final garbage collection. For the stages that hold Reverb clients and
  datasets: destroying a Reverb dataset iterator waits for its in-flight
  sample, which on a loaded machine held a SIGTERMed learner 7-10 s after its
  clean stop in about 1 stop in 4 (at the end of its `except Stopped` block,
  or in the interpreter's final collection). main may return such objects to
  keep them alive until os._exit.
  """

  def wrapped(argv):
    kept = None  # what main returns stays alive until os._exit (not destroyed first)
    try:
      kept = main(argv)
    except PipelineError as e:
      fail(str(e))
    except Stopped:
      pass
    if exit_at_once:
      atexit._run_exitfuncs()  # pylint: disable=protected-access
      logging.flush()
      sys.stdout.flush()
      sys.stderr.flush()
      os._exit(0)  # pylint: disable=protected-access  (`kept` is still alive here)

  app.run(wrapped, flags_parser=_parse_flags)
