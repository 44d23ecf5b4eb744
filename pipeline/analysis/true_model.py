"""The true environment as a deterministic model, through get_state/set_state.

Any dm_env environment with `get_state()` / `set_state(state)` serves
(CartPole and MinAtar here, ALE through cloneState in pipeline/envs/atari.py,
Lunar Lander by replaying the episode's actions in pipeline/envs/lunar_lander.py).
A `Node` is a saved environment state; stepping a node restores it, steps the
environment and saves the result, so the same node can be expanded with every
action. Episode ends are absorbing: a node reached by a `last()` timestep
(termination or time-limit truncation alike: the real episode gets no more
reward after either) gives reward 0 and discount 0 for every action.

  step(env, node, action) -> (reward, Node)
  true_rewards(env, roots, actions [N, h]) -> rewards [N, h] (0 after an end)
  enumerate_tree(env, root, horizon, A) -> every sequence's rewards [A^h, h]
  TrueModel: the environment with the learned model's interface (root /
    recurrent for mcts.search, predict_rewards for the value errors).

States with randomness (MinAtar's sticky actions, ALE's RNG, Lunar Lander's
engine dispersion) carry their RNG, so a node's future is a deterministic
function of the actions taken.
"""
from typing import Callable, List, NamedTuple, Optional, Tuple

import numpy as np

from pipeline.analysis.roots import Roots
from pipeline.search import base


class Node(NamedTuple):
  """A saved environment state; `state` is None when it was not kept."""
  state: object
  observation: np.ndarray
  ended: bool


def root_nodes(roots: Roots) -> List[Node]:
  return [Node(s, o, False) for s, o in zip(roots.env_states, roots.observations)]


def step(env, node: Node, action: int, keep_state: bool = True) -> Tuple[float, Node]:
  """One true step from `node`; an ended node absorbs (reward 0, stays ended)."""
  if node.ended:
    return 0.0, node
  env.set_state(node.state)
  ts = env.step(int(action))
  ended = bool(ts.last())
  state = env.get_state() if keep_state and not ended else None
  return float(ts.reward), Node(state, ts.observation, ended)


def random_return(env, horizon: int, discount: float, rng: np.random.Generator,
                  num_actions: int) -> float:
  """Discounted reward of `horizon` uniformly random steps from the env's current
  state (which has not ended): sum_k discount^k r_k, stopping at an episode end."""
  total, scale = 0.0, 1.0
  for _ in range(horizon):
    ts = env.step(int(rng.integers(num_actions)))
    total += scale * float(ts.reward)
    scale *= discount
    if ts.last():
      break
  return total


def true_rewards(env, roots: Roots, actions: np.ndarray) -> np.ndarray:
  """Real rewards [N, h] of action sequences `actions` [N, h] from each root."""
  actions = np.asarray(actions)
  out = np.zeros(actions.shape, np.float64)
  for i, node in enumerate(root_nodes(roots)):
    for k in range(actions.shape[1]):
      out[i, k], node = step(env, node, actions[i, k], keep_state=k + 1 < actions.shape[1])
  return out


