"""torch.autograd: the backward graph and its passes.

``engine.autograd.graph`` is the core (``Node``, ``AccumulateGrad``, the steppable
``BackwardPass`` and its ``Step``/``PassState`` records); it works on arrays and on the
tensors it is given, and imports no tensor class. ``engine.autograd.passes`` holds
``backward`` and ``grad``.
"""

from engine.autograd.function import Function, FunctionCtx
from engine.autograd.graph import (
    AccumulateGrad,
    BackwardPass,
    Contribution,
    Node,
    PassState,
    Step,
    record_passes,
)
from engine.autograd.passes import backward, grad

__all__ = ["AccumulateGrad", "BackwardPass", "Contribution", "Function", "FunctionCtx", "Node",
           "PassState", "Step", "backward", "grad", "record_passes"]
