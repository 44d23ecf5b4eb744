"""Rates and time-left estimates for periodic progress lines."""
import time


class Rate:
  """Counts per second between calls to update()."""

  def __init__(self, count: int = 0):
    self._count, self._time = count, time.time()

  def update(self, count: int) -> float:
    now = time.time()
    rate = (count - self._count) / max(now - self._time, 1e-9)
    self._count, self._time = count, now
    return rate


def eta(done: float, total: float, rate: float) -> str:
  """'12m34s' left at `rate` per second, or '?' when unknown."""
  if rate <= 0 or total <= done:
    return "?" if total > done else "0s"
  seconds = int((total - done) / rate)
  return f"{seconds // 60}m{seconds % 60:02d}s"
