"""Limits on what one expression or lesson may make, predicted before the work.

Each size guard takes a call's ``(args, kwargs)`` and returns the number of elements
the result will have (or raises ``GuardError``), so the interpreter refuses a call
before numpy allocates anything.

>>> arange((0, 10, 2), {})
5
>>> elementwise((np.ones((3, 1)), np.ones(4)), {})
12
"""

from __future__ import annotations

import math
import operator

import numpy as np

MAX_TENSOR_ELEMENTS = 1_000_000
MAX_RUN_ELEMENTS = 20_000_000      # all tensors made by one expression (a lesson cell: 50M)
MAX_MATMUL_WORK = 1_000_000_000    # multiply-adds of one matrix product
MAX_INT_DIGITS = 400
MAX_INT = 10 ** MAX_INT_DIGITS
MAX_SEQUENCE_ELEMENTS = 1_000_000  # numbers, characters and tensor elements in a list/str
MAX_NESTING = 32
MAX_ITERATED = 10_000              # list(t)/tuple(t) over a tensor's first dimension


class GuardError(Exception):
    """A guard said no; the interpreter turns it into an ExpressionError at the node."""


# ----- sizes, predicted before the work ----------------------------------------------------

def _shape_of(value):
    if isinstance(value, (bool, int, float)):
        return ()
    if isinstance(value, (list, tuple)):
        return _list_shape(value)
    shape = getattr(value, "shape", None) if _is_array(value) else None
    if shape is None:
        return None
    return tuple(int(n) for n in shape)


def _list_shape(value) -> tuple:
    """The shape numpy would give a nested list (following first items), as a bound."""
    shape = []
    while isinstance(value, (list, tuple)) and len(shape) < MAX_NESTING:
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    if _is_array(value):
        shape.extend(int(n) for n in value.shape)
    return tuple(shape)


def _is_array(value) -> bool:
    return isinstance(value, np.ndarray) or type(value).__name__ in ("Tensor", "Parameter")


def _numel(shape) -> int:
    return math.prod(shape)


def _broadcast(shapes) -> tuple | None:
    ndim = max((len(shape) for shape in shapes), default=0)
    result = []
    for axis in range(-ndim, 0):
        sizes = {shape[axis] for shape in shapes if len(shape) >= -axis} - {1}
        if len(sizes) > 1:
            return None
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def _arrays(args, kwargs) -> list:
    shapes = []
    for value in (*args, *kwargs.values()):
        shape = _shape_of(value) if not isinstance(value, (bool, int, float, str)) else None
        if shape is not None:
            shapes.append(shape)
    return shapes


def elementwise(args, kwargs) -> int:
    """Elements of the broadcast result (the largest input when shapes do not broadcast)."""
    shapes = _arrays(args, kwargs)
    if not shapes:
        return 0
    shape = _broadcast(shapes)
    if shape is None:
        return max(_numel(s) for s in shapes)
    return _numel(shape)


def nothing(args, kwargs) -> int:
    return 0


def _int(value) -> int:
    return operator.index(value)


def sizes(args, kwargs) -> int:
    size = args if args else (kwargs.get("size", ()),)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return _product_of_dims(size)


def _product_of_dims(size) -> int:
    dims = [_int(n) for n in size]
    if any(n < 0 for n in dims):
        return 0
    return math.prod(dims)


def full(args, kwargs) -> int:
    size = args[0] if args else kwargs.get("size", ())
    if isinstance(size, (tuple, list)):
        return _product_of_dims(size)
    return _product_of_dims((size,))


def _number(value) -> float:
    """Python numbers and one-element tensors, as arange accepts them (GuardError if huge)."""
    try:
        number = float(value)
    except OverflowError:
        raise GuardError("arange() bounds too large: they do not fit a float") from None
    if math.isinf(number) and isinstance(value, int):
        raise GuardError("arange() bounds too large: they do not fit a float")
    return number


