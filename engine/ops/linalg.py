"""Products: dot, mv, mm, matmul (dispatching as torch does) and outer.

>>> import engine as torch
>>> x = torch.arange(4.0, requires_grad=True)
>>> (x @ x).grad_fn.name(), torch.outer(x, x).grad_fn.name()
('DotBackward0', 'MulBackward0')
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.autograd.graph import Node
from engine.dims import normalize_dim
from engine.ops.arithmetic import mul
from engine.ops.common import check_tensor, record, saved_input, saved_output
from engine.ops.comparison import to_dtype
from engine.ops.elementwise import masked_fill
from engine.ops.shapes import reshape, squeeze_for_matmul, unsqueeze
from engine.tensor import Tensor

__all__ = ["dot", "mv", "mm", "matmul", "outer", "vector_norm", "norm"]


def _dims_text(shape) -> str:
    return "x".join(str(n) for n in shape)


class _Product(Node):
    """a ⊗ b: d/da needs b and d/db needs a, so each is saved only if the other side needs it."""

    __slots__ = ()

    def __init__(self, inputs):
        Node.__init__(self, inputs)
        a, b = inputs
        self._saved = (a._data if self.needs_input_grad(1) else None,
                      b._data if self.needs_input_grad(0) else None)


class DotBackward0(_Product):
    """dot(a, b) = sum(a * b): d/da = grad * b, d/db = grad * a."""

    __slots__ = ()

    def backward(self, grad):
        a, b = self.saved
        return (None if b is None else grad * b, None if a is None else grad * a)

    def backward_graph(self, grad):
        a, b = self.saved
        return (None if b is None else grad * saved_input(self, 1, b),
                None if a is None else grad * saved_input(self, 0, a))


def _same_dtype(a: Tensor, b: Tensor, message: str) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(message.format(a=a.dtype, b=b.dtype))


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    if (type(input) is Tensor and type(tensor) is Tensor and input.dtype is tensor.dtype
            and input._data.ndim == 1 and input._data.shape == tensor._data.shape
            and input.dtype is not dtypes.bool_):
        return record(np.asarray(np.dot(input._data, tensor._data)), DotBackward0,
                      (input, tensor))
    check_tensor(input, "dot")
    check_tensor(tensor, "dot", "tensor", 2)
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.size}] and src [{b.size}] to have the "
            f"same number of elements, but got {a.size} and {b.size} elements respectively")
    if input.dtype is not tensor.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype.legacy_name} and {tensor.dtype.legacy_name}")
    _check_not_bool(input, "dot")
    return record(np.asarray(np.dot(a, b)), DotBackward0, (input, tensor))


class MvBackward0(_Product):
    """mv(M, v): d/dM = outer(grad, v), d/dv = M^T grad."""

    __slots__ = ()

    def backward(self, grad):
        matrix, vector = self.saved
        return (np.outer(grad, vector) if self.needs_input_grad(0) else None,
                matrix.T @ grad if self.needs_input_grad(1) else None)

    def backward_graph(self, grad):
        matrix, vector = self.saved
        return (grad.outer(saved_input(self, 1, vector)) if self.needs_input_grad(0) else None,
                saved_input(self, 0, matrix).t().mv(grad) if self.needs_input_grad(1) else None)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    check_tensor(input, "mv")
    check_tensor(vec, "mv", "vec", 2)
    m, v = input._data, vec._data
    if m.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if m.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {m.ndim}, {v.ndim}")
    if m.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({m.shape[0]}), mat ({_dims_text(m.shape)}), "
                           f"vec ({v.shape[0]})")
    if input.dtype is not vec.dtype:
        vector_type = vec.dtype.legacy_name
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {vector_type}, "
                           f"{input.dtype.legacy_name}, and {vector_type}")
    _check_not_bool(input, "addmv_impl_cpu")
    return record(m @ v, MvBackward0, (input, vec))


class MmBackward0(_Product):
    """mm(A, B): d/dA = grad B^T, d/dB = A^T grad."""

    __slots__ = ("layouts",)

    def __init__(self, inputs):
        _Product.__init__(self, inputs)
        self.layouts = (_column_major(inputs[0]._data), _column_major(inputs[1]._data))

    def backward(self, grad):
        a, b = self.saved
        return (grad @ b.T if self.needs_input_grad(0) else None,
                a.T @ grad if self.needs_input_grad(1) else None)

    def backward_graph(self, grad):
        """torch's mm_mat1_backward / mm_mat2_backward, which follow the saved layout."""
        a, b = self.saved
        first = second = None
        if self.needs_input_grad(0):
            first = self.mat1_graph(grad, saved_input(self, 1, b), self.layouts[0])
        if self.needs_input_grad(1):
            second = self.mat2_graph(grad, saved_input(self, 0, a), self.layouts[1])
        return first, second

    @staticmethod
    def mat1_graph(grad, mat2, column_major: bool):
        """torch's mm_mat1_backward: follows the layout mat1 had (its strides)."""
        return mat2.mm(grad.t()).t() if column_major else grad.mm(mat2.t())

    @staticmethod
    def mat2_graph(grad, mat1, column_major: bool):
        """torch's mm_mat2_backward."""
        return grad.t().mm(mat1).t() if column_major else mat1.t().mm(grad)


