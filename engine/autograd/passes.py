"""``torch.autograd.backward`` and ``torch.autograd.grad``: the two ways to run a pass.

``backward`` adds into the leaves' ``.grad``; ``grad`` returns the gradients of
``outputs`` with respect to ``inputs`` and leaves every ``.grad`` untouched (its pass
records each input's AccumulateGrad step as ``returned``). With ``create_graph=True`` the
pass itself is recorded, so the gradients can be differentiated again.

>>> import engine as torch
>>> x = torch.tensor(2.0, requires_grad=True)
>>> (dx,) = torch.autograd.grad(x ** 3, x, create_graph=True)
>>> dx, x.grad
(tensor(12., grad_fn=<MulBackward0>), None)
>>> torch.autograd.grad(dx, x)
(tensor(12.),)
"""

from __future__ import annotations

import numpy as np

from engine.autograd.graph import BackwardPass

__all__ = ["backward", "grad"]


def _tensors(value) -> tuple:
    return (value,) if hasattr(value, "_data") else tuple(value)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """``torch.autograd.backward``: ``.backward()`` of several outputs in one pass."""
    tensors = _tensors(tensors)
    if grad_tensors is not None:
        grad_tensors = _tensors(grad_tensors) if not isinstance(grad_tensors, (tuple, list)) \
            else tuple(grad_tensors)
    BackwardPass(tensors, grad_tensors, retain_graph, keep_steps=False,
                 create_graph=create_graph,
                 inputs=None if inputs is None else _tensors(inputs)).run()


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused=None, is_grads_batched: bool = False,
         materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to each of ``inputs``, as torch returns them."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if is_grads_batched:
        raise RuntimeError("is_grads_batched=True is outside the engine's subset")
    allow_unused = bool(allow_unused) or materialize_grads
    outputs = _tensors(outputs)
    for output in outputs:
        if not hasattr(output, "_data"):
            raise AssertionError("Expected output to be a torch.Tensor")
    inputs = _tensors(inputs)
    for tensor in inputs:
        if not getattr(tensor, "_requires_grad", False):
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if grad_outputs is not None and not isinstance(grad_outputs, (tuple, list)):
        grad_outputs = (grad_outputs,)
    backward_pass = BackwardPass(outputs, grad_outputs, retain_graph, keep_steps=False,
                                 create_graph=create_graph, inputs=inputs, accumulate=False)
    backward_pass.run()
    results = []
    for index, (tensor, value) in enumerate(zip(inputs, backward_pass.captured)):
        if value is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {index} appears to not "
                                   "have been used in the graph. Set allow_unused=True if this "
                                   "is the desired behavior.")
            results.append(tensor._wrap(np.zeros_like(tensor._data)) if materialize_grads
                           else None)
        elif hasattr(value, "_data"):
            results.append(value)
        else:
            results.append(tensor._wrap(np.array(value, dtype=tensor._data.dtype)))
    return tuple(results)
