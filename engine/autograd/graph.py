"""The backward graph and the recorded, steppable backward pass.

A ``Node`` is what torch calls a ``grad_fn``. ``BackwardPass`` walks the graph
from an output, one node per ``step()``, and records each step as an immutable
``Step``; ``Tensor.backward()`` is ``BackwardPass(...).run()`` (keeping its steps only
when a ``record_passes`` block listens). The window
replays these steps; it never computes a gradient itself.

>>> import engine as torch
>>> x = torch.arange(4.0, requires_grad=True)
>>> y = 2 * torch.dot(x, x)
>>> backward = torch.BackwardPass(y)
>>> [step.name for step in backward]
['MulBackward0', 'DotBackward0', 'torch::autograd::AccumulateGrad']
>>> backward.steps[-1].grad_after
array([ 0.,  4.,  8., 12.], dtype=float32)
"""

from __future__ import annotations

import heapq
import itertools
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from engine.dtypes import from_numpy_dtype
from engine.grad_mode import _state as _grad_mode

__all__ = ["Node", "AccumulateGrad", "BackwardPass", "Step", "Contribution", "PassState",
           "CopyBackwards", "record_passes"]

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)

_sequence = itertools.count()


class Node:
    """A function of the backward graph, named as torch names it (``MulBackward0``).

    Subclasses set ``self._saved`` (a tuple of what their ``backward`` needs, read
    back through ``self.saved``, which raises once freed) and
    implement ``backward(grad) -> tuple`` with one gradient per input edge
    (``None`` where that input needs no gradient). A node with several outputs
    (``num_outputs > 1``) also implements ``gather(per_output) -> grad``, which makes
    its one incoming gradient from each output's (``None`` where none arrived).
    """

    __slots__ = ("next_functions", "sequence_nr", "_saved", "_freed", "_input_meta",
                 "_pre_hooks", "_post_hooks", "_versions", "_value", "__weakref__")
    num_outputs = 1

    def __init__(self, inputs=()):
        self.sequence_nr = next(_sequence)
        edges = []
        meta = []
        for operand in inputs:
            if getattr(operand, "_requires_grad", False):
                edges.append((operand.grad_fn or operand._grad_accumulator(),
                              operand._output_nr))
                meta.append((operand._data.shape, operand._data.dtype))
            else:
                edges.append((None, 0))
                meta.append(None)
        self.next_functions = tuple(edges)
        self._input_meta = tuple(meta)
        self._saved = ()
        self._freed = False
        self._pre_hooks = None  # {handle id: (kind, array hook)}, run in kind order
        self._post_hooks = None  # {handle id: array post-hook}
        self._versions = ()  # (array, version counter, version when saved, input tensor or None)
        self._value = None  # the forward output's array, kept for small outputs (see value)

    def name(self) -> str:
        return type(self).__name__

    def forward_name(self) -> str:
        """The forward op, as torch's error texts name it: ``ExpBackward0`` -> ``Exp``."""
        return _BACKWARD_SUFFIX.sub("", self.name())

    def needs_input_grad(self, index: int) -> bool:
        return self.next_functions[index][0] is not None

    @property
    def saved(self) -> tuple:
        """What backward needs; raises torch's error once it has been freed."""
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        return self._saved

    @property
    def saves_tensors(self) -> bool:
        for value in self._saved:
            if value is not None:
                return True
        return False

    @property
    def value(self):
        """The array the op that made this node computed (for outputs up to ``VALUE_LIMIT``
        elements, so that a picture can write ``dot = 14``; None otherwise)."""
        return self._value

    @property
    def is_freed(self) -> bool:
        """True once a backward without ``retain_graph`` released what this node saved."""
        return self._freed

    def release_saved(self) -> bool:
        """Drop what was saved for backward (as torch does after a pass); True if anything was."""
        if self.saves_tensors:
            self._freed = True
            self._saved = ()
            self._versions = ()
            return True
        return False

    # ----- torch's version check of saved tensors ---------------------------
    def watch_saved(self, inputs: tuple, output) -> None:
        """Note the version of each input (or the output) whose array this node saved."""
        watched = []
        for array in self._saved:
            if array is None:
                continue
            if array is output._data:
                watched.append((array, output._version_counter(), 0, None))
                continue
            for operand in inputs:
                if getattr(operand, "_data", None) is array:
                    counter = operand._version_counter()
                    watched.append((array, counter, counter[0], operand))
                    break
        self._versions = tuple(watched)

    def check_versions(self) -> None:
        """Raise torch's error if a saved tensor was modified in place since it was saved."""
        for array, counter, expected, tensor in self._versions:
            if counter[0] != expected:
                raise RuntimeError(_modified_message(self, array, counter[0], expected, tensor))

    def keep_originals(self, array: np.ndarray) -> None:
        """Before an in-place op overwrites ``array``, keep a private copy of it if saved."""
        if any(saved is array for saved in self._saved):
            self._saved = tuple(saved.copy() if saved is array else saved
                                for saved in self._saved)
            self._versions = tuple(entry for entry in self._versions if entry[0] is not array)

    def rebind_output(self, old: np.ndarray, new: np.ndarray, counter: list) -> None:
        """An in-place op's output now lives in ``new`` (the modified tensor's memory)."""
        self._saved = tuple(new if saved is old else saved for saved in self._saved)
        if self._value is old:
            self._value = new
        self._versions = tuple((new, counter, counter[0], None) if entry[0] is old else entry
                               for entry in self._versions)

    def backward(self, grad: np.ndarray) -> tuple:
        raise NotImplementedError

    def backward_graph(self, grad) -> tuple:
        """``backward`` built from engine ops on tensors, so that it records a graph
        (``create_graph=True``); nodes outside that subset say so."""
        raise RuntimeError(f"create_graph=True through {self.name()} is outside the engine's "
                           "subset")

    def gather_graph(self, per_output: list):
        raise RuntimeError(f"create_graph=True through {self.name()} is outside the engine's "
                           "subset")

    def add_pre_hook(self, kind: int, hook: Callable) -> RemovableHandle:
        """Run ``hook(grad) -> grad or None`` on the gradient that reached this node.

        ``hook`` works on arrays (``engine.hooks`` adapts the user's Tensor functions).
        Hooks run by ``kind`` (``TENSOR_HOOK``, then ``RETAINS_GRAD_HOOK``, then
        ``NODE_PRE_HOOK``, torch's order), and in the order registered within a kind.
        """
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return RemovableHandle(self._pre_hooks, (kind, hook))

    def add_post_hook(self, hook: Callable) -> RemovableHandle:
        """Run ``hook(grads_out, grads_in) -> grads_out or None`` after the node ran."""
        if self._post_hooks is None:
            self._post_hooks = {}
        return RemovableHandle(self._post_hooks, hook)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


