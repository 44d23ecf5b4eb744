"""User-facing errors: one clear line on stderr and a non-zero exit.

Every stage is started through `run_job`, which turns a `PipelineError` (or a
flag/config parsing error) into a single line `error: ...` and exit code 2,
without a traceback. Anything else is a bug and keeps its traceback.
"""
import sys

from absl import app
from absl import flags

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


def run_job(main) -> None:
  """absl.app.run(main) with one-line errors for user mistakes; Stopped ends it with 0."""

  def wrapped(argv):
    try:
      return main(argv)
    except PipelineError as e:
      fail(str(e))
    except Stopped:
      return None

  app.run(wrapped, flags_parser=_parse_flags)
