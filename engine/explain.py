"""The chain rule of one backward step, written out for learners.

``explain(step)`` gives the node's local derivative rule (matplotlib mathtext, so the
window can typeset it) and the numbers of this step plugged in: incoming gradient x
local derivative = outgoing gradient, and for an AccumulateGrad, old + new = total.

>>> import engine as torch
>>> x = torch.arange(4.0, requires_grad=True)
>>> steps = torch.BackwardPass(2 * torch.dot(x, x)).run().steps
>>> print(explain(steps[0]).text())
MulBackward0: out = a * b
  incoming gradient: 1
  to input 0: grad * b = 1 * 2 = 2
  to input 1: no gradient needed
  saved tensors freed after this step (retain_graph=False)
>>> print(explain(steps[2]).text())
AccumulateGrad: x.grad += incoming
  contributions summed: [0, 2, 4, 6] + [0, 2, 4, 6] = [0, 4, 8, 12]
  .grad: None -> [0, 4, 8, 12] (first backward: the buffer is created)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Explanation", "explain", "format_values", "how_gradients_arrived",
           "gradients_per_output", "sum_on_one_line", "sum_as_column", "RULES",
           "ELEMENTWISE", "broadcast_dims", "broadcast_notes"]


@dataclass(frozen=True)
class Explanation:
    """What a step did: ``rule`` (mathtext) and ``lines`` of plain text with its numbers."""

    title: str
    formula: str
    rule: str
    lines: list = field(default_factory=list)

    def text(self) -> str:
        return "\n".join([f"{self.title}: {self.formula}"] + [f"  {line}" for line in self.lines])


# name -> (forward formula, local derivative in mathtext, what each input receives)
RULES = {
    "AddBackward0": (
        "out = a + alpha * b",
        r"$\partial out/\partial a = 1,\ \partial out/\partial b = \alpha$",
        ('grad', 'grad * alpha')),
    "SubBackward0": (
        "out = a - alpha * b",
        r"$\partial out/\partial a = 1,\ \partial out/\partial b = -\alpha$",
        ('grad', '-grad * alpha')),
    "RsubBackward1": (
        "out = c - a",
        r"$\partial out/\partial a = -1$",
        ('-grad',)),
    "MulBackward0": (
        "out = a * b",
        r"$\partial(ab)/\partial a = b,\ \partial(ab)/\partial b = a$",
        ('grad * b', 'grad * a')),
    "DivBackward0": (
        "out = a / b",
        r"$\partial(a/b)/\partial a = 1/b,\ \partial(a/b)/\partial b = -a/b^2$",
        ('grad / b', '-grad * a / b**2')),
    "NegBackward0": (
        "out = -a",
        r"$\partial(-a)/\partial a = -1$",
        ('-grad',)),
    "ReciprocalBackward0": (
        "out = 1 / a",
        r"$\partial(1/a)/\partial a = -1/a^2$",
        ('-grad * out**2',)),
    "PowBackward0": (
        "out = a ** p",
        r"$\partial a^p/\partial a = p\,a^{p-1}$",
        ('grad * p * a**(p-1)',)),
    "PowBackward1": (
        "out = a ** b",
        r"$\partial a^b/\partial a = b\,a^{b-1},\ \partial a^b/\partial b = a^b \ln a$",
        ('grad * b * a**(b-1)', 'grad * a**b * log(a)')),
    "PowBackward2": (
        "out = c ** b",
        r"$\partial c^b/\partial b = c^b \ln c$",
        ('grad * c**b * log(c)',)),
    "ExpBackward0": (
        "out = exp(a)",
        r"$\partial e^a/\partial a = e^a$",
        ('grad * exp(a)',)),
    "LogBackward0": (
        "out = log(a)",
        r"$\partial \ln a/\partial a = 1/a$",
        ('grad / a',)),
    "SqrtBackward0": (
        "out = sqrt(a)",
        r"$\partial \sqrt{a}/\partial a = 1/(2\sqrt{a})$",
        ('grad / (2 * sqrt(a))',)),
    "AbsBackward0": (
        "out = |a|",
        r"$\partial |a|/\partial a = \mathrm{sign}(a)$",
        ('grad * sign(a)',)),
    "SinBackward0": (
        "out = sin(a)",
        r"$\partial \sin a/\partial a = \cos a$",
        ('grad * cos(a)',)),
    "CosBackward0": (
        "out = cos(a)",
        r"$\partial \cos a/\partial a = -\sin a$",
        ('grad * -sin(a)',)),
    "TanhBackward0": (
        "out = tanh(a)",
        r"$\partial \tanh a/\partial a = 1 - \tanh^2 a$",
        ('grad * (1 - out**2)',)),
    "SigmoidBackward0": (
        "out = sigmoid(a)",
        r"$\partial \sigma(a)/\partial a = \sigma(a)(1-\sigma(a))$",
        ('grad * out * (1 - out)',)),
    "ReluBackward0": (
        "out = relu(a)",
        r"$\partial\, \mathrm{relu}(a)/\partial a = [a > 0]$",
        ('grad * (out > 0)',)),
    "ClampBackward1": (
        "out = clamp(a, min, max)",
        r"$\partial out/\partial a = [min \leq a \leq max]$",
        ('grad * (min <= a <= max)',)),
    "ClampBackward0": (
        "out = clamp(a, min, max)",
        r"$\partial out/\partial a = [min \leq a \leq max]$",
        ('grad where a is inside', 'grad where min wins', 'grad where max wins')),
    "SumBackward0": (
        "out = sum(a)",
        r"$\partial\, \sum_i a_i/\partial a_j = 1$",
        ('grad copied to every element',)),
    "SumBackward1": (
        "out = sum(a, dim)",
        r"$\partial\, \sum_i a_i/\partial a_j = 1$",
        ('grad copied along the summed dims',)),
    "MeanBackward0": (
        "out = mean(a)",
        r"$\partial\, \frac{1}{n}\sum_i a_i/\partial a_j = 1/n$",
        ('grad / n to every element',)),
    "MeanBackward1": (
        "out = mean(a, dim)",
        r"$\partial\, \frac{1}{n}\sum_i a_i/\partial a_j = 1/n$",
        ('grad / n along the averaged dims',)),
    "MaxBackward1": (
        "out = max(a)",
        r"$\partial \max a/\partial a_j = [a_j = \max a]$",
        ('grad to the largest element(s)',)),
    "MinBackward1": (
        "out = min(a)",
        r"$\partial \min a/\partial a_j = [a_j = \min a]$",
        ('grad to the smallest element(s)',)),
    "MaxBackward0": (
        "out = max(a, dim)",
        r"$\partial \max a/\partial a_j = [j = \mathrm{argmax}]$",
        ('grad to the index of each maximum',)),
    "MinBackward0": (
        "out = min(a, dim)",
        r"$\partial \min a/\partial a_j = [j = \mathrm{argmin}]$",
        ('grad to the index of each minimum',)),
    "DotBackward0": (
        "out = dot(a, b)",
        r"$\partial (a \cdot b)/\partial a = b,\ \partial (a \cdot b)/\partial b = a$",
        ('grad * b', 'grad * a')),
    "MvBackward0": (
        "out = M @ v",
        r"$\partial (Mv)/\partial M = g\,v^T,\ \partial (Mv)/\partial v = M^T g$",
        ('outer(grad, v)', 'M.T @ grad')),
    "MmBackward0": (
        "out = A @ B",
        r"$\partial (AB)/\partial A = G B^T,\ \partial (AB)/\partial B = A^T G$",
        ('grad @ B.T', 'A.T @ grad')),
    "SoftmaxBackward0": (
        "out = softmax(a)",
        r"$\partial s_i/\partial a_j = s_i(\delta_{ij} - s_j)$",
        ('out * (grad - sum(grad * out))',)),
    "LogSoftmaxBackward0": (
        "out = log_softmax(a)",
        r"$\partial \log s_i/\partial a_j = \delta_{ij} - s_j$",
        ('grad - softmax(a) * sum(grad)',)),
    "MaximumBackward0": (
        "out = maximum(a, b)",
        r"$\partial out/\partial a = [a > b]$",
        ('grad where a wins', 'grad where b wins')),
    "MinimumBackward0": (
        "out = minimum(a, b)",
        r"$\partial out/\partial a = [a < b]$",
        ('grad where a wins', 'grad where b wins')),
}

_MOVES = {
    "ViewBackward0": "reshape", "UnsafeViewBackward0": "reshape", "SqueezeBackward0": "squeeze",
    "SqueezeBackward1": "squeeze", "SqueezeBackward4": "squeeze",
    "UnsqueezeBackward0": "unsqueeze", "TransposeBackward0": "transpose", "TBackward0": "t",
    "PermuteBackward0": "permute", "SelectBackward0": "index", "SliceBackward0": "slice",
    "CatBackward0": "cat", "StackBackward0": "stack", "CloneBackward0": "clone",
    "UnbindBackward0": "unbind",
    "AliasBackward0": "alias", "ToCopyBackward0": "dtype conversion",
}


def how_gradients_arrived(step) -> str | None:
    """How the gradients that reached a node made its ``grad_in``, or None for one gradient.

    Several along edges into one output are summed; a node with several outputs
    (``UnbindBackward0``) stacks one gradient per output, zeros where none came.
    """
    contributions = step.contributions
    total = format_values(step.grad_in)
    if step.node.num_outputs > 1:
        parts = [f"output {number}: {' + '.join(map(format_values, grads)) or 'none (zeros)'}"
                 for number, grads in enumerate(gradients_per_output(step))]
        return f"{'; '.join(parts)}; stacked along dim {step.node.dim} = {total}"
    if len(contributions) < 2:
        return None
    parts = " + ".join(format_values(c.grad) for c in contributions)
    return f"contributions summed: {parts} = {total}"


def sum_on_one_line(terms: list) -> str:
    """``(operator, value)`` terms (the first operator empty) as ``a + b = c``.

    >>> sum_on_one_line([("", "[0, 4]"), ("+", "[1, 1]"), ("=", "[1, 5]")])
    '[0, 4] + [1, 1] = [1, 5]'
    """
    return " ".join(f"{operator} {value}" if operator else value for operator, value in terms)


def sum_as_column(terms: list) -> str:
    """The same terms written as a column, as on paper: ``  a`` / ``+ b`` / ``= c``."""
    return "\n".join(f"{operator or ' '} {value}" for operator, value in terms)


def gradients_per_output(step) -> list:
    """For each output of the step's node, the gradients that arrived for it (a list each)."""
    per_output = [[] for _ in range(step.node.num_outputs)]
    for contribution in step.contributions:
        per_output[contribution.output_nr].append(contribution.grad)
    return per_output


