"""Ops that move values without changing them: views, transposes, indexing, cat, stack.

>>> import engine as torch
>>> A = torch.ones(2, 3, requires_grad=True)
>>> A.t().grad_fn.name(), A[0, 1].grad_fn.name(), A.reshape(6).grad_fn.name()
('TBackward0', 'SelectBackward0', 'ViewBackward0')
"""

from __future__ import annotations

import warnings

import numpy as np

from engine.autograd.graph import Node
from engine.dims import normalize_dim
from engine.dtypes import result_type
from engine.grad_mode import _state as _grad_state
from engine.ops.common import check_tensor, record, sum_to_graph, sum_to_shape
from engine.tensor import Size, Tensor

__all__ = ["view", "reshape", "flatten", "transpose", "t", "permute", "numpy_T", "unsqueeze",
           "squeeze", "cat", "stack", "unbind", "clone", "getitem", "normalize_dim", "expand",
           "expand_as"]

T_DEPRECATION_WARNING = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
    "and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
    "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a "
    "tensor. (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
    "TensorShape.cpp:4314.)"
)
T_ZERO_DIM_WARNING = (
    "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases. "
    "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4321.)"
)


def _view(data, node_class, inputs: tuple, *extra) -> Tensor:
    """Record a view: it shares its input's memory and version counter and knows its base."""
    return _as_view_of(record(data, node_class, inputs, *extra), inputs[0])


def _as_view_of(result: Tensor, input: Tensor) -> Tensor:
    result._counter = input._version_counter()
    result._base = input if input._base is None else input._base
    return result


def _at(data: np.ndarray, dim: int, index: int) -> np.ndarray:
    """``data[index]`` along ``dim``: a view, even when 0-d."""
    return data[(slice(None),) * dim + (index, Ellipsis)]


def _shape_args(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"shape must be a sequence of ints, not {type(n).__name__}")
    return tuple(int(n) for n in shape)


