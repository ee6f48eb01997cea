"""``torch.optim.Optimizer``: parameter groups, per-parameter state, ``zero_grad``.

Steps run under ``no_grad`` and write into the parameters' memory (their version moves on,
as in torch). The arithmetic follows torch's single-tensor CPU loops; ``param += -lr * grad``
is one fused multiply-add there, and here (float64 product and sum, rounded once).
"""

from __future__ import annotations

import numpy as np

from engine.grad_mode import enable_grad, no_grad
from engine.tensor import Tensor

__all__ = ["Optimizer", "fused_add"]

_REQUIRED = object()


def fused_add(a: np.ndarray, b: np.ndarray, alpha) -> np.ndarray:
    """``a + alpha * b`` as torch's vectorised ``add(alpha=)`` computes it: alpha in the
    tensor's dtype, one rounding."""
    if a.dtype == np.float32:
        alpha = np.float64(np.float32(alpha))
        return (a.astype(np.float64) + alpha * b.astype(np.float64)).astype(np.float32)
    return a + alpha * b


class Optimizer:
    """Holds ``param_groups`` (dicts with ``params`` and the hyperparameters) and ``state``."""

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got torch.{params.dtype.legacy_name}Tensor")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        full = {"params": params}
        for key, value in self.defaults.items():
            if key not in group and value is _REQUIRED:
                raise TypeError(f"parameter group didn't specify a value of required "
                                f"optimization parameter {key}")
            full[key] = group.get(key, value)
        self.param_groups.append(full)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Every parameter's ``.grad`` to None (torch 2.x's default) or to zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                if param._grad is None:
                    continue
                if set_to_none:
                    param._grad = None
                else:
                    param._grad.detach_()
                    param._grad.zero_()

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param._grad is not None:
                        self._update(param, param._grad._data, group,
                                     self.state.setdefault(param, {}))
                        param._version_counter()[0] += 1
        return loss

    def _update(self, param: Tensor, grad: np.ndarray, group: dict, state: dict) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict:
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                if param in self.state and self.state[param]:
                    state[index[id(param)]] = dict(self.state[param])
        return {"state": state, "param_groups": groups}

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for number, group in enumerate(self.param_groups):
            text += "\n" if number == 0 else "\n\n"
            text += f"Parameter Group {number}"
            for key in sorted(group):
                if key != "params":
                    text += f"\n    {key}: {group[key]}"
        return text + "\n)"