def format_values(array, limit: int = 8) -> str:
    """A compact, readable form of an array: ``[0, 4, 8, 12]``, ``2``, ``[[1, 2], [3, 4]]``.

    Longer vectors keep their three first and last values; bigger arrays give their shape.
    """
    if array is None:
        return "None"
    array = np.asarray(array)
    if array.ndim == 0:
        return _number(array.item())
    if array.size > limit:
        if array.ndim == 1:
            head = ", ".join(_number(v) for v in array[:3].tolist())
            tail = ", ".join(_number(v) for v in array[-3:].tolist())
            return f"[{head}, ..., {tail}]"
        return f"<{'x'.join(str(n) for n in array.shape)} values>"
    return _nested(array.tolist())


def _nested(values) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return _number(values)


def _number(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.4g}"
    return str(value)


def explain(step, leaf_name: str = "x") -> Explanation:
    """Explain one ``engine.Step``: its local rule and the numbers it used and produced.

    ``leaf_name`` names the leaf of an AccumulateGrad step in the text.
    """
    if step.is_accumulation:
        return _explain_accumulation(step, leaf_name)
    name = step.name
    formula, rule, outputs = RULES.get(name, (None, None, None))
    if formula is None:
        move = _MOVES.get(name, "an operation")
        formula = f"{move}: values are moved, not changed"
        rule = r"$\partial out_i/\partial a_j \in \{0, 1\}$"
        outputs = (f"grad moved back through the {move}",) * len(step.node.next_functions)
    lines = [f"incoming gradient: {format_values(step.grad_in)}"]
    arrival = how_gradients_arrived(step)
    if arrival:
        lines.append(arrival)
    lines += _outgoing_lines(step, outputs)
    if step.freed:
        lines.append("saved tensors freed after this step (retain_graph=False)")
    return Explanation(name, formula, rule, lines)


