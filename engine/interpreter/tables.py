"""The whitelist: what a user's code may call, read, set and pass, and the operators.

Every name the interpreter lets an object expose comes from here. The size guard of
each function comes from ``engine.interpreter.limits``.

>>> "exp" in FUNCTIONS and "tofile" not in TENSOR_METHODS
True
"""

from __future__ import annotations

import ast
import operator

from engine.interpreter.limits import (
    arange,
    concat,
    data,
    elementwise,
    eye,
    full,
    linspace,
    matmul,
    nothing,
    outer,
    sizes,
    unbind,
)
from engine.interpreter.source import SourceText

EXPRESSION = "expression"
LESSON = "lesson"

# ----- the table -------------------------------------------------------------------------

_ELEMENTWISE = ("add sub mul div neg pow reciprocal exp log sqrt abs sin cos tanh sigmoid relu "
                "clamp clip maximum minimum sum mean max min softmax log_softmax eq ne lt le gt "
                "ge allclose clone reshape flatten").split()
_VIEWS = "transpose t permute unsqueeze squeeze equal".split()

# torch.<name>(...): the functions an expression or lesson may call, with their size guard.
FUNCTIONS = {
    "tensor": data, "as_tensor": data, "arange": arange, "linspace": linspace, "eye": eye,
    "zeros": sizes, "ones": sizes, "empty": sizes, "rand": sizes, "randn": sizes, "full": full,
    "zeros_like": elementwise, "ones_like": elementwise, "full_like": elementwise,
    "manual_seed": nothing, "is_tensor": nothing, "numel": nothing, "is_grad_enabled": nothing,
    "dot": matmul, "mv": matmul, "mm": matmul, "matmul": matmul, "outer": outer,
    "cat": concat, "stack": concat,
    **dict.fromkeys(_ELEMENTWISE, elementwise),
    **dict.fromkeys(_VIEWS, nothing), "unbind": unbind,
}
# Only as ``with torch.no_grad():`` (and calls) in lessons: they change the global grad mode.
GRAD_MODES = {"no_grad": nothing, "enable_grad": nothing, "set_grad_enabled": nothing}
VALUES = {"float32", "float64", "int64", "bool", "float", "double", "long"}

TENSOR_METHODS = {
    **dict.fromkeys(_ELEMENTWISE, elementwise),
    **dict.fromkeys(_VIEWS, nothing), "unbind": unbind,
    "dot": matmul, "mv": matmul, "mm": matmul, "matmul": matmul, "outer": outer,
    "view": nothing, "float": elementwise, "double": elementwise, "long": elementwise,
    "bool": elementwise, "to": elementwise, "type_as": elementwise,
    "add_": elementwise, "sub_": elementwise, "mul_": elementwise, "div_": elementwise,
    "pow_": elementwise, "clamp_": elementwise, "neg_": elementwise, "relu_": elementwise,
    "zero_": nothing, "detach": nothing, "requires_grad_": nothing, "retain_grad": nothing,
    "backward": nothing, "item": nothing, "tolist": elementwise, "numpy": nothing,
    "size": nothing, "dim": nothing, "numel": nothing, "is_floating_point": nothing,
    "fill_": nothing,
}
# Tensor methods of lessons only (hooks take a lesson's functions) and the ones tutorials
# call that the engine may not have yet: a lesson reaches each one only where the
# engine's Tensor has it (torch's name and meaning).
TUTORIAL_TENSOR_METHODS = {
    "register_hook": nothing, "register_post_accumulate_grad_hook": nothing,  # lessons only
    "norm": elementwise, "int": elementwise, "half": elementwise, "cpu": nothing,
    "argmax": nothing, "argmin": nothing, "prod": elementwise, "std": elementwise,
    "var": elementwise, "square": elementwise, "log1p": elementwise, "expm1": elementwise,
    "sign": elementwise, "floor": elementwise, "ceil": elementwise, "round": elementwise,
    "new_ones": sizes, "new_zeros": sizes, "new_tensor": data, "expand": nothing,
    "repeat": elementwise, "chunk": nothing, "split": nothing, "narrow": nothing,
    "contiguous": nothing, "is_contiguous": nothing, "all": nothing, "any": nothing,
    "copy_": nothing, "normal_": nothing, "uniform_": nothing,
    "exp_": elementwise, "sqrt_": elementwise, "sigmoid_": elementwise, "tanh_": elementwise,
}
TENSOR_ATTRIBUTES = {"grad", "data", "requires_grad", "is_leaf", "grad_fn", "retains_grad",
                     "shape", "dtype", "ndim", "T"}
