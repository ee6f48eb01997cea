"""``torch.optim.SGD``: plain, with momentum (and dampening), Nesterov, weight decay.

>>> import engine as torch
>>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
>>> optimizer = torch.optim.SGD([w], lr=0.1, momentum=0.9)
>>> (w * w).sum().backward()
>>> optimizer.step()
>>> w
Parameter containing:
tensor([ 0.8000, -1.6000], requires_grad=True)
"""

from __future__ import annotations

import numpy as np

from engine.optim.optimizer import _REQUIRED, Optimizer, fused_add
from engine.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if lr is not _REQUIRED and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {
            "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
            "foreach": foreach, "differentiable": differentiable, "fused": fused})

    def _update(self, param, grad, group, state) -> None:
        data = param._data
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = fused_add(grad, data, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = Tensor._wrap(np.array(grad, dtype=data.dtype, copy=True))
                state["momentum_buffer"] = buffer
            else:
                scaled = (buffer._data * np.asarray(momentum, dtype=data.dtype)).astype(
                    data.dtype, copy=False)
                buffer._data[...] = fused_add(scaled, grad, 1 - group["dampening"])
            if group["nesterov"]:
                grad = fused_add(grad, buffer._data, momentum)
            else:
                grad = buffer._data
        data[...] = fused_add(data, grad, -group["lr"])