def _resolve_shape(shape: tuple, numel: int) -> tuple:
    """Fill in a single -1 as torch does, or raise torch's 'is invalid for input' error."""
    invalid = RuntimeError(f"shape '[{', '.join(str(n) for n in shape)}]' is invalid for input "
                           f"of size {numel}")
    unknown = [i for i, n in enumerate(shape) if n == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for index, n in enumerate(shape):
        if n < -1:
            raise RuntimeError(f"invalid shape dimension {n} at index {index} of shape "
                               f"[{', '.join(str(m) for m in shape)}]")
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    if unknown:
        if known == 0 or numel % known:
            raise invalid
        shape = shape[:unknown[0]] + (numel // known,) + shape[unknown[0] + 1:]
    elif known != numel:
        raise invalid
    return shape


class _Reshapes(Node):
    """Base of nodes whose gradient is reshaped back to the input's shape."""

    __slots__ = ("input_shape",)

    def __init__(self, inputs, *_):
        Node.__init__(self, inputs)
        self.input_shape = inputs[0]._data.shape

    def backward(self, grad):
        return (grad.reshape(self.input_shape),)

    def backward_graph(self, grad):
        return (grad.reshape(self.input_shape),)


class ViewBackward0(_Reshapes):
    """view/reshape/flatten without a copy."""

    __slots__ = ()


class UnsafeViewBackward0(_Reshapes):
    """reshape of a copy (the input was not viewable)."""

    __slots__ = ()


class ReshapeAliasBackward0(_Reshapes):
    """reshape of a non-contiguous input that can still be viewed (torch's _reshape_alias)."""

    __slots__ = ()


class SqueezeBackward0(_Reshapes):
    """squeeze() of every size-1 dim."""

    __slots__ = ()


class SqueezeBackward1(_Reshapes):
    """squeeze(dim)."""

    __slots__ = ()


class SqueezeBackward2(_Reshapes):
    """squeeze(dims) with a tuple or list of dims."""

    __slots__ = ()


class SqueezeBackward4(_Reshapes):
    """squeeze(dims), as matmul of a vector and a matrix uses it."""

    __slots__ = ()


class UnsqueezeBackward0(_Reshapes):
    """unsqueeze(dim)."""

    __slots__ = ()


class CloneBackward0(Node):
    """clone(): the gradient passes through."""

    __slots__ = ()

    def backward(self, grad):
        return (grad,)

    def backward_graph(self, grad):
        return (grad,)


class AliasBackward0(CloneBackward0):
    """x[...]: the gradient passes through."""

    __slots__ = ()


def _view_without_copy(data: np.ndarray, shape: tuple):
    try:
        return np.reshape(data, shape, copy=False)
    except ValueError:
        return None


def view(input: Tensor, *shape) -> Tensor:
    shape = _resolve_shape(_shape_args(shape), input._data.size)
    result = _view_without_copy(input._data, shape)
    if result is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return _view(result, ViewBackward0, (input,))


def reshape(input: Tensor, *shape) -> Tensor:
    check_tensor(input, "reshape")
    shape = _resolve_shape(_shape_args(shape), input._data.size)
    result = _view_without_copy(input._data, shape)
    if result is not None:
        node = ViewBackward0 if input._data.flags.c_contiguous else ReshapeAliasBackward0
        return _view(result, node, (input,))
    copy = clone(input)
    return record(copy._data.reshape(shape), UnsafeViewBackward0, (copy,))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    check_tensor(input, "flatten")
    start = normalize_dim(start_dim, input._data.ndim)
    end = normalize_dim(end_dim, input._data.ndim)
    if input._data.ndim == 0:
        return reshape(input, 1)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    shape = input._data.shape
    return reshape(input, shape[:start] + (-1,) + shape[end + 1:])


def clone(input: Tensor) -> Tensor:
    check_tensor(input, "clone")
    return record(input._data.copy(), CloneBackward0, (input,))


class TransposeBackward0(Node):
    """transpose(dim0, dim1): the gradient transposed back."""

    __slots__ = ("dims",)

    def __init__(self, inputs, dim0, dim1):
        Node.__init__(self, inputs)
        self.dims = (dim0, dim1)

    def backward(self, grad):
        return (np.swapaxes(grad, *self.dims),)

    def backward_graph(self, grad):
        return (grad.transpose(*self.dims),)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    check_tensor(input, "transpose")
    ndim = input._data.ndim
    dim0, dim1 = normalize_dim(dim0, ndim), normalize_dim(dim1, ndim)
    data = np.swapaxes(input._data, dim0, dim1) if ndim else input._data
    return _view(data, TransposeBackward0, (input,), dim0, dim1)


class TBackward0(Node):
    """t(): the gradient transposed back."""

    __slots__ = ()

    def backward(self, grad):
        return (grad.T,)

    def backward_graph(self, grad):
        return (grad.t(),)


def t(input: Tensor) -> Tensor:
    check_tensor(input, "t")
    if input._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return _view(input._data.T, TBackward0, (input,))


class PermuteBackward0(Node):
    """permute(dims): the gradient permuted back."""

    __slots__ = ("dims",)

    def __init__(self, inputs, dims):
        Node.__init__(self, inputs)
        self.dims = dims

    def backward(self, grad):
        return (np.transpose(grad, np.argsort(self.dims)),)

    def backward_graph(self, grad):
        return (grad.permute(*(int(d) for d in np.argsort(self.dims))),)


def permute(input: Tensor, *dims) -> Tensor:
    check_tensor(input, "permute")
    dims = _shape_args(dims)
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not "
            f"equal to len(dims) = {len(dims)}")
    dims = tuple(normalize_dim(d, ndim) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view(np.transpose(input._data, dims), PermuteBackward0, (input,), dims)


_warned_once: set = set()


def _warn_once(message: str) -> None:
    """torch's TORCH_WARN_ONCE: the first time in the process only."""
    if message not in _warned_once:
        _warned_once.add(message)
        warnings.warn(message, UserWarning, stacklevel=3)


def numpy_T(input: Tensor) -> Tensor:  # noqa: N802 - the property is spelled T
    """The ``.T`` property: all dims reversed (torch's PermuteBackward0, even for 0-d)."""
    ndim = input._data.ndim
    if ndim == 0:
        _warn_once(T_ZERO_DIM_WARNING)
    elif ndim != 2:
        _warn_once(T_DEPRECATION_WARNING)
    return permute(input, *reversed(range(ndim)))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    check_tensor(input, "unsqueeze")
    dim = normalize_dim(dim, input._data.ndim + 1)
    return _view(np.expand_dims(input._data, dim), UnsqueezeBackward0, (input,))


def squeeze(input: Tensor, dim=None) -> Tensor:
    check_tensor(input, "squeeze")
    data = input._data
    if dim is None:
        return _view(data.reshape([n for n in data.shape if n != 1]), SqueezeBackward0,
                      (input,))
    if isinstance(dim, (tuple, list)):
        return _squeeze_dims(input, dim, SqueezeBackward2)
    return _squeeze_dims(input, (dim,), SqueezeBackward1)


def squeeze_for_matmul(input: Tensor, dims) -> Tensor:
    """The in-place ``squeeze_(dims)`` that matmul of a vector and a matrix ends with."""
    return _squeeze_dims(input, dims, SqueezeBackward4)


def _squeeze_dims(input: Tensor, dims, node) -> Tensor:
    data = input._data
    dims = {normalize_dim(d, data.ndim) for d in dims}
    shape = [n for i, n in enumerate(data.shape) if not (i in dims and n == 1)]
    return _view(data.reshape(shape), node, (input,))


class SelectBackward0(Node):
    """x[index] along one dim: the gradient lands at that index, zeros elsewhere."""

    __slots__ = ("input_shape", "dim", "index")

    def __init__(self, inputs, dim, index):
        Node.__init__(self, inputs)
        self.input_shape, self.dim, self.index = inputs[0]._data.shape, dim, index

    def backward(self, grad):
        full = np.zeros(self.input_shape, dtype=grad.dtype)
        full[(slice(None),) * self.dim + (self.index,)] = grad
        return (full,)

    def backward_graph(self, grad):
        return (_placed(grad, self.input_shape, self.dim, self.index, SelectBackwardBackward0),)


def select(input: Tensor, dim: int, index: int, shown_dim: int | None = None) -> Tensor:
    """``input`` at ``index`` along ``dim`` (a view); errors name ``shown_dim`` if given."""
    size = input._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension "
                         f"{dim if shown_dim is None else shown_dim} with size {size}")
    index %= size
    return _view(_at(input._data, dim, index), SelectBackward0, (input,), dim, index)


class UnbindBackward0(Node):
    """unbind(dim): one node for all the slices; their gradients are stacked back along dim
    (zeros for a slice whose gradient never arrived)."""

    __slots__ = ("num_outputs", "dim", "slice_shape")

    def __init__(self, inputs, dim):
        Node.__init__(self, inputs)
        shape = inputs[0]._data.shape
        self.num_outputs, self.dim = shape[dim], dim
        self.slice_shape = shape[:dim] + shape[dim + 1:]

    def gather(self, per_output: list) -> np.ndarray:
        dtype = next(grad.dtype for grad in per_output if grad is not None)
        return np.stack([np.zeros(self.slice_shape, dtype) if grad is None else grad
                         for grad in per_output], axis=self.dim)

    def backward(self, grad):
        return (grad,)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """torch.unbind: the slices along ``dim`` as a tuple of views sharing one node.

    >>> import engine as torch
    >>> a, b = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True).unbind()
    >>> b, a.grad_fn is b.grad_fn
    (tensor([3., 4.], grad_fn=<UnbindBackward0>), True)
    """
    dim = normalize_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    node = None
    if _grad_state["enabled"] and input._requires_grad:
        node = UnbindBackward0((input,), dim)
    slices = []
    for index in range(input._data.shape[dim]):
        piece = _as_view_of(Tensor._wrap(_at(input._data, dim, index)), input)
        if node is not None:
            piece.grad_fn, piece._requires_grad, piece._output_nr = node, True, index
        slices.append(piece)
    return tuple(slices)


class SliceBackward0(Node):
    """x[start:end:step] along one dim: the gradient lands in that slice, zeros elsewhere."""

    __slots__ = ("input_shape", "dim", "slice")

    def __init__(self, inputs, dim, index):
        Node.__init__(self, inputs)
        self.input_shape, self.dim, self.slice = inputs[0]._data.shape, dim, index

    def backward(self, grad):
        full = np.zeros(self.input_shape, dtype=grad.dtype)
        full[(slice(None),) * self.dim + (self.slice,)] = grad
        return (full,)

    def backward_graph(self, grad):
        return (_placed(grad, self.input_shape, self.dim, self.slice, SliceBackwardBackward0),)


class _PlacesBack(Node):
    """select_backward / slice_backward as a create_graph pass records them: the gradient
    put into zeros at its place; their own backward reads it back from there."""

    __slots__ = ("dim", "key")

    def __init__(self, inputs, dim, key):
        Node.__init__(self, inputs)
        self.dim, self.key = dim, key

    def backward(self, grad):
        return (grad[(slice(None),) * self.dim + (self.key,)],)

    def backward_graph(self, grad):
        if isinstance(self.key, slice):
            return (_slice_along(grad, self.dim, self.key, always=True),)
        return (select(grad, self.dim, self.key),)


class SelectBackwardBackward0(_PlacesBack):
    """select's backward, recorded (torch's name)."""

    __slots__ = ()


class SliceBackwardBackward0(_PlacesBack):
    """slice's backward, recorded (torch's name)."""

    __slots__ = ()


def _placed(grad: Tensor, shape: tuple, dim: int, key, node_class) -> Tensor:
    full = np.zeros(shape, dtype=grad._data.dtype)
    full[(slice(None),) * dim + (key,)] = grad._data
    return record(full, node_class, (grad,), dim, key)


def _slice_along(input: Tensor, dim: int, index: slice, always: bool) -> Tensor:
    if index.step == 0:
        raise ValueError("slice step cannot be zero")
    if index.step is not None and index.step < 0:
        raise ValueError("step must be greater than zero")
    bounds = index.indices(input._data.shape[dim])
    if not always and bounds == (0, input._data.shape[dim], 1):
        return input
    index = slice(*bounds)
    data = input._data[(slice(None),) * dim + (index,)]
    return _view(data, SliceBackward0, (input,), dim, index)


def getitem(input: Tensor, key) -> Tensor:
    """Indexing with ints, slices, ``None`` and ``...`` (and tuples of them), as torch does."""
    if key is Ellipsis:
        return _view(input._data[...], AliasBackward0, (input,))
    if input._data.ndim == 0 and not isinstance(key, tuple):
        _check_zero_dim_key(key)
    if isinstance(key, slice):
        return _slice_along(input, 0, key, always=True)
    items = key if isinstance(key, tuple) else (key,)
    for item in items:
        if isinstance(item, Tensor) and item.dtype.is_floating_point:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if not (item is None or item is Ellipsis or isinstance(item, slice)
                or (isinstance(item, (int, np.integer)) and not isinstance(item, bool))
                or (isinstance(item, Tensor) and item.dim() == 0
                    and not item.dtype.is_floating_point and item.dtype.name != "bool")):
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             "byte Variables are valid indices (got "
                             f"{type(item).__name__})")
    items = tuple(int(i) if isinstance(i, Tensor) else i for i in items)
    consumed = sum(1 for i in items if i is not None and i is not Ellipsis)
    _check_index_count(input, consumed)
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items = items[:at] + (slice(None),) * (input._data.ndim - consumed) + items[at + 1:]
    result, dim, input_dim = input, 0, 0
    for item in items:
        if item is None:
            result = unsqueeze(result, dim)
            dim += 1
            continue
        if isinstance(item, slice):
            result = _slice_along(result, dim, item, always=False)
            dim += 1
        else:
            result = select(result, dim, int(item), shown_dim=input_dim)
        input_dim += 1
    if result is input:  # only full slices: torch returns an alias
        return _view(input._data[...], AliasBackward0, (input,))
    return result