SETTABLE_ATTRIBUTES = {"grad", "requires_grad", "data"}
NODE_METHODS = {"name": nothing}
NODE_ATTRIBUTES = {"next_functions", "variable"}
PAIR_ATTRIBUTES = {"values", "indices"}
# torch.<name> beyond the functions: classes, submodules and values (the engine's, by name).
TORCH_MEMBERS = {
    "Tensor": data, "nn": nothing, "optim": nothing, "autograd": nothing, "cuda": nothing,
    "device": nothing, "set_default_device": nothing, "get_default_dtype": nothing,
    "set_default_dtype": nothing, "__version__": nothing, "Generator": nothing,
    "from_numpy": data, "norm": elementwise, "square": elementwise, "prod": elementwise,
    "argmax": nothing, "argmin": nothing, "where": elementwise, "set_printoptions": nothing,
    "float16": nothing, "int32": nothing, "accelerator": nothing,
}
# torch's submodules: path -> {member: size guard}
TORCH_SUBMODULES = {
    "nn": {**dict.fromkeys(
        "Module Parameter Linear ReLU Sigmoid Tanh Softmax LogSoftmax MSELoss L1Loss "
        "CrossEntropyLoss NLLLoss BCELoss BCEWithLogitsLoss Sequential Identity Flatten "
        "ModuleList init".split(),
        nothing), "functional": nothing},
    "nn.functional": dict.fromkeys(
        "relu sigmoid tanh softmax log_softmax mse_loss l1_loss cross_entropy nll_loss "
        "binary_cross_entropy binary_cross_entropy_with_logits linear gelu leaky_relu silu "
        "softplus elu".split(), elementwise),
    "nn.init": dict.fromkeys("zeros_ ones_ constant_ normal_ uniform_ xavier_uniform_ "
                             "kaiming_uniform_".split(), nothing),
    "optim": dict.fromkeys("SGD Adam AdamW RMSprop".split(), nothing),
    "autograd": {"grad": nothing, "backward": nothing, "functional": nothing},
    "autograd.functional": dict.fromkeys("jacobian vjp jvp hessian hvp vhp".split(), nothing),
    "cuda": dict.fromkeys(["is_available", "device_count"], nothing),
    "accelerator": dict.fromkeys(["is_available", "current_accelerator"], nothing),
}
# Members of engine objects other than tensors, by class name (nn modules, optimizers, ...).
ENGINE_OBJECT_MEMBERS = {
    "Module": {**dict.fromkeys(
        "parameters named_parameters children named_children modules zero_grad train eval "
        "forward requires_grad_ to double float cpu apply".split(), nothing),
        "weight": None, "bias": None, "training": None},
    "Optimizer": {**dict.fromkeys(["step", "zero_grad"], nothing), "param_groups": None},
    "Generator": {**dict.fromkeys(["manual_seed", "seed", "initial_seed"], nothing)},
    "device": {"type": None, "index": None},
    "RemovableHandle": {"remove": nothing},
}

KEYWORDS = {
    "dtype", "requires_grad", "dim", "keepdim", "start", "end", "step", "steps", "size",
    "fill_value", "data", "input", "other", "exponent", "alpha", "min", "max", "tensors",
    "mat2", "vec", "vec2", "tensor", "dim0", "dim1", "start_dim", "end_dim", "rtol", "atol",
    "equal_nan", "gradient", "retain_graph", "create_graph", "mode", "n", "m", "seed",
    "sep", "flush",
}
# Python builtins a lesson may call (``print`` and ``range`` are handled by the interpreter).
BUILTINS = {"print": nothing, "range": nothing, "len": nothing, "float": nothing,
            "int": nothing, "bool": nothing, "abs": elementwise, "str": nothing,
            "list": nothing, "tuple": nothing}

CALLABLE_NAMES = set(FUNCTIONS) | set(GRAD_MODES) | set(TENSOR_METHODS) | set(NODE_METHODS)
ATTRIBUTE_NAMES = (VALUES | TENSOR_ATTRIBUTES | NODE_ATTRIBUTES | PAIR_ATTRIBUTES)

BINARY_OPERATORS = {
    ast.Add: (operator.add, "+"), ast.Sub: (operator.sub, "-"), ast.Mult: (operator.mul, "*"),
    ast.Div: (operator.truediv, "/"), ast.FloorDiv: (operator.floordiv, "//"),
    ast.Mod: (operator.mod, "%"), ast.Pow: (operator.pow, "**"),
    ast.MatMult: (operator.matmul, "@"),
}
BINARY_SYMBOLS = {kind: symbol for kind, (_, symbol) in BINARY_OPERATORS.items()}
IN_PLACE_OPERATORS = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.Pow: operator.ipow,
}
# A lesson's augmented assignments (an expression has none).
LESSON_IN_PLACE_OPERATORS = {**IN_PLACE_OPERATORS, ast.FloorDiv: operator.ifloordiv,
                             ast.Mod: operator.imod, ast.MatMult: operator.imatmul}
AUGMENTED_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
                     ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@"}
COMPARISONS = {
    ast.Eq: (operator.eq, "=="), ast.NotEq: (operator.ne, "!="), ast.Lt: (operator.lt, "<"),
    ast.LtE: (operator.le, "<="), ast.Gt: (operator.gt, ">"), ast.GtE: (operator.ge, ">="),
    ast.Is: (operator.is_, "is"), ast.IsNot: (operator.is_not, "is"),
}
UNARY_OPERATORS = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}


class ModuleRef:
    """What ``torch`` (or its alias) names: the module, reachable only through the table."""

    __slots__ = ("module",)

    def __init__(self, module):
        self.module = module

    def __repr__(self) -> str:
        return "<module 'torch'>"


def operator_offset(source: SourceText, left: ast.AST, right: ast.AST, symbol: str) -> int:
    """Where the operator between two operands is (ast does not record it)."""
    start, end = source.node_end(left), source.node_offset(right)
    found = source.text.find(symbol, start, end)
    return found if found >= 0 else start