_BACKWARD_SUFFIX = re.compile(r"Backward\d*$")

TENSOR_HOOK, RETAINS_GRAD_HOOK, NODE_PRE_HOOK = 0, 1, 2
VALUE_LIMIT = 4096  # the largest forward output a node keeps a reference to


def _modified_message(node: Node, array: np.ndarray, version: int, expected: int,
                      tensor) -> str:
    described = (f"[torch.{from_numpy_dtype(array.dtype).legacy_name}Tensor "
                 f"[{', '.join(str(n) for n in array.shape)}]]")
    producer = node if tensor is None else tensor.grad_fn
    if producer is not None:
        described += f", which is output 0 of {producer.forward_name()},"
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {described} is at version {version}; expected version "
            f"{expected} instead. Hint: enable anomaly detection to find the operation that "
            "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
            "check_nan=False).")


class AccumulateGrad(Node):
    """The sink of a leaf: adds the gradient that reaches it into ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        Node.__init__(self)
        self.sequence_nr = float("inf")  # torch runs these as soon as they are ready
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"

    def backward(self, grad: np.ndarray) -> tuple:
        return ()


class CopyBackwards(Node):
    """The copy a create_graph pass stores as a leaf's first ``.grad`` (torch's name)."""

    __slots__ = ()

    def name(self) -> str:
        return "torch::autograd::CopyBackwards"

    def __repr__(self) -> str:
        return f"<CopyBackwards object at {id(self):#x}>"

    def backward(self, grad):
        return (None, grad)  # edge 0 is the new buffer copied into, edge 1 the source

    def backward_graph(self, grad):
        return (None, grad)


class RemovableHandle:
    """What ``register_hook`` returns; ``remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: dict, hook: Callable):
        self.id = next(self._ids)
        self._hooks_ref = weakref.ref(hooks) if hasattr(hooks, "__weakref__") else (lambda: hooks)
        hooks[self.id] = hook

    def remove(self) -> None:
        hooks = self._hooks_ref()
        if hooks is not None:
            hooks.pop(self.id, None)