def arange(args, kwargs) -> int:
    values = list(args) + [None] * (3 - len(args))
    start, end, step = values[:3]
    start = kwargs.get("start", start)
    end = kwargs.get("end", end)
    step = kwargs.get("step", step if step is not None else 1)
    if end is None:
        start, end = 0, start
    if all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end, step)):
        if step == 0:
            return 0
        return max(-((start - end) // step), 0)  # exact, however large the bounds
    start, end, step = _number(start), _number(end), _number(step)
    if step == 0 or not all(map(math.isfinite, (start, end, step))):
        return 0
    return max(math.ceil((end - start) / step), 0)


def linspace(args, kwargs) -> int:
    steps = args[2] if len(args) > 2 else kwargs.get("steps", 0)
    return max(_int(steps), 0)


def eye(args, kwargs) -> int:
    n = args[0] if args else kwargs.get("n", 0)
    m = args[1] if len(args) > 1 else kwargs.get("m", n)
    m = n if m is None else m
    return max(_int(n), 0) * max(_int(m), 0)


def data(args, kwargs) -> int:
    value = args[0] if args else kwargs.get("data")
    return sequence_size(value)[0]


def outer(args, kwargs) -> int:
    shapes = _arrays(args, kwargs)
    return math.prod(_numel(shape) for shape in shapes[:2]) if len(shapes) >= 2 else 0


def concat(args, kwargs) -> int:
    tensors = args[0] if args else kwargs.get("tensors", ())
    if not isinstance(tensors, (tuple, list)):
        return 0
    return sum(_numel(_shape_of(t) or ()) for t in tensors if _shape_of(t) is not None)


MAX_PARTS = 100_000  # tensors one unbind() may make (each is a Python object)


def unbind(args, kwargs) -> int:
    """unbind() makes one tensor per slice: refuse a million tensor objects at once."""
    shapes = _arrays(args[:1], {})
    if not shapes or not shapes[0]:
        return 0
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    shape = shapes[0]
    parts = shape[_int(dim)] if -len(shape) <= _int(dim) < len(shape) else 0
    if parts > MAX_PARTS:
        raise GuardError(f"unbind() would make {parts:,} tensors (limit {MAX_PARTS:,})")
    return _numel(shape)


def matmul(args, kwargs) -> int:
    """Elements of a matrix product; refuses products whose work would be too large."""
    shapes = _arrays(args, kwargs)
    if len(shapes) < 2:
        return 0
    a, b = shapes[0], shapes[1]
    if not a or not b:
        return 0
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    if len(a2) < 2 or len(b2) < 2:
        return 0
    batch = _broadcast([a2[:-2], b2[:-2]])
    if batch is None:
        return 0
    rows, inner, columns = a2[-2], a2[-1], b2[-1]
    work = _numel(batch) * rows * inner * columns
    if work > MAX_MATMUL_WORK:
        raise GuardError(f"matrix product too large: {work:,} multiply-adds "
                      f"(limit {MAX_MATMUL_WORK:,})")
    return _numel(batch) * rows * columns


def sequence_size(value, _memo=None, _depth=0) -> tuple[int, int]:
    """(elements, nesting) of a value: tensors count their elements, strings their length."""
    if isinstance(value, str):
        return len(value), 0
    if not isinstance(value, (list, tuple)):
        shape = _shape_of(value)
        return (_numel(shape) if shape is not None else 1), 0
    if _depth >= MAX_NESTING:
        raise GuardError(f"lists nested more than {MAX_NESTING} levels deep")
    memo = {} if _memo is None else _memo
    known = memo.get(id(value))
    if known is not None:
        return known
    elements, depth = 0, 0
    for item in value:
        if type(item) in (int, float, bool):
            elements += 1
            continue
        count, nested = sequence_size(item, memo, _depth + 1)
        elements += count
        depth = max(depth, nested)
    result = (elements, depth + 1)
    memo[id(value)] = result
    return result


def check_sequence(value) -> None:
    elements, _ = sequence_size(value)
    if elements > MAX_SEQUENCE_ELEMENTS:
        raise GuardError(f"sequence too large: {elements:,} elements "
                      f"(limit {MAX_SEQUENCE_ELEMENTS:,})")




def predict(predictor, args, kwargs) -> int:
    """Elements a call will make, by its guard; refuses (GuardError) when it cannot say.

    Arguments the guard cannot read (a string where a size goes) give 0: the engine
    refuses them with torch's own message. A size too large to compute is refused.

    >>> predict(arange, (10 ** 399, 10 ** 399 + 2 * 10 ** 8), {})
    200000000
    >>> predict(sizes, ("a",), {})
    0
    """
    try:
        elements = predictor(args, kwargs)
    except GuardError:
        raise
    except (OverflowError, MemoryError, RecursionError):
        raise GuardError("the size of this call is too large to compute") from None
    except (TypeError, ValueError, AttributeError, IndexError, KeyError):
        return 0
    return int(elements)


# ----- memory -----------------------------------------------------------------------------

MAX_LESSON_MEMORY = 1 << 30  # bytes a lesson may add to the process (tensors, lists, strings)


def resident_bytes() -> int:
    """The process's resident memory now (Linux), else its peak; 0 if unknown."""
    try:
        with open("/proc/self/statm", "rb") as stream:
            pages = int(stream.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except (ImportError, OSError, ValueError):
        return 0


class MemoryBudget:
    """One budget for everything a lesson allocates, kept across its cells.

    Whatever holds the memory (tensors, arrays, lists, strings, recorded passes), the
    process's resident size may grow at most ``limit`` bytes past where the lesson
    started. ``check(extra)`` runs before each allocation the interpreter can predict
    (``extra`` bytes) and between statements, and refuses when it would not fit.

    >>> budget = MemoryBudget(limit=1 << 30)
    >>> budget.check(1 << 20)
    >>> try:
    ...     budget.check(2 << 30)
    ... except GuardError as refusal:
    ...     print(refusal)
    memory limit: this would take the lesson past 1,024 MB
    """

    def __init__(self, limit: int = MAX_LESSON_MEMORY):
        self.limit = limit
        self.start = resident_bytes()
        self.now = self.start
        self.calls = 0

    def used(self) -> int:
        self.now = resident_bytes()
        return max(self.now - self.start, 0)

    def check(self, extra: int = 0) -> None:
        self.calls += 1
        if extra > (1 << 20) or not self.calls % 32:
            self.now = resident_bytes()
        if self.now - self.start + extra > self.limit:
            self.now = resident_bytes()
            if self.now - self.start + extra > self.limit:
                raise GuardError(f"memory limit: this would take the lesson past "
                                 f"{self.limit // 2 ** 20:,} MB")

    def check_value(self, value) -> None:
        nbytes = getattr(value, "nbytes", 0)
        if isinstance(nbytes, int) and nbytes > (1 << 20):
            self.check(0)