def _column_major(array: np.ndarray) -> bool:
    """Stored column by column, as torch's stride test reads it."""
    item = array.itemsize
    return array.strides[0] == item and array.strides[1] == item * array.shape[0]


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    check_tensor(input, "mm")
    check_tensor(mat2, "mm", "mat2", 2)
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({_dims_text(a.shape)} and {_dims_text(b.shape)})")
    if input.dtype is not mat2.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_c_type(input)} != {_c_type(mat2)}")
    _check_not_bool(input, "addmm_impl_cpu_")
    return record(a @ b, MmBackward0, (input, mat2))


def _check_not_bool(tensor: Tensor, kernel: str) -> None:
    if tensor.dtype is dtypes.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _c_type(tensor: Tensor) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int",
            "bool": "bool"}[tensor.dtype.name]


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """``@``: dot for two vectors, mv for matrix @ vector, mm for matrices, as torch dispatches."""
    check_tensor(input, "matmul")
    check_tensor(other, "matmul", "other", 2)
    a_dims, b_dims = input._data.ndim, other._data.ndim
    if a_dims == 0 or b_dims == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a_dims}D and {b_dims}D")
    if a_dims == 1 and b_dims == 1:
        return dot(input, other)
    if a_dims == 2 and b_dims == 1:
        if input._data.shape[1] != other._data.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({input._data.shape[0]}), mat "
                               f"({_dims_text(input._data.shape)}), vec ({other._data.shape[0]})")
        return mv(input, other)
    if a_dims == 1 and b_dims == 2:
        if input._data.shape[0] != other._data.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"(1x{input._data.shape[0]} and {_dims_text(other._data.shape)})")
        return squeeze_for_matmul(mm(unsqueeze(input, 0), other), [0])
    if a_dims == 2 and b_dims == 2:
        return mm(input, other)
    raise RuntimeError("matmul of tensors with more than 2 dimensions is outside the engine's "
                       "subset")


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """outer(a, b) = a.reshape(-1, 1) * b, as torch computes it (ViewBackward0, MulBackward0)."""
    check_tensor(input, "outer")
    check_tensor(vec2, "outer", "vec2", 2)
    for name, vector in (("self", input), ("vec2", vec2)):
        if vector._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got "
                               f"{vector._data.ndim}-D")
    return mul(reshape(input, -1, 1), vec2)