class Contribution(NamedTuple):
    """One gradient arriving at a node along one edge (before they are summed).

    ``output_nr`` says which of the node's outputs it is the gradient of: always 0
    except for a node with several outputs (``UnbindBackward0``), whose gradients are
    summed per output and then combined by ``node.gather``.
    """

    source: Node | None
    grad: np.ndarray
    output_nr: int = 0


class Step(NamedTuple):
    """One node run by a backward pass, with every number a learner wants to see.

    ``grad_in`` is the summed gradient that reached ``node`` (``contributions``
    lists its parts); ``grads_out[i]`` is what it sent along
    ``node.next_functions[i]`` (``None`` for an edge that needs none). For an
    AccumulateGrad step, ``grad_before``/``grad_after`` are copies of the leaf's
    ``.grad`` before and after (``grad_before`` is ``None`` on the first pass).
    ``saved`` is what the node had saved for this step (``freed`` says whether it
    released it afterwards), so the chain rule can be written out with numbers.
    ``returned`` marks the AccumulateGrad step of an ``autograd.grad`` input: its
    gradient was handed back to the caller and ``.grad`` left as it was.
    Immutable: a tuple, so that recording a step costs little.
    """

    index: int
    node: Node
    grad_in: np.ndarray
    contributions: tuple
    grads_out: tuple
    leaf: object = None
    grad_before: np.ndarray | None = None
    grad_after: np.ndarray | None = None
    freed: bool = False
    saved: tuple = ()
    returned: bool = False  # autograd.grad: the gradient was returned, not stored in .grad

    @property
    def name(self) -> str:
        return self.node.name()

    @property
    def is_accumulation(self) -> bool:
        return self.leaf is not None


