"""Small file helpers shared by stages."""
import json
import os
import time


def write_json(path: str, data) -> None:
  """Writes JSON atomically (a kill never leaves half a file)."""
  tmp = f"{path}.tmp-{os.getpid()}-{time.time_ns()}"
  with open(tmp, "w") as f:
    json.dump(data, f, indent=2)
  os.replace(tmp, path)
