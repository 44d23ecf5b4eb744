"""The learner's tf.distribute strategy, chosen by name.

  cpu       OneDeviceStrategy on the CPU (the default)
  gpu       MirroredStrategy over every visible GPU
  tpu       TPUStrategy on the TPU named by `tpu_address` ("" = local)
  mirrored  MirroredStrategy over every logical CPU device (multi-replica
            on one host; the tests use two logical CPUs)
"""
import tensorflow as tf

from pipeline.errors import PipelineError

NAMES = ("cpu", "gpu", "tpu", "mirrored")


def make_strategy(name: str = "cpu", tpu_address: str = "") -> tf.distribute.Strategy:
  if name == "cpu":
    return tf.distribute.OneDeviceStrategy("/cpu:0")
  if name == "gpu":
    gpus = tf.config.list_logical_devices("GPU")
    if not gpus:
      raise PipelineError("--strategy=gpu but TensorFlow sees no GPU")
    return tf.distribute.MirroredStrategy([d.name for d in gpus])
  if name == "tpu":
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu_address)
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)
  if name == "mirrored":
    return tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])
  raise PipelineError(f"unknown strategy {name!r}; known: {', '.join(NAMES)}")


def split_cpu(num_devices: int) -> None:
  """Makes `num_devices` logical CPU devices (before TensorFlow starts)."""
  cpu = tf.config.list_physical_devices("CPU")[0]
  tf.config.set_logical_device_configuration(
      cpu, [tf.config.LogicalDeviceConfiguration()] * num_devices)