@dataclass(frozen=True)
class PassState:
    """Everything about a recorded pass after its step ``index`` (-1: before the first).

    What the window, the lesson queue, the command line and the picture show at one
    position of the animation, answered once by the pass (``BackwardPass.state_at``):

    - ``steps``: the steps run up to and including ``index``; ``step`` the one at
      ``index`` (``None`` at -1);
    - ``freed``: the nodes whose saved tensors are freed at this point (those an earlier
      pass freed first, then in the order this pass freed them);
    - ``leaves``: every leaf the pass reaches (its AccumulateGrad nodes, in graph order);
      ``grads_before[i]`` is ``leaves[i]``'s ``.grad`` when the pass began and ``grads[i]``
      after step ``index`` (read-only arrays, ``None`` for no gradient yet);
    - ``failed_node`` and ``error``: the node whose step raised and the exception, set only
      when ``index`` is the last step of a pass that stopped on an error (``at_end``).

    >>> import engine as torch
    >>> x = torch.arange(4.0, requires_grad=True)
    >>> backward = torch.BackwardPass(2 * torch.dot(x, x)).run()
    >>> state = backward.state_at(1)
    >>> state.step.name, [node.name() for node in state.freed], state.grad(x)
    ('DotBackward0', ['MulBackward0', 'DotBackward0'], None)
    >>> backward.state_at(2).grad(x), backward.state_at(2).at_end
    (array([ 0.,  4.,  8., 12.], dtype=float32), True)
    >>> torch.BackwardPass(2 * torch.dot(x, x)).run().state_at(-1).grad(x)
    array([ 0.,  4.,  8., 12.], dtype=float32)
    """

    index: int
    steps: tuple
    step: Step | None
    freed: tuple
    leaves: tuple
    grads_before: tuple
    grads: tuple
    at_end: bool
    failed_node: Node | None = None
    error: BaseException | None = None

    def grad(self, leaf):
        """``leaf``'s ``.grad`` after step ``index`` (``None``: none yet); KeyError if the
        pass does not reach ``leaf``."""
        return self.grads[self._position(leaf)]

    def grad_before(self, leaf):
        """``leaf``'s ``.grad`` when the pass began."""
        return self.grads_before[self._position(leaf)]

    def is_freed(self, node: Node) -> bool:
        return any(freed is node for freed in self.freed)

    @property
    def error_text(self) -> str | None:
        """The error as Python's last traceback line prints it (``RuntimeError: ...``)."""
        if self.error is None:
            return None
        return f"{type(self.error).__name__}: {self.error}"

    def _position(self, leaf) -> int:
        for position, known in enumerate(self.leaves):
            if known is leaf:
                return position
        raise KeyError("the pass does not reach this tensor")


_NOT_RUN = object()  # what _run_node returns for a caught node it did not run

_new_tuple = tuple.__new__  # builds a Step or Contribution without NamedTuple's slower __new__

_pass_listeners: list = []


class record_passes:  # noqa: N801 - used like a context manager function
    """Collect every BackwardPass started inside the block (lesson cells use this).

    >>> import engine as torch
    >>> with torch.record_passes() as passes:
    ...     torch.ones(2, requires_grad=True).sum().backward()
    >>> len(passes)
    1
    """

    def __enter__(self) -> list:
        self.passes = []
        _pass_listeners.append(self.passes)
        return self.passes

    def __exit__(self, *exc_info):
        _pass_listeners.remove(self.passes)
        return False


def _frozen(array: np.ndarray) -> np.ndarray:
    copy = array.copy()
    copy.flags.writeable = False
    return copy


