"""Finished parts of an analysis on disk, so a killed analysis resumes.

Each part is a pickle RUN/analysis/cache/<name>.pkl holding a key (the
settings it was computed with) and its value; a part whose key differs from
the one asked for is computed again. Writes are atomic.
"""
import hashlib
import json
import os
import pickle
import time
from typing import Any, Callable


def fingerprint(settings: Any) -> str:
  """A short hash of JSON-able settings."""
  text = json.dumps(settings, sort_keys=True, default=str)
  return hashlib.sha1(text.encode()).hexdigest()[:16]


class Cache:

  def __init__(self, directory: str):
    self.directory = directory
    os.makedirs(directory, exist_ok=True)
    self.hits = 0
    self.misses = 0

  def _path(self, name: str) -> str:
    return os.path.join(self.directory, f"{name}.pkl")

  def load(self, name: str, key: str):
    """The stored value of `name` if it was computed with `key`, else None."""
    try:
      with open(self._path(name), "rb") as f:
        stored = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError):
      return None
    return stored["value"] if stored.get("key") == key else None

  def store(self, name: str, key: str, value) -> bool:
    """Stores a part; a value that cannot be pickled is not cached (returns False)."""
    path = self._path(name)
    try:
      data = pickle.dumps({"key": key, "value": value})
    except (pickle.PicklingError, TypeError, AttributeError):
      return False
    tmp = f"{path}.tmp-{os.getpid()}-{time.time_ns()}"
    with open(tmp, "wb") as f:
      f.write(data)
    os.replace(tmp, path)
    return True

  def get(self, name: str, settings: Any, compute: Callable[[], Any]):
    """The cached value of part `name` for `settings`, computing it if needed."""
    key = fingerprint(settings)
    value = self.load(name, key)
    if value is not None:
      self.hits += 1
      return value
    self.misses += 1
    value = compute()
    self.store(name, key, value)
    return value
