"""Child processes that do not outlive their parent."""
import signal


def die_with_parent(sig: int = signal.SIGKILL) -> None:
  """In a child process (or a Popen preexec_fn): get `sig` when the parent dies (Linux prctl)."""
  try:
    import ctypes
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, sig)  # PR_SET_PDEATHSIG
  except OSError:
    pass


def terminate_with_parent() -> None:
  """A Popen preexec_fn: SIGTERM when the parent dies, so the child can checkpoint and exit."""
  die_with_parent(signal.SIGTERM)
