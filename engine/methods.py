"""Attach the operations to ``Tensor`` as methods and Python operators.

Kept apart from ``tensor.py`` so that the class holds state and this module
holds the (long, flat) table of what each method calls.
"""

from __future__ import annotations

import numbers

from engine import dtypes, factories, hooks
from engine.autograd.graph import Node
from engine.device import as_device, check_device
from engine.grad_mode import is_grad_enabled
from engine.ops import arithmetic, common, comparison, elementwise, linalg, reductions, shapes
from engine.tensor import LEAF_IN_PLACE_MESSAGE, Tensor

__all__ = ["attach_methods"]


_PLAIN_OPERANDS = frozenset((Tensor, float, int, bool))


def _operand(value) -> bool:
    return type(value) in _PLAIN_OPERANDS or isinstance(value, (Tensor, numbers.Number))


def _binary(function):
    def operator(self, other):
        if not _operand(other):
            return NotImplemented
        return function(self, other)
    operator.__name__ = function.__name__
    return operator


def _tensor_binary(function):
    """``@`` takes tensors only; anything else gets Python's TypeError."""
    def operator(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        return function(self, other)
    return operator


def _reflected(function):
    def operator(self, other):
        if not _operand(other):
            return NotImplemented
        return function(other, self)
    return operator


def _in_place(function):
    """``x.add_(y)`` / ``x += y``: torch's leaf check, its cast check, then the op in place."""
    def method(self, *args, **kwargs):
        if args and not _operand(args[0]):
            return NotImplemented
        self._check_in_place()
        result = function(self, *args, **kwargs)
        if result._data.shape != self._data.shape:
            raise RuntimeError(f"output with shape {_bracket(self._data.shape)} doesn't match "
                               f"the broadcast shape {_bracket(result._data.shape)}")
        if result.dtype.rank > self.dtype.rank and result.dtype.category > self.dtype.category:
            raise RuntimeError(f"result type {result.dtype.legacy_name} can't be cast to the "
                               f"desired output type {self.dtype.legacy_name}")
        return self._assign_in_place(result)
    return method


def _bracket(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _is_view_key(key) -> bool:
    """Whether ``x[key] = v`` writes through a view (torch's error then says so)."""
    items = key if isinstance(key, tuple) else (key,)
    return any(item is not None and item is not Ellipsis and item != slice(None)
               for item in items)


def _setitem(self, key, value) -> None:
    if _is_view_key(key) and self.grad_fn is None and self._requires_grad and is_grad_enabled():
        raise RuntimeError("a view of " + LEAF_IN_PLACE_MESSAGE)
    self._check_in_place()
    if self.requires_grad and self.grad_fn is not None or getattr(value, "requires_grad", False):
        if is_grad_enabled():
            raise RuntimeError("index assignment into a tensor that is part of a graph is "
                               "outside the engine's subset")
    target = shapes.getitem(self, key)
    source = value._data if isinstance(value, Tensor) else value
    target._data[...] = source
    self._version_counter()[0] += 1


def _identity(self):
    """``+x`` is ``x`` itself, as in torch."""
    return self


def _iterate(self):
    """``for row in x``: as torch, one UnbindBackward0 for all the rows."""
    if self._data.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(shapes.unbind(self, 0))


def _converter(dtype):
    def method(self):
        return comparison.to_dtype(self, dtype)
    return method


def _to(self, *args, dtype=None, device=None, non_blocking=False, copy=False,
        memory_format=None):
    """``x.to(device)``, ``x.to(dtype)``, ``x.to(other)``, ``x.to(device, dtype)``."""
    for arg in args:
        if isinstance(arg, dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype = arg.dtype
        else:
            device = as_device(arg)
    check_device(device)
    result = self if dtype is None else comparison.to_dtype(self, dtype)
    if copy and result is self:
        result = comparison.to_dtype(self, self.dtype, copy=True)
    return result


def _type_as(self, other):
    return comparison.to_dtype(self, other.dtype)


def _new_factory(factory):
    """``x.new_zeros(size)`` and friends: the dtype of ``x`` unless told."""
    def method(self, *args, dtype=None, **kwargs):
        return factory(*args, dtype=self.dtype if dtype is None else dtype, **kwargs)
    method.__name__ = "new_" + factory.__name__
    return method


def _new_tensor(self, data, dtype=None, **kwargs):
    return factories.tensor(data, dtype=self.dtype if dtype is None else dtype, **kwargs)


_METHODS = {
    "add": arithmetic.add, "sub": arithmetic.sub, "mul": arithmetic.mul,
    "div": arithmetic.div, "neg": arithmetic.neg, "pow": arithmetic.pow,
    "reciprocal": arithmetic.reciprocal,
    "exp": elementwise.exp, "log": elementwise.log, "sqrt": elementwise.sqrt,
    "abs": elementwise.abs, "sin": elementwise.sin, "cos": elementwise.cos,
    "tanh": elementwise.tanh, "sigmoid": elementwise.sigmoid, "relu": elementwise.relu,
    "clamp": elementwise.clamp, "clip": elementwise.clamp,
    "sgn": elementwise.sgn, "sign": elementwise.sign, "masked_fill": elementwise.masked_fill,
    "where": lambda self, condition, other: elementwise.where(condition, self, other),
    "sum_to_size": lambda self, *shape: common.sum_to_graph(self, shapes._shape_args(shape)),
    "view_as": lambda self, other: shapes.view(self, *other.shape),
    "reshape_as": lambda self, other: shapes.reshape(self, *other.shape),
    "maximum": elementwise.maximum, "minimum": elementwise.minimum,
    "sum": reductions.sum, "mean": reductions.mean, "max": reductions.max,
    "min": reductions.min, "softmax": reductions.softmax,
    "log_softmax": reductions.log_softmax,
    "dot": linalg.dot, "mv": linalg.mv, "mm": linalg.mm, "matmul": linalg.matmul,
    "outer": linalg.outer, "norm": linalg.norm,
    "expand": shapes.expand, "expand_as": shapes.expand_as,
    "new_zeros": _new_factory(factories.zeros), "new_ones": _new_factory(factories.ones),
    "new_empty": _new_factory(factories.empty), "new_full": _new_factory(factories.full),
    "new_tensor": _new_tensor,
    "view": shapes.view, "reshape": shapes.reshape, "flatten": shapes.flatten,
    "transpose": shapes.transpose, "t": shapes.t, "permute": shapes.permute,
    "unsqueeze": shapes.unsqueeze, "squeeze": shapes.squeeze, "clone": shapes.clone,
    "unbind": shapes.unbind,
    "eq": comparison.eq, "ne": comparison.ne, "lt": comparison.lt, "le": comparison.le,
    "gt": comparison.gt, "ge": comparison.ge, "equal": comparison.equal,
    "allclose": comparison.allclose, "all": comparison.all, "any": comparison.any,
    "logical_and": comparison.logical_and, "logical_or": comparison.logical_or,
    "logical_xor": comparison.logical_xor, "logical_not": comparison.logical_not,
    "float": _converter(dtypes.float32), "double": _converter(dtypes.float64),
    "long": _converter(dtypes.int64), "bool": _converter(dtypes.bool_),
    "to": _to, "type_as": _type_as,
    "register_hook": hooks.register_hook,
    "register_post_accumulate_grad_hook": hooks.register_post_accumulate_grad_hook,
    "add_": _in_place(arithmetic.add), "sub_": _in_place(arithmetic.sub),
    "mul_": _in_place(arithmetic.mul), "div_": _in_place(arithmetic.div),
    "pow_": _in_place(arithmetic.pow), "clamp_": _in_place(elementwise.clamp),
    "neg_": _in_place(arithmetic.neg), "relu_": _in_place(elementwise.relu),
}

_OPERATORS = {
    "__add__": _binary(arithmetic.add), "__radd__": _binary(arithmetic.add),
    "__sub__": _binary(arithmetic.sub), "__rsub__": _binary(arithmetic.rsub),
    "__mul__": _binary(arithmetic.mul), "__rmul__": _binary(arithmetic.mul),
    "__truediv__": _binary(arithmetic.div), "__rtruediv__": _binary(arithmetic.rdiv),
    "__pow__": _binary(arithmetic.pow), "__rpow__": _reflected(arithmetic.pow),
    "__matmul__": _tensor_binary(linalg.matmul),
    "__neg__": arithmetic.neg, "__abs__": elementwise.abs, "__pos__": _identity,
    "__eq__": _binary(comparison.eq), "__ne__": _binary(comparison.ne),
    "__lt__": _binary(comparison.lt), "__le__": _binary(comparison.le),
    "__gt__": _binary(comparison.gt), "__ge__": _binary(comparison.ge),
    "__iadd__": _in_place(arithmetic.add), "__isub__": _in_place(arithmetic.sub),
    "__imul__": _in_place(arithmetic.mul), "__itruediv__": _in_place(arithmetic.div),
    "__ipow__": _in_place(arithmetic.pow),
    "__and__": _binary(comparison.bitwise_and), "__rand__": _binary(comparison.bitwise_and),
    "__or__": _binary(comparison.bitwise_or), "__ror__": _binary(comparison.bitwise_or),
    "__xor__": _binary(comparison.bitwise_xor), "__rxor__": _binary(comparison.bitwise_xor),
    "__invert__": comparison.bitwise_not,
    "__getitem__": shapes.getitem, "__setitem__": _setitem, "__iter__": _iterate,
}

_NODE_METHODS = {"register_prehook": hooks.register_prehook,
                 "register_hook": hooks.register_node_hook}


def attach_methods() -> None:
    for name, function in {**_METHODS, **_OPERATORS}.items():
        setattr(Tensor, name, function)
    for name, function in _NODE_METHODS.items():
        setattr(Node, name, function)
    Tensor.T = property(shapes.numpy_T)
    Tensor.__hash__ = object.__hash__