def _outgoing_lines(step, outputs) -> list:
    lines = []
    for index, sent in enumerate(step.grads_out):
        if sent is None:
            lines.append(f"to input {index}: no gradient needed")
            continue
        how = outputs[index] if index < len(outputs) else "grad"
        numbers = _plugged_in(step, how)
        result = format_values(sent)
        shown = f"{how} = {numbers} = {result}" if numbers else f"{how} = {result}"
        lines.append(f"to input {index}: {shown}")
    return lines


def _plugged_in(step, how: str) -> str | None:
    """``grad * b`` with the numbers of this step, for the two-factor rules."""
    saved = step.saved
    if how in ("grad * b", "grad * a") and len(saved) == 2:
        factor = saved[1] if how.endswith("b") else saved[0]
        if factor is not None:
            return f"{format_values(step.grad_in)} * {format_values(factor)}"
    return None


def _explain_accumulation(step, name: str) -> Explanation:
    lines = []
    arrival = how_gradients_arrived(step)
    if arrival:
        lines.append(arrival)
    if step.grad_before is None:
        lines.append(f".grad: None -> {format_values(step.grad_after)} "
                     "(first backward: the buffer is created)")
    else:
        lines.append(f".grad: {format_values(step.grad_before)} + {format_values(step.grad_in)} "
                     f"= {format_values(step.grad_after)} (accumulated in place)")
    return Explanation("AccumulateGrad", f"{name}.grad += incoming",
                       r"$x.grad \leftarrow x.grad + \partial L/\partial x$", lines)


