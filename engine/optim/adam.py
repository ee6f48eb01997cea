"""``torch.optim.Adam`` (with weight decay, decoupled as AdamW, or amsgrad).

>>> import engine as torch
>>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
>>> optimizer = torch.optim.Adam([w], lr=0.1)
>>> (w * w).sum().backward()
>>> optimizer.step()
>>> w
Parameter containing:
tensor([ 0.9000, -1.9000], requires_grad=True)
"""

from __future__ import annotations

import math

import numpy as np

from engine.optim.optimizer import Optimizer, fused_add
from engine.tensor import Tensor

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for index in (0, 1):
            if not 0.0 <= betas[index] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {betas[index]}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
            "capturable": capturable, "differentiable": differentiable, "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay})

    def _update(self, param, grad, group, state) -> None:
        data = param._data
        kind = data.dtype.type
        beta1, beta2 = group["betas"]
        if group["maximize"]:
            grad = -grad
        if not state:
            state["step"] = Tensor._wrap(np.zeros((), dtype=np.float32))
            state["exp_avg"] = Tensor._wrap(np.zeros_like(data))
            state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(data))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(data))
        state["step"]._data[...] += 1
        step = float(state["step"]._data)
        if group["weight_decay"] != 0:
            if group["decoupled_weight_decay"]:
                data[...] = (data * kind(1 - group["lr"] * group["weight_decay"])).astype(kind)
            else:
                grad = fused_add(grad, data, group["weight_decay"])
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        exp_avg[...] = fused_add(exp_avg, grad - exp_avg, 1 - beta1)  # lerp_(grad, 1 - beta1)
        exp_avg_sq[...] = fused_add((exp_avg_sq * kind(beta2)).astype(kind), grad * grad,
                                    1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = group["lr"] / bias_correction1
        second = exp_avg_sq
        if group["amsgrad"]:
            maximum = state["max_exp_avg_sq"]._data
            np.maximum(maximum, exp_avg_sq, out=maximum)
            second = maximum
        denom = (np.sqrt(second) / kind(math.sqrt(bias_correction2)) + kind(group["eps"]))
        data[...] = fused_add(data, (exp_avg / denom).astype(kind), -step_size)


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
