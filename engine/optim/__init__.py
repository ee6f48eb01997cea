"""``torch.optim``: SGD (momentum, Nesterov, weight decay), Adam, AdamW and RMSprop.

>>> import engine as torch
>>> torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1).param_groups[0]["lr"]
0.1
"""

from engine.optim.adam import Adam, AdamW
from engine.optim.optimizer import Optimizer
from engine.optim.rmsprop import RMSprop
from engine.optim.sgd import SGD

__all__ = ["Adam", "AdamW", "Optimizer", "RMSprop", "SGD"]