class BackwardPass:
    """A backward pass from ``output``, advanced one node at a time.

    Nodes run in torch's order: a node runs once every gradient bound for it
    has arrived, the most recently created node first, and AccumulateGrad
    sinks as soon as they are ready. Iterating yields each ``Step``;
    ``run()`` finishes the pass. ``error`` holds the exception that stopped it
    and ``failed_node`` the node that raised it.
    """

    def __init__(self, output, gradient=None, retain_graph: bool | None = None, *,
                 keep_steps: bool = True, create_graph: bool = False, inputs=None,
                 accumulate: bool = True):
        outputs = tuple(output) if isinstance(output, (tuple, list)) else (output,)
        if gradient is None or not isinstance(gradient, (tuple, list)):
            gradients = (gradient,) + (None,) * (len(outputs) - 1)
        else:
            gradients = tuple(gradient)
        if len(gradients) != len(outputs):
            raise RuntimeError(f"grad_tensors should have the same length as tensors: got "
                               f"{len(gradients)} and {len(outputs)}")
        self.output = outputs[0]
        self.outputs = outputs
        self.create_graph = bool(create_graph)
        self.retain_graph = self.create_graph if retain_graph is None else bool(retain_graph)
        # ``Tensor.backward()`` runs this same pass with keep_steps=False unless a
        # ``record_passes`` block is listening: then each step (and the gradients and saved
        # tensors it refers to) is dropped as soon as it ran, so memory is released as in
        # torch instead of being held until the end of the pass.
        self.keep_steps = keep_steps or bool(_pass_listeners)
        self.steps: list[Step] = []
        self.steps_run = 0
        self.error: Exception | None = None
        self.failed_node: Node | None = None  # the node whose step raised ``error``
        self._pending: dict[Node, list] = {}
        roots = []
        for number, (tensor, grad) in enumerate(zip(outputs, gradients)):
            root, root_grad = _root_of(tensor, grad, number, self.create_graph)
            roots.append(root)
            self._pending.setdefault(root, []).append(
                _new_tuple(Contribution, (None, root_grad, tensor._output_nr)))
        self._dependencies = _count_dependencies(roots)
        # autograd.grad (``inputs``): where each input's gradient is caught, and which nodes
        # lead to one (only those run; with ``accumulate`` the inputs' .grad still adds up)
        self.inputs = None if inputs is None else tuple(inputs)
        self.accumulate = accumulate
        self.captured: list = []
        self._captures: dict = {}
        self._needed = None
        if self.inputs is not None:
            self._catch(self.inputs)
        self._ready: list = []
        self._tiebreak = itertools.count()
        for root in dict.fromkeys(roots):
            if self._dependencies[root] == 0 and self._wanted(root):
                self._push_ready(root)
        self._start = _starting_state(self._dependencies) if self.keep_steps else None
        for listener in _pass_listeners:
            listener.append(self)

    def _catch(self, inputs: tuple) -> None:
        self.captured = [None] * len(inputs)
        for position, tensor in enumerate(inputs):
            node = tensor.grad_fn if tensor.grad_fn is not None else tensor._grad_accumulator()
            self._captures.setdefault(node, []).append((position, tensor._output_nr))
        parents: dict = {}
        for node in self._dependencies:
            for child, _ in node.next_functions:
                if child is not None:
                    parents.setdefault(child, []).append(node)
        needed, stack = set(), [node for node in self._captures if node in self._dependencies]
        while stack:
            node = stack.pop()
            if node in needed:
                continue
            needed.add(node)
            stack.extend(parents.get(node, ()))
        self._needed = needed
        # a caught non-leaf's node runs only if some other input lies below it
        self._below = {node for node in needed
                       if any(child in needed for child, _ in node.next_functions)}

    def _wanted(self, node: Node) -> bool:
        return self._needed is None or node in self._needed

    @property
    def done(self) -> bool:
        return not self._ready or self.error is not None

    def state_at(self, index: int | None = None) -> PassState:
        """The state after ``steps[index]`` (``-1``: before the first step; ``None``: after
        the last step run so far). See ``PassState``."""
        if self._start is None:
            raise ValueError("this pass kept no steps (Tensor.backward() outside a "
                             "record_passes block): it has no states to show")
        last = len(self.steps) - 1
        index = last if index is None else index
        if not isinstance(index, int) or not -1 <= index <= last:
            raise IndexError(f"step {index} is outside the pass (-1 .. {last})")
        leaves, grads_before, freed_before = self._start
        steps = tuple(self.steps[:index + 1])
        freed = list(freed_before)
        grads = list(grads_before)
        position = {id(leaf): number for number, leaf in enumerate(leaves)}
        for step in steps:
            if step.freed:
                freed.append(step.node)
            if step.leaf is not None and id(step.leaf) in position:
                grads[position[id(step.leaf)]] = step.grad_after
        at_end = index == last and self.done
        failed = at_end and self.error is not None
        return PassState(index, steps, steps[-1] if steps else None, tuple(freed), leaves,
                         grads_before, tuple(grads), at_end,
                         self.failed_node if failed else None, self.error if failed else None)

    def __iter__(self) -> Iterator[Step]:
        while not self.done:
            step = self.step()
            if step is not None:
                yield step

    def run(self) -> BackwardPass:
        """Run to the end; raise the error that stopped the pass, as torch would."""
        previous_mode, _grad_mode["enabled"] = _grad_mode["enabled"], self.create_graph
        try:
            with np.errstate(all="ignore"):  # infinities and nans flow silently, as in torch
                while self._ready and self.error is None:
                    self._advance()
        finally:
            _grad_mode["enabled"] = previous_mode
        return self

    def step(self) -> Step | None:
        """Run the next ready node and return what it did (None for a pass that keeps no
        steps: ``keep_steps=False`` outside a ``record_passes`` block builds no records)."""
        if self.done:
            raise StopIteration("the backward pass has finished")
        previous_mode, _grad_mode["enabled"] = _grad_mode["enabled"], self.create_graph
        try:
            with np.errstate(all="ignore"):
                step = self._advance()
                while step is None and self._ready and self.error is None:
                    step = self._advance()
                return step
        finally:
            _grad_mode["enabled"] = previous_mode

    def _advance(self) -> Step:
        node = heapq.heappop(self._ready)[2]
        contributions = self._pending.pop(node)
        try:
            step = self._run_node(node, contributions)
        except Exception as error:
            self.error, self.failed_node = error, node
            raise
        if step is _NOT_RUN:  # a caught input's node that nothing below needs
            return None
        self.steps_run += 1
        if step is not None:  # None: nobody keeps the steps, so none was built
            self.steps.append(step)
        return step

    def _push_ready(self, node: Node) -> None:
        heapq.heappush(self._ready, (-node.sequence_nr, next(self._tiebreak), node))

    def _run_node(self, node: Node, contributions: list) -> Step:
        if node.num_outputs > 1:
            per_output = _sum_per_output(contributions, node.num_outputs)
            grad = node.gather(per_output) if not self.create_graph else node.gather_graph(
                per_output)
        else:
            grad = contributions[0][1]
            for contribution in contributions[1:]:
                grad = grad + contribution[1]
            if type(grad) is not np.ndarray and isinstance(grad, np.generic):
                grad = np.asarray(grad)  # two 0-d arrays add up to a numpy scalar
        if type(node) is AccumulateGrad:
            leaf_hooks = node.variable._hooks
            if leaf_hooks:  # the leaf's own hooks: torch's tensor pre-hooks of its accumulator
                grad = _apply_hooks(leaf_hooks.values(), grad)
        if node._pre_hooks:
            grad = _apply_pre_hooks(node._pre_hooks, grad)
        caught = self._captures.get(node) if self._captures else None
        if caught is not None:
            for position, output_nr in caught:
                self.captured[position] = (per_output[output_nr] if node.num_outputs > 1
                                           else grad)
            if type(node) is AccumulateGrad and not self.accumulate:
                return self._returned(node, grad, tuple(contributions))
            if type(node) is not AccumulateGrad and self.accumulate:
                for position, _ in caught:  # backward(inputs=[h]) fills h.grad
                    self.inputs[position]._store_grad(self.captured[position])
            if type(node) is not AccumulateGrad and node not in self._below:
                return _NOT_RUN  # caught here; nothing below it is wanted
        if type(node) is AccumulateGrad:
            step = self._accumulate(node, grad, tuple(contributions))
            if node.variable._post_accumulate_hooks:
                for hook in list(node.variable._post_accumulate_hooks.values()):
                    hook()
            if node._post_hooks:
                _apply_post_hooks(node._post_hooks, (), (grad,))
            return step
        saved = node._saved
        if node._versions:
            node.check_versions()
        grads_out = node.backward_graph(grad) if self.create_graph else node.backward(grad)
        if node._post_hooks:
            grads_out = _apply_post_hooks(node._post_hooks, tuple(grads_out), (grad,))
        freed = bool(saved) and not self.retain_graph and node.release_saved()
        sent = self._send_all(node, grads_out)
        if not self.keep_steps:
            return None
        if self.create_graph:
            grad, contributions, sent = (_array(grad), _arrays_of(contributions),
                                         tuple(_array(g) for g in sent))
        return _new_tuple(Step, (self.steps_run, node, grad, tuple(contributions), sent, None,
                                 None, None, freed, saved, False))

    def _returned(self, node: AccumulateGrad, grad, contributions: tuple) -> Step:
        """autograd.grad reached an input leaf: the gradient is returned, .grad untouched."""
        leaf = node.variable
        if not self.keep_steps:
            return None
        current = None
        if leaf._grad is not None:
            current = _frozen(leaf._grad._data)
        if self.create_graph:
            grad, contributions = _array(grad), _arrays_of(contributions)
        return _new_tuple(Step, (self.steps_run, node, grad, contributions, (), leaf, current,
                                 current, False, (), True))

    def _send_all(self, node: Node, grads_out: tuple) -> tuple:
        """Queue each outgoing gradient for its next node; return them as sent."""
        sent = []
        pending, dependencies, needed = self._pending, self._dependencies, self._needed
        graph = self.create_graph
        for (target, output_nr), grad, meta in zip(node.next_functions, grads_out,
                                                   node._input_meta):
            if target is None or (needed is not None and target not in needed):
                sent.append(None)
                continue
            if grad is not None:
                if graph:
                    grad = _fit_tensor(grad, meta)
                else:
                    if type(grad) is not np.ndarray:  # numpy returns scalars for 0-d results
                        grad = np.asarray(grad)
                    shape, dtype = meta
                    if grad.dtype != dtype or grad.shape != shape:
                        grad = np.broadcast_to(grad, shape).astype(dtype, copy=False)
                contribution = _new_tuple(Contribution, (node, grad, output_nr))
                if target in pending:
                    pending[target].append(contribution)
                else:
                    pending[target] = [contribution]
            sent.append(grad)
            remaining = dependencies[target] - 1
            dependencies[target] = remaining
            if remaining == 0 and target in pending:
                heapq.heappush(self._ready, (-target.sequence_nr, next(self._tiebreak), target))
        return tuple(sent)

    def _accumulate(self, node: AccumulateGrad, grad: np.ndarray, contributions: tuple) -> Step:
        leaf = node.variable
        if self.create_graph:  # the gradient is a tensor with a graph of its own
            before = None if leaf._grad is None else _frozen(leaf._grad._data)
            leaf._accumulate_graph_grad(grad)
            if not self.keep_steps:
                return None
            after = _frozen(leaf._grad._data)
            return _new_tuple(Step, (self.steps_run, node, _array(grad),
                                     _arrays_of(contributions), (), leaf, before, after, False,
                                     (), False))
        if not self.keep_steps:  # nobody will read this step: no snapshots, no record
            leaf._accumulate_grad(grad)
            return None
        buffer = leaf._grad
        before = None if buffer is None else _frozen(buffer._data)
        leaf._accumulate_grad(grad)
        stored = leaf._grad._data
        if before is None and not leaf._hooks and grad.dtype == stored.dtype:
            # A first accumulation stores a copy of ``grad``, which nothing changes later
            # (gradients in a pass are never written in place): a read-only view of it
            # records the same numbers without a second copy.
            after = grad.view()
            after.flags.writeable = False
        else:
            after = _frozen(stored)
        return _new_tuple(Step, (self.steps_run, node, grad, contributions, (), leaf, before,
                                 after, False, (), False))


