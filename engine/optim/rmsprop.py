"""``torch.optim.RMSprop`` (PyTorch's "Tensors and autograd" tutorial uses it).

>>> import engine as torch
>>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
>>> optimizer = torch.optim.RMSprop([w], lr=0.01)
>>> (w * w).sum().backward()
>>> optimizer.step()
>>> w
Parameter containing:
tensor([ 0.9000, -1.9000], requires_grad=True)
"""

from __future__ import annotations

import numpy as np

from engine.optim.optimizer import Optimizer, fused_add
from engine.tensor import Tensor

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if alpha < 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, {
            "lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
            "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable})

    def _update(self, param, grad, group, state) -> None:
        data = param._data
        kind = data.dtype.type
        if group["maximize"]:
            grad = -grad
        if not state:
            state["step"] = Tensor._wrap(np.zeros((), dtype=np.float32))
            state["square_avg"] = Tensor._wrap(np.zeros_like(data))
            if group["momentum"] > 0:
                state["momentum_buffer"] = Tensor._wrap(np.zeros_like(data))
            if group["centered"]:
                state["grad_avg"] = Tensor._wrap(np.zeros_like(data))
        state["step"]._data[...] += 1
        if group["weight_decay"] != 0:
            grad = fused_add(grad, data, group["weight_decay"])
        alpha = group["alpha"]
        square_avg = state["square_avg"]._data
        square_avg[...] = fused_add((square_avg * kind(alpha)).astype(kind), grad * grad,
                                    1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]._data
            grad_avg[...] = fused_add(grad_avg, grad - grad_avg, 1 - alpha)
            average = np.sqrt(fused_add(square_avg, grad_avg * grad_avg, -1))
        else:
            average = np.sqrt(square_avg)
        average = (average + kind(group["eps"])).astype(kind)
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]._data
            buffer[...] = (buffer * kind(group["momentum"]) + grad / average).astype(kind)
            data[...] = fused_add(data, buffer, -group["lr"])
        else:
            data[...] = fused_add(data, (grad / average).astype(kind), -group["lr"])
