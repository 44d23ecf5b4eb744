"""Principal components and diameters of model vectors (numpy).

fit(X) -> (mean [D], components [2, D]) from the Gram matrix of the centred
points (n <= a few thousand, D large); project() maps [..., D] -> [..., 2].
"""
import numpy as np


def fit(X, num_components=2):
  """(mean [D], components [C, D]) of points X [n, D], unit-norm, by variance."""
  X = np.asarray(X, np.float64)
  mean = X.mean(axis=0)
  Xc = X - mean
  eigval, eigvec = np.linalg.eigh(Xc @ Xc.T)  # [n], [n, n] ascending
  order = np.argsort(eigval)[::-1][:num_components]
  comps = eigvec[:, order].T @ Xc  # [C, D], norm sqrt(eigval)
  comps /= np.linalg.norm(comps, axis=1, keepdims=True)
  # Fix the sign: largest-magnitude entry positive, so plots are reproducible.
  signs = np.sign(comps[np.arange(len(comps)), np.argmax(np.abs(comps), axis=1)])
  return mean, comps * signs[:, None]


def project(X, mean, components):
  """[..., C] coordinates of X [..., D]."""
  return (np.asarray(X, np.float64) - mean) @ components.T


def diameter(points):
  """Largest pairwise Euclidean distance among points [n, d]."""
  x = np.asarray(points, np.float64)
  sq = np.sum(x * x, axis=1)
  d2 = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)  # [n, n] without an [n, n, d] array
  return float(np.sqrt(max(np.max(d2), 0.0)))


def group_diameters(points, num_groups, rng):
  """[num_groups] diameters of a random partition of points [n, d] into equal groups."""
  n = len(points) // num_groups * num_groups
  groups = rng.permutation(len(points))[:n].reshape(num_groups, -1)
  return np.array([diameter(points[g]) for g in groups])