class LinalgVectorNormBackward0(Node):
    """vector_norm(x, ord, dim): torch's formulas (2: x * grad / norm, 0 where the norm is 0;
    1: sign(x) * grad; inf: shared among the largest |x|; any other p: its power rule)."""

    __slots__ = ("ord", "dims", "keepdim")

    def __init__(self, inputs, ord, dims, keepdim, result):  # noqa: A002 - torch's name
        Node.__init__(self, inputs)
        self.ord, self.dims, self.keepdim = ord, dims, keepdim
        self._saved = (inputs[0]._data, result)

    def backward(self, grad):
        x, norm = self.saved
        if not self.keepdim and self.dims:
            grad, norm = np.expand_dims(grad, self.dims), np.expand_dims(norm, self.dims)
        p = self.ord
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 0:  # torch sends no gradient at all
                return (None,)
            if p == 1:
                result = np.sign(x) * grad
            elif p == 2:
                result = x * np.where(norm == 0, 0, grad / norm)
            elif np.isinf(p):
                magnitude = np.abs(x)
                mask = (magnitude == norm) | np.isnan(magnitude)
                count = mask.sum(axis=self.dims or None, keepdims=True)
                result = np.sign(x) * ((grad / count) * mask)
            else:
                result = (x * np.abs(x) ** (p - 2)
                          * np.where(norm == 0, 0, grad / norm ** (p - 1)))
        return (result.astype(x.dtype, copy=False),)

    def backward_graph(self, grad):
        """p = 2 as torch records it: x * (grad / norm).masked_fill(norm == 0, 0)."""
        if self.ord != 2:
            raise RuntimeError(f"create_graph=True through {self.name()} with p={self.ord:g} is "
                               "outside the engine's subset")
        x, norm = self.saved
        norm_tensor = saved_output(self, norm)
        if not self.keepdim and norm.ndim:  # a norm along dims: put them back
            for dim in sorted(self.dims):
                grad, norm_tensor = grad.unsqueeze(dim), norm_tensor.unsqueeze(dim)
        scaled = masked_fill(grad / norm_tensor, norm_tensor == 0, 0)
        return (saved_input(self, 0, x) * scaled,)


def _norm_order(p) -> float:
    if p == "fro" or p is None:
        return 2.0
    if isinstance(p, str):
        raise RuntimeError(f"norm(): p='{p}' is outside the engine's subset (vector norms only)")
    return float(p)


def vector_norm(input: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.vector_norm`` (and ``Tensor.norm``): LinalgVectorNormBackward0.

    >>> import engine as torch
    >>> x = torch.tensor([3., 4.], requires_grad=True)
    >>> x.norm()
    tensor(5., grad_fn=<LinalgVectorNormBackward0>)
    >>> x.norm().backward(); x.grad
    tensor([0.6000, 0.8000])
    """
    check_tensor(input, "linalg_vector_norm")
    p = _norm_order(ord)
    if dtype is not None:
        input = to_dtype(input, dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {input.dtype.legacy_name}")
    data = input._data
    if dim is None:
        dims = tuple(range(data.ndim))
    else:
        dims = tuple(sorted(normalize_dim(d, data.ndim)
                            for d in (dim if isinstance(dim, (tuple, list)) else (dim,))))
    axis = dims if data.ndim else None
    wide = data.astype(np.float64)
    magnitude = np.abs(wide)
    if p == 2:
        value = np.sqrt(np.sum(magnitude * magnitude, axis=axis, keepdims=keepdim))
    elif p == 1:
        value = np.sum(magnitude, axis=axis, keepdims=keepdim)
    elif p == float("inf"):
        value = np.max(magnitude, axis=axis, keepdims=keepdim)
    elif p == float("-inf"):
        value = np.min(magnitude, axis=axis, keepdims=keepdim)
    elif p == 0:
        value = np.sum(magnitude != 0, axis=axis, keepdims=keepdim).astype(np.float64)
    else:
        value = np.sum(magnitude ** p, axis=axis, keepdims=keepdim) ** (1.0 / p)
    result = np.asarray(value).astype(data.dtype)
    return record(result, LinalgVectorNormBackward0, (input,), p, dims, keepdim, result)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """``torch.norm`` / ``Tensor.norm``: the vector norm of the elements (or along ``dim``)."""
    return vector_norm(input, p, dim, keepdim, dtype=dtype)