def _check_index_count(input: Tensor, count: int) -> None:
    if count > input._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input._data.ndim}")


def _check_zero_dim_key(key) -> None:
    """torch's errors for ``t[key]`` on a 0-dim ``t`` when ``key`` is not a tuple."""
    if isinstance(key, slice):
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    if isinstance(key, (int, np.integer, Tensor)) and not isinstance(key, bool):
        if int(key) == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python "
                             "or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"index {int(key)} is out of bounds for dimension 0 with size 0")


class CatBackward0(Node):
    """cat(tensors, dim): each input gets its slice of the gradient."""

    __slots__ = ("dim", "bounds")

    def __init__(self, inputs, dim, bounds):
        Node.__init__(self, inputs)
        self.dim, self.bounds = dim, bounds

    def backward(self, grad):
        return tuple(grad[(slice(None),) * self.dim + (slice(start, stop),)]
                     if self.needs_input_grad(i) else None
                     for i, (start, stop) in enumerate(self.bounds))

    def backward_graph(self, grad):
        return tuple(_slice_along(grad, self.dim, slice(start, stop), always=True)
                     if self.needs_input_grad(i) else None
                     for i, (start, stop) in enumerate(self.bounds))


def _tensor_sequence(tensors, function: str) -> tuple:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{function}(): argument 'tensors' (position 1) must be tuple of "
                        f"Tensors, not {type(tensors).__name__}")
    if not tensors:
        if function == "cat":
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{function} expects a non-empty TensorList")
    for number, item in enumerate(tensors):
        if not isinstance(item, Tensor):
            raise TypeError(f"expected Tensor as element {number} in argument 0, but got "
                            f"{type(item).__name__}")
    return tuple(tensors)