def _starting_state(dependencies: dict) -> tuple:
    """The leaves a pass reaches, their ``.grad`` now (read-only copies), the nodes freed."""
    leaves, grads, freed = [], [], []
    for node in dependencies:
        if node._freed:
            freed.append(node)
        if type(node) is AccumulateGrad:
            leaf = node.variable
            leaves.append(leaf)
            buffer = leaf._grad
            grads.append(None if buffer is None else _frozen(buffer._data))
    return tuple(leaves), tuple(grads), tuple(freed)


def _apply_hooks(hooks, grad: np.ndarray) -> np.ndarray:
    """Array hooks in turn; one that returns an array replaces the gradient."""
    for hook in list(hooks):
        result = hook(grad)
        if result is not None:
            grad = result
    return grad


def _apply_pre_hooks(hooks: dict, grad: np.ndarray) -> np.ndarray:
    ordered = sorted(hooks.values(), key=_kind)  # stable: registration order within a kind
    return _apply_hooks([hook for _, hook in ordered], grad)


def _kind(entry: tuple) -> int:
    return entry[0]


def _apply_post_hooks(hooks: dict, grads_out: tuple, grads_in: tuple) -> tuple:
    for hook in list(hooks.values()):
        result = hook(grads_out, grads_in)
        if result is not None:
            grads_out = tuple(result)
    return grads_out


