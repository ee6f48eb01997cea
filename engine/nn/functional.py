"""``torch.nn.functional``: the layers and losses as functions, with torch's nodes.

>>> import engine as torch
>>> import engine.nn.functional as F
>>> x = torch.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
>>> F.cross_entropy(x, torch.tensor([0, 1]))
tensor(1.0346, grad_fn=<NllLossBackward0>)
"""

from __future__ import annotations

import warnings

from engine.ops import elementwise, reductions, shapes
from engine.ops.arithmetic import scalar_div
from engine.ops.linalg import matmul
from engine.ops.losses import (
    addmm,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    mse_loss,
    nll_loss,
)
from engine.tensor import Tensor

__all__ = ["linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss",
           "l1_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]

relu = elementwise.relu
sigmoid = elementwise.sigmoid
tanh = elementwise.tanh

SOFTMAX_DIM_WARNING = ("Implicit dimension choice for {name} has been deprecated. Change the "
                       "call to include dim=X as an argument.")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: one AddmmBackward0 (with views around a non-matrix input),
    or MmBackward0 without a bias, as torch records it."""
    if bias is None:
        return matmul(input, shapes.t(weight))
    if input.dim() == 2:
        return addmm(bias, input, shapes.t(weight))
    lead = tuple(input.shape[:-1])
    flat = shapes.reshape(input, -1, input.shape[-1]) if input.dim() != 1 else \
        shapes.reshape(input, 1, -1)
    result = addmm(bias, flat, shapes.t(weight))
    return shapes.reshape(result, *lead, weight.shape[0]) if lead else shapes.reshape(result, -1)


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(SOFTMAX_DIM_WARNING.format(name=name), UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("softmax", input.dim())
    return reductions.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim())
    return reductions.log_softmax(input, dim, dtype=dtype)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """``(input - target).abs()`` reduced, as torch composes it (MeanBackward0, AbsBackward0)."""
    difference = elementwise.abs(input - target)
    if reduction == "mean":
        return reductions.mean(difference)
    if reduction == "sum":
        return reductions.sum(difference)
    if reduction == "none":
        return difference
    raise ValueError(f"{reduction} is not a valid value for reduction")


def cross_entropy(input: Tensor, target: Tensor, weight=None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """log_softmax over the classes (dim 1, or 0 for one sample), then nll_loss of class
    indices, or the mean of -sum(target * log p) for class probabilities."""
    if weight is not None or label_smoothing:
        raise RuntimeError("cross_entropy(weight=, label_smoothing=) is outside the engine's "
                           "subset")
    class_dim = 0 if input.dim() == 1 else 1
    log_p = reductions.log_softmax(input, class_dim)
    if not target.dtype.is_floating_point:
        return nll_loss(log_p, target, reduction=reduction)
    per_sample = -reductions.sum(log_p * target) if reduction != "none" else \
        -reductions.sum(log_p * target, class_dim)
    if reduction == "mean":
        return scalar_div(per_sample, input.shape[0] if input.dim() > 1 else 1)
    return per_sample