def cat(tensors, dim: int = 0) -> Tensor:
    tensors = _tensor_sequence(tensors, "cat")
    for position, tensor in enumerate(tensors):
        if tensor._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {position}) cannot be "
                               "concatenated")
    first = tensors[0]._data
    dim = normalize_dim(dim, first.ndim)
    for number, tensor in enumerate(tensors[1:], start=1):
        data = tensor._data
        if data.ndim != first.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {first.ndim} and {data.ndim}")
        for d in range(first.ndim):
            if d != dim and data.shape[d] != first.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{first.shape[d]} but got size {data.shape[d]} for tensor number {number} "
                    f"in the list.")
    target = result_type(*tensors).numpy
    data = np.concatenate([t._data for t in tensors], axis=dim).astype(target, copy=False)
    ends = np.cumsum([t._data.shape[dim] for t in tensors]).tolist()
    bounds = tuple(zip([0] + ends[:-1], ends))
    return record(data, CatBackward0, tensors, dim, bounds)


class StackBackward0(Node):
    """stack(tensors, dim): each input gets its index of the gradient."""

    __slots__ = ("dim",)

    def __init__(self, inputs, dim):
        Node.__init__(self, inputs)
        self.dim = dim

    def backward(self, grad):
        return tuple(np.take(grad, i, axis=self.dim) if self.needs_input_grad(i) else None
                     for i in range(len(self.next_functions)))

    def backward_graph(self, grad):
        return tuple(select(grad, self.dim, i) if self.needs_input_grad(i) else None
                     for i in range(len(self.next_functions)))