def _root_of(output, gradient, number: int = 0, create_graph: bool = False):
    if not getattr(output, "_requires_grad", False):
        if not hasattr(output, "_data"):
            raise TypeError(f"tensors must be Tensors, not {type(output).__name__}")
        raise RuntimeError(f"element {number} of tensors does not require grad and does not "
                           "have a grad_fn")
    if gradient is None:
        if output._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        root_grad = _ones_like(output._data)
    else:
        if create_graph and hasattr(gradient, "_data"):
            root_grad = gradient  # as torch: a gradient with a graph keeps it
        else:
            # A copy: the caller may change their gradient tensor after the pass recorded it.
            root_grad = np.array(getattr(gradient, "_data", gradient), dtype=output._data.dtype)
        shape = root_grad._data.shape if hasattr(root_grad, "_data") else root_grad.shape
        if shape != output._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{number}] has a shape of {_size(shape)} and "
                f"output[{number}] has a shape of {_size(output._data.shape)}.")
    if create_graph and not hasattr(root_grad, "_data"):
        root_grad = output._wrap(np.array(root_grad))
    root = output.grad_fn if output.grad_fn is not None else output._grad_accumulator()
    return root, root_grad


def _array(value):
    """The numpy data of a gradient (a tensor in a create_graph pass), for the records."""
    return getattr(value, "_data", value)


