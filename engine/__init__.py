"""PyTorch's autograd, in numpy: ``import engine as torch`` runs the subset unchanged.

>>> import engine as torch
>>> x = torch.arange(4.0, requires_grad=True)
>>> y = 2 * torch.dot(x, x)
>>> y
tensor(28., grad_fn=<MulBackward0>)
>>> y.backward()
>>> x.grad
tensor([ 0.,  4.,  8., 12.])

The backward pass is an object you can step through: see ``engine.BackwardPass``.
"""

import warnings as _warnings

from engine import methods as _methods
from engine.autograd.graph import (
    AccumulateGrad,
    BackwardPass,
    Contribution,
    Node,
    PassState,
    Step,
    record_passes,
)
from engine.device import (
    Namespace,
    accelerator,
    backends,
    cuda,
    device,
    get_default_device,
    set_default_device,
)
from engine.dtypes import bool_ as bool  # noqa: A001 - torch.bool
from engine.dtypes import dtype, float32, float64, get_default_dtype, int64, promote_types
from engine.factories import (
    arange,
    as_tensor,
    contiguous_format,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    preserve_format,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    strided,
    tensor,
    zeros,
    zeros_like,
)
from engine.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from engine.ops.arithmetic import add, div, mul, neg, pow, reciprocal, sub  # noqa: A004
from engine.ops.comparison import (  # noqa: A004
    all,
    allclose,
    any,
    eq,
    equal,
    ge,
    gt,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
)
from engine.ops.elementwise import (  # noqa: A004
    abs,
    clamp,
    cos,
    exp,
    log,
    masked_fill,
    maximum,
    minimum,
    relu,
    sgn,
    sigmoid,
    sign,
    sin,
    sqrt,
    tanh,
    where,
)
from engine.ops.linalg import dot, matmul, mm, mv, norm, outer, vector_norm
from engine.ops.losses import addmm
from engine.ops.reductions import log_softmax, max, mean, min, softmax, sum  # noqa: A004
from engine.ops.shapes import (
    cat,
    clone,
    expand,
    expand_as,
    flatten,
    permute,
    reshape,
    squeeze,
    stack,
    t,
    transpose,
    unbind,
    unsqueeze,
    view,
)
from engine.random import Generator, initial_seed, manual_seed, seed
from engine.tensor import Size, Tensor

_methods.attach_methods()

from engine import autograd, nn, optim  # noqa: E402 - the layers above the core
from engine.autograd import functional as _functional  # noqa: E402, F401 - autograd.functional

# numpy warns where a float overflows or 0 * inf gives nan; torch returns inf and nan
# silently. The filter covers warnings raised from the engine's own modules only.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"engine(\.|$)")

float = float32  # noqa: A001 - torch.float
double = float64
long = int64
clip = clamp


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


linalg = Namespace("torch.linalg", vector_norm=vector_norm, norm=norm)

# The engine follows PyTorch 2.13.0 (the CPU build): what it prints is what that prints.
__version__ = "2.13.0+cpu"
version = Namespace("torch.version", __version__=__version__, cuda=None)

__all__ = [
    "AccumulateGrad", "BackwardPass", "Contribution", "Generator", "Node", "PassState", "Size",
    "Step", "Tensor", "accelerator", "backends", "contiguous_format", "cuda", "device",
    "empty_like", "expand", "expand_as", "get_default_device", "initial_seed",
    "is_floating_point", "where", "masked_fill", "sgn", "sign", "linalg", "autograd", "nn",
    "optim", "addmm", "all", "any",
    "logical_and", "logical_not", "logical_or",
    "logical_xor", "norm", "normal", "preserve_format", "rand_like", "randint",
    "randn_like", "randperm", "seed", "set_default_device", "strided", "vector_norm", "version",
    "abs", "add", "allclose", "arange", "as_tensor", "bool", "cat", "clamp", "clip", "clone",
    "cos", "div", "dot", "double", "dtype", "empty", "enable_grad", "eq", "equal", "exp", "eye",
    "flatten", "float", "float32", "float64", "full", "full_like", "ge", "get_default_dtype",
    "gt", "int64", "is_grad_enabled", "is_tensor", "le", "linspace", "log", "log_softmax",
    "long", "lt", "manual_seed", "matmul", "max", "maximum", "mean", "min", "minimum", "mm",
    "mul", "mv", "ne", "neg", "no_grad", "numel", "ones", "ones_like", "outer", "permute",
    "pow", "promote_types", "rand", "randn", "reciprocal", "record_passes", "relu", "reshape",
    "set_grad_enabled", "sigmoid", "sin", "softmax", "sqrt", "squeeze", "stack", "sub", "sum",
    "t", "tanh", "tensor", "transpose", "unbind", "unsqueeze", "view", "zeros", "zeros_like",
]