def all_sequences(num_actions: int, horizon: int) -> np.ndarray:
  """Every action sequence [A^h, h] in lexicographic order (first action slowest)."""
  index = np.arange(num_actions ** horizon)
  powers = num_actions ** np.arange(horizon - 1, -1, -1)
  return (index[:, None] // powers[None, :]) % num_actions


class Tree(NamedTuple):
  """All A^h sequences from one state. rewards [A^h, h] in all_sequences order;
  observations[k] [A^k, *obs] and ended[k] [A^k] of the nodes at depth k < h
  (node j at depth k: the state after the prefix whose base-A digits are j)."""
  rewards: np.ndarray
  observations: List[np.ndarray]
  ended: List[np.ndarray]


def enumerate_tree(env, root: Node, horizon: int, num_actions: int) -> Tree:
  """Expands the true environment's tree of depth `horizon` below `root`."""
  a_count = num_actions
  rewards = np.zeros((a_count ** horizon, horizon), np.float64)
  level, observations, ended = [root], [], []
  for k in range(horizon):
    observations.append(np.stack([n.observation for n in level]))
    ended.append(np.array([n.ended for n in level]))
    span = a_count ** (horizon - k - 1)  # sequences below one child
    keep = k + 1 < horizon
    children = []
    for j, node in enumerate(level):
      for a in range(a_count):
        r, child = step(env, node, a, keep_state=keep)
        first = (j * a_count + a) * span
        rewards[first:first + span, k] = r
        children.append(child)
    level = children
  return Tree(rewards, observations, ended)


PriorFn = Callable[[np.ndarray], np.ndarray]  # observations [B, *obs] -> logits [B, A]
ValueFn = Callable[[np.ndarray], np.ndarray]  # observations [B, *obs] -> values [B]


class TrueModel:
  """The true environment behind the search's interface.

  Embeddings are int64 handles [B] into a per-search store of nodes (reset by
  `root`). `prior_fn` gives the prior logits of a node from its observation
  (the network's policy head; None: uniform). Leaf values: with
  `rollout_horizon` > 0, the discounted reward of that many uniformly random
  true steps from the node (0 for an ended node); otherwise `value_fn` of the
  observation (None: 0). The edge into an ended node has discount 0.
  """

  needs_env_state = True  # roots must carry env states

  def __init__(self, env, num_actions: int, discount: float, prior_fn: Optional[PriorFn] = None,
               value_fn: Optional[ValueFn] = None, rollout_horizon: int = 0,
               rng: Optional[np.random.Generator] = None):
    self.env, self.num_actions, self.discount = env, num_actions, discount
    self.prior_fn, self.value_fn = prior_fn, value_fn
    self.rollout_horizon = rollout_horizon
    self.rng = rng if rng is not None else np.random.default_rng(0)
    self.nodes: List[Node] = []

  # ---- what both models answer ----------------------------------------------
  def predict_rewards(self, roots: Roots, actions: np.ndarray) -> np.ndarray:
    """Rewards [N, h] along actions [N, h] (the true ones)."""
    return true_rewards(self.env, roots, actions)

  # ---- search functions -----------------------------------------------------
  def _priors(self, observations: np.ndarray) -> np.ndarray:
    if self.prior_fn is None:
      return np.zeros((len(observations), self.num_actions), np.float32)
    return np.asarray(self.prior_fn(observations), np.float32)

  def _rollout(self, node: Node, restore: bool) -> float:
    """Random-rollout value of `node`; restore=False: the env is already in it."""
    if node.ended:
      return 0.0
    if restore:
      self.env.set_state(node.state)
    return random_return(self.env, self.rollout_horizon, self.discount, self.rng,
                         self.num_actions)

  def _values(self, nodes: List[Node], fresh: bool) -> np.ndarray:
    """Leaf values [B] (value_fn on the observations, or rollouts)."""
    if self.rollout_horizon > 0:
      return np.array([self._rollout(n, restore=not fresh) for n in nodes])
    if self.value_fn is None:
      return np.zeros(len(nodes))
    return np.asarray(self.value_fn(np.stack([n.observation for n in nodes])), np.float64)

  def root(self, roots: Roots) -> base.RootOutput:
    self.nodes = root_nodes(roots)
    handles = np.arange(len(self.nodes), dtype=np.int64)
    return base.RootOutput(prior_logits=self._priors(roots.observations),
                           value=self._values(self.nodes, fresh=False).astype(np.float32),
                           embedding=handles)

  def recurrent(self, handles: np.ndarray, actions: np.ndarray):
    rewards, discounts, values, new = [], [], [], []
    for h, a in zip(np.asarray(handles), np.asarray(actions)):
      r, child = step(self.env, self.nodes[int(h)], int(a))
      rewards.append(r)
      discounts.append(0.0 if child.ended else 1.0)
      if self.rollout_horizon > 0:  # the env is in `child` right now
        values.append(self._rollout(child, restore=False))
      new.append(child)
    first = len(self.nodes)
    self.nodes.extend(new)
    if self.rollout_horizon <= 0:
      values = self._values(new, fresh=True)
    out = base.RecurrentOutput(
        reward=np.array(rewards), discount=np.array(discounts),
        prior_logits=self._priors(np.stack([n.observation for n in new])),
        value=np.asarray(values, np.float64))
    return out, np.arange(first, first + len(new), dtype=np.int64)
