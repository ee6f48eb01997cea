"""torch.autograd: the backward graph and its passes.

``engine.autograd.graph`` is the core (``Node``, ``AccumulateGrad``, the steppable
``BackwardPass`` and its ``Step``/``PassState`` records); it works on arrays and on the
tensors it is given, and imports no tensor class.
"""

from engine.autograd.graph import (
    AccumulateGrad,
    BackwardPass,
    Contribution,
    Node,
    PassState,
    Step,
    record_passes,
)

__all__ = ["AccumulateGrad", "BackwardPass", "Contribution", "Node", "PassState", "Step",
           "record_passes"]