def _arrays_of(contributions) -> tuple:
    return tuple(_new_tuple(Contribution, (c[0], _array(c[1]), c[2])) for c in contributions)


def _fit_tensor(grad, meta):
    """A create_graph gradient in its input's dtype (the array pass casts at the edge too)."""
    shape, dtype = meta
    if grad._data.dtype != dtype:
        grad = grad.to(grad._wrap(np.zeros((), dtype=dtype)))
    if grad._data.shape != shape:
        grad = grad.expand(*shape) if grad._data.size <= 1 else grad.sum_to_size(*shape)
    return grad


def _sum_per_output(contributions: list, num_outputs: int) -> list:
    """The gradient of each output of a multi-output node (``None`` where none arrived)."""
    per_output = [None] * num_outputs
    for contribution in contributions:
        slot, grad = contribution[2], contribution[1]
        per_output[slot] = grad if per_output[slot] is None else per_output[slot] + grad
    return per_output


_SCALAR_ONES: dict = {}


def _ones_like(data: np.ndarray) -> np.ndarray:
    """The implicit root gradient; one shared read-only array per dtype for 0-d outputs."""
    if data.ndim:
        return np.ones(data.shape, dtype=data.dtype)
    ones = _SCALAR_ONES.get(data.dtype)
    if ones is None:
        ones = _SCALAR_ONES[data.dtype] = np.ones((), dtype=data.dtype)
        ones.flags.writeable = False
    return ones


def _size(shape) -> str:
    return "torch.Size([" + ", ".join(str(n) for n in shape) + "])"


def _count_dependencies(roots) -> dict:
    """How many edges point at each node reachable from ``roots`` (iterative, no recursion)."""
    if isinstance(roots, Node):
        roots = [roots]
    dependencies = dict.fromkeys(roots, 0)
    stack = list(dependencies)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            if child in dependencies:
                dependencies[child] += 1
            else:
                dependencies[child] = 1
                stack.append(child)
    return dependencies


def graph_nodes(root: Node) -> list:
    """Every node reachable from ``root``, each once, in depth-first order."""
    return list(_count_dependencies(root))
