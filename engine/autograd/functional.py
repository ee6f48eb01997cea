"""``torch.autograd.functional``: jacobian, hessian, vjp, jvp, hvp and vhp, from passes.

Each is what a course derives by hand: a vector-Jacobian product is one backward pass with
``gradient=v``; a Jacobian is one such pass per output element (reverse mode, as torch's
default); a Hessian is the Jacobian of the gradient (``create_graph=True``).

>>> import engine as torch
>>> from engine.autograd.functional import jacobian, hessian
>>> x = torch.tensor([1.0, 2.0, 3.0])
>>> jacobian(lambda x: x ** 2, x)
tensor([[2., 0., 0.],
        [0., 4., 0.],
        [0., 0., 6.]])
>>> hessian(lambda x: (x ** 3).sum(), x)
tensor([[ 6.,  0.,  0.],
        [ 0., 12.,  0.],
        [ 0.,  0., 18.]])
"""

from __future__ import annotations

import numpy as np

from engine.autograd.passes import grad
from engine.tensor import Tensor

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]

V_NONE_MESSAGE = ("The vector v can only be None if the user-provided function returns a single "
                  "Tensor with a single element.")


def _as_tuple(value) -> tuple[bool, tuple]:
    if isinstance(value, Tensor):
        return False, (value,)
    return True, tuple(value)


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Fresh leaves (or, with create_graph, views that keep the caller's graph)."""
    if create_graph:
        return tuple(t.view(*t.shape) if t.requires_grad else t.detach().requires_grad_(True)
                     for t in inputs)
    return tuple(t.detach().requires_grad_(True) for t in inputs)


def _finish(values, is_tuple: bool, create_graph: bool):
    values = tuple(v if create_graph or v is None else v.detach() for v in values)
    return values if is_tuple else values[0]


def _zeros_for(result, tensor: Tensor) -> Tensor:
    return result if result is not None else Tensor._wrap(np.zeros_like(tensor._data))


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``: one backward pass with ``gradient=v``."""
    inputs_tuple, inputs = _as_tuple(inputs)
    leaves = _prepare(inputs, create_graph)
    outputs = func(*leaves)
    outputs_tuple, outs = _as_tuple(outputs)
    if v is None:
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError(V_NONE_MESSAGE)
        vs = None
    else:
        vs = _as_tuple(v)[1]
    found = grad(outs, leaves, vs, retain_graph=True, create_graph=create_graph,
                 allow_unused=True)
    found = tuple(_zeros_for(g, t) for g, t in zip(found, leaves))
    return (_finish(outs, outputs_tuple, create_graph),
            _finish(found, inputs_tuple, create_graph))


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """d outputs / d inputs, one reverse pass per output element; shape out.shape + in.shape
    (a tuple per output and per input when either is a tuple)."""
    inputs_tuple, inputs = _as_tuple(inputs)
    leaves = _prepare(inputs, create_graph)
    outputs = func(*leaves)
    outputs_tuple, outs = _as_tuple(outputs)
    per_output = []
    for out in outs:
        rows = [[] for _ in leaves]
        flat = out.reshape(-1)
        for index in range(flat.numel()):
            found = grad(flat[index], leaves, retain_graph=True, create_graph=create_graph,
                         allow_unused=True)
            for position, (g, leaf) in enumerate(zip(found, leaves)):
                rows[position].append(_zeros_for(g, leaf)._data)
        blocks = []
        for position, leaf in enumerate(leaves):
            shape = tuple(out.shape) + tuple(leaf.shape)
            data = (np.stack(rows[position]) if rows[position]
                    else np.zeros((0,) + tuple(leaf.shape), dtype=leaf._data.dtype))
            blocks.append(Tensor._wrap(data.reshape(shape)))
        per_output.append(tuple(blocks) if inputs_tuple else blocks[0])
    return tuple(per_output) if outputs_tuple else per_output[0]


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Jacobian of the gradient of a scalar ``func``."""
    inputs_tuple, inputs = _as_tuple(inputs)

    def gradient(*leaves):
        output = func(*leaves)
        if not isinstance(output, Tensor) or output.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "containing a single element")
        found = grad(output, leaves, create_graph=True, allow_unused=True)
        return tuple(_zeros_for(g, t) for g, t in zip(found, leaves))

    result = jacobian(gradient, inputs, create_graph=create_graph)
    return result if inputs_tuple else result[0][0]


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)``, computed here from the reverse-mode Jacobian."""
    inputs_tuple, inputs = _as_tuple(inputs)
    outputs = func(*(t.detach() for t in inputs))
    outputs_tuple, outs = _as_tuple(outputs)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        vs = (Tensor._wrap(np.ones_like(inputs[0]._data)),)
    else:
        vs = _as_tuple(v)[1]
    full = jacobian(func, inputs if inputs_tuple else inputs[0])
    blocks = full if outputs_tuple else (full,)
    products = []
    for out, block in zip(outs, blocks):
        parts = block if inputs_tuple else (block,)
        total = np.zeros(tuple(out.shape), dtype=out._data.dtype)
        for part, vector in zip(parts, vs):
            axes = vector._data.ndim
            total = total + np.tensordot(part._data, vector._data, axes=axes) if axes else \
                total + part._data * vector._data
        products.append(Tensor._wrap(np.asarray(total, dtype=out._data.dtype)))
    return (_finish(outs, outputs_tuple, False), _finish(products, outputs_tuple, False))


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T H)``: the vjp of the gradient."""
    inputs_tuple, inputs = _as_tuple(inputs)
    leaves = _prepare(inputs, True)
    output = func(*leaves)
    first = grad(output, leaves, create_graph=True, allow_unused=True)
    first = tuple(_zeros_for(g, t) for g, t in zip(first, leaves))
    vs = _as_tuple(v)[1] if v is not None else None
    if vs is None and not (len(leaves) == 1 and leaves[0].numel() == 1):
        raise RuntimeError("The vector v can only be None if the input to the user-provided "
                           "function is a single Tensor with a single element.")
    second = grad(first, leaves, vs, create_graph=create_graph, allow_unused=True)
    second = tuple(_zeros_for(g, t) for g, t in zip(second, leaves))
    return output.detach(), _finish(second, inputs_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)``; the Hessian is symmetric, so this is ``vhp``."""
    return vhp(func, inputs, v, create_graph, strict)