# ----- broadcasting: where a gradient was summed back to an input's shape ---------------

# Nodes whose inputs broadcast to the output's shape, so a gradient is summed back.
ELEMENTWISE = frozenset({"AddBackward0", "SubBackward0", "MulBackward0", "DivBackward0",
                         "PowBackward1", "MaximumBackward0", "MinimumBackward0"})


def broadcast_dims(output_shape, input_shape) -> tuple | None:
    """The output dims a broadcast input's gradient is summed over, None if it did not broadcast.

    >>> broadcast_dims((2, 3), (3,)), broadcast_dims((2, 3), (2, 1)), broadcast_dims((3,), (3,))
    ((0,), (1,), None)
    """
    output_shape, input_shape = tuple(output_shape), tuple(input_shape)
    lead = len(output_shape) - len(input_shape)
    if lead < 0:
        return None
    dims = list(range(lead))
    for position, size in enumerate(input_shape):
        target = output_shape[lead + position]
        if size == 1 and target != 1:
            dims.append(lead + position)
        elif size != target:
            return None
    return tuple(dims) or None


def _shape(shape) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def broadcast_notes(step) -> dict:
    """input index -> a line saying its gradient was summed back over broadcast dims."""
    if step.is_accumulation or step.name not in ELEMENTWISE or step.grad_in is None:
        return {}
    notes = {}
    output_shape = np.shape(step.grad_in)
    for index, sent in enumerate(step.grads_out):
        if sent is None:
            continue
        dims = broadcast_dims(output_shape, np.shape(sent))
        if dims:
            which = "dim" if len(dims) == 1 else "dims"
            notes[index] = (f"input {index} was broadcast: summed over {which} "
                            f"{', '.join(map(str, dims))}, {_shape(output_shape)} -> "
                            f"{_shape(np.shape(sent))}")
    return notes
