"""``torch.nn``: Module, Parameter, the layers, the losses, ``functional`` and ``init``.

>>> import engine as torch
>>> model = torch.nn.Linear(2, 1)
>>> loss = torch.nn.MSELoss()(model(torch.ones(4, 2)), torch.zeros(4, 1))
>>> loss.grad_fn, model(torch.ones(4, 2)).grad_fn
(<MseLossBackward0 object at 0x...>, <AddmmBackward0 object at 0x...>)
"""

from engine.nn import functional, init
from engine.nn.layers import (
    Flatten,
    Identity,
    Linear,
    LogSoftmax,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from engine.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from engine.nn.module import Module
from engine.nn.parameter import Parameter

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Flatten", "Identity", "L1Loss",
           "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleList", "NLLLoss", "Parameter",
           "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh", "functional", "init"]