def stack(tensors, dim: int = 0) -> Tensor:
    tensors = _tensor_sequence(tensors, "stack")
    first = tensors[0]._data
    dim = normalize_dim(dim, first.ndim + 1)
    for number, tensor in enumerate(tensors[1:], start=1):
        if tensor._data.shape != first.shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {_bracket(first.shape)} at "
                f"entry 0 and {_bracket(tensor._data.shape)} at entry {number}")
    target = result_type(*tensors).numpy
    data = np.stack([t._data for t in tensors], axis=dim).astype(target, copy=False)
    return record(data, StackBackward0, tensors, dim)


def _bracket(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


class ExpandBackward0(Node):
    """expand(sizes): the gradient summed back over the broadcast dims."""

    __slots__ = ("input_shape",)

    def __init__(self, inputs, *_):
        Node.__init__(self, inputs)
        self.input_shape = inputs[0]._data.shape

    def backward(self, grad):
        return (sum_to_shape(grad, self.input_shape),)

    def backward_graph(self, grad):
        return (sum_to_graph(grad, self.input_shape),)


def expand(input: Tensor, *sizes) -> Tensor:
    """A broadcast view (``-1`` keeps a size; new dims in front), as ``torch.expand``.

    >>> import engine as torch
    >>> torch.tensor([[1.], [2.]]).expand(2, 3)
    tensor([[1., 1., 1.],
            [2., 2., 2.]])
    """
    check_tensor(input, "expand")
    sizes = _shape_args(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(torch.FloatTensor{{{_bracket(shape)}}}, size={_bracket(sizes)})"
                           f": the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for index, size in enumerate(sizes):
        have = shape[index - lead] if index >= lead else None
        if size == -1:
            if have is None:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {index}")
            size = have
        elif have is not None and have != 1 and have != size:
            raise RuntimeError(f"The expanded size of the tensor ({size}) must match the "
                               f"existing size ({have}) at non-singleton dimension {index}.  "
                               f"Target sizes: {_bracket(sizes)}.  Tensor sizes: "
                               f"{_bracket(shape)}")
        target.append(size)
    return _view(np.broadcast_to(input._data, tuple(target)), ExpandBackward0, (input,))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, *other._data.shape)
