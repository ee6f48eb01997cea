"""One session, without Qt: inputs, the output, recorded backward passes, every ``.grad`` state.

The window (``gui.window.session.Session``, a thin QObject over this class) and the
command line (``python main.py trace|export``) run the same pipeline: define the
variables, evaluate the expression, call backward, record the ``.grad`` history, save.
Everything is asked of the engine: expressions go through
``engine.interpreter.expression.evaluate`` (never ``eval``), a backward pass is an
``engine.BackwardPass`` driven to its end, and what the picture shows after step i is
``backward_pass.state_at(i)``.

The engine (and networkx, for the graph) is imported with the first evaluation, so a
window shows before they load.

State kept in plain attributes (what a session file needs):

- ``variables``: ``{name: definition}`` in order, x first (``{"x": "arange(4.0)"}``).
- ``x_requires_grad``: the switch beside x (``x.requires_grad_(True)`` after defining it);
  ``grad_switches``: the same switch for the other variables (``{"w": True}``; a name
  not in it is used as its definition says).
- ``expression``: the expression source (``"2 * dot(x, x)"``).
- ``retain_graph``, ``reuse_graph``: the options of the next backward.
- ``passes_run``: backward passes that changed a ``.grad`` so far (the history numbers
  them; a pass that stopped before any leaf takes no number); ``step``: the step shown
  in the last pass (-1 = before its first step).
- ``selected``: the graph key of the node the user clicked, or None.
- ``history``: every state of each leaf's ``.grad`` buffer, in order, as dicts::

      {"leaf": "x", "event": "define" | "backward" | "zero", "pass": 2 | None,
       "step": 2 | None, "expression": "x.sum()" | "arange(4.0)" | None, "dtype": "float32",
       "before": [0.0, 4.0, 8.0, 12.0] | None, "added": [1.0, 1.0, 1.0, 1.0] | None,
       "after": [1.0, 5.0, 9.0, 13.0] | None}

  (values as nested lists, None while ``.grad`` is None; ``expression`` is the
  expression of a backward or the definition of a define). ``grad_history`` gives the
  same as ``{leaf: [None, array, ...]}``.
- ``error``: the message to show where it happened, or None::

      {"kind": "input" | "runtime" | "unexpected", "field": "x" | "expression" | name | None,
       "type": "RuntimeError", "message": "...", "offset": 7 | None, "source": "..." | None,
       "non_scalar": False}

Engine objects (not for saving): ``tensors`` (name -> Tensor), ``output`` and
``output_name``, ``graph`` (``engine.graph.to_networkx``), ``backward_pass`` (the last
``engine.BackwardPass``, None before the first) with ``steps``, and what the picture
needs from its start state: ``failed_key``, ``freed_before``, ``grads_before``
(``picture_context()`` gives them as the picture takes them).

>>> session = SessionModel()
>>> session.backward()
True
>>> session.history[-1]["after"]
[0.0, 4.0, 8.0, 12.0]
>>> session.expression = "x.sum()"
>>> session.backward()
True
>>> [None if state is None else state.tolist() for state in session.grad_history["x"]]
[None, [0.0, 4.0, 8.0, 12.0], [1.0, 5.0, 9.0, 13.0]]

The output is called ``y``, unless a variable has that name:

>>> output_name({"x": "arange(4.0)", "y": "ones(4)"})
'out'

A lesson's passes are recorded by the lesson (``engine.record_passes``); ``show_pass``
draws one of them and records its ``.grad`` states the same way::

    session.show_pass(backward_pass, lesson_tensors)

Changes are announced through ``_changed(name, *args)`` with the names of the window's
signals (``inputs_changed``, ``graph_changed``, ``pass_changed``, ``step_changed``,
``history_changed``, ``error_changed``, ``selection_changed``); here it does nothing.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SessionModel", "DEFAULT_X", "DEFAULT_EXPRESSION", "NON_SCALAR_MESSAGE",
           "OUTPUT_NAMES", "output_name", "drive", "values"]

DEFAULT_X = "arange(4.0)"
DEFAULT_EXPRESSION = "2 * dot(x, x)"
NON_SCALAR_MESSAGE = "grad can be implicitly created only for scalar outputs"
OUTPUT_NAMES = ("y", "out", "output", "result_")


def output_name(names) -> str:
    """What the output is called: ``y``, or the first of ``out``, ``output``, ``result_``
    that no variable already uses."""
    return next(name for name in OUTPUT_NAMES if name not in names)


class SessionModel:
    """Inputs, output, passes and ``.grad`` history of one session (see the module docstring)."""

    def __init__(self):
        self.variables: dict[str, str] = {"x": DEFAULT_X}
        self.x_requires_grad = True
        self.grad_switches: dict[str, bool] = {}
        self.expression = DEFAULT_EXPRESSION
        self.retain_graph = False
        self.reuse_graph = False
        self.passes_run = 0
        self.shown_pass: int | None = None  # the number of the pass shown, if it has one
        self.edits = 0  # what the user did that a session file keeps (passes, zero_grad)
        self.step = -1
        self.selected: str | None = None
        self.history: list[dict] = []
        self.error: dict | None = None
        self.tensors: dict = {}
        self.output = None
        self.output_name = OUTPUT_NAMES[0]
        self.graph = None
        self.backward_pass = None
        self.backward_error: BaseException | None = None  # what stopped the last backward
        self.steps: list = []
        self.failed_key: str | None = None
        self.freed_before: set = set()
        self.grads_before: dict = {}
        self.error_text: str | None = None
        self._defined: dict[str, tuple] = {}
        self._unlogged: set[str] = set()  # defined, not yet in a graph (nor the history)
        self._output_source: tuple | None = None
        self.lesson_pass = False  # the graph is a lesson's: its tensors are the lesson's

    def _changed(self, signal: str, *args) -> None:
        """Announce a change (the window emits the Qt signal of that name)."""

    # ---- inputs ----------------------------------------------------------------------------

    def set_inputs(self, variables: dict | None = None, expression: str | None = None,
                   x_requires_grad: bool | None = None,
                   grad_switches: dict | None = None) -> None:
        """Change the sources (nothing is evaluated until ``define``/``forward``/``backward``)."""
        if variables is not None:
            self.variables = {str(name): str(source) for name, source in variables.items()}
        if expression is not None:
            self.expression = str(expression)
        if x_requires_grad is not None:
            self.x_requires_grad = bool(x_requires_grad)
        if grad_switches is not None:
            self.grad_switches = {str(name): bool(on) for name, on in grad_switches.items()
                                  if name != "x"}
        self._changed("inputs_changed")

    def requires_grad_switch(self, name: str) -> bool:
        """True when the switch beside variable ``name`` asks for ``requires_grad_(True)``."""
        return self.x_requires_grad if name == "x" else self.grad_switches.get(name, False)

    def outside_graph(self) -> dict:
        """``{name: why}`` for each variable the drawn graph does not show although the
        expression may use it: a tensor that does not require grad is no node of it."""
        if self.graph is None:
            return {}
        ids = self.graph.graph["ids"]
        notes = {}
        for name, tensor in self.tensors.items():
            if id(tensor) in ids or self.lesson_pass:
                continue
            if not tensor.requires_grad:
                notes[name] = (f"{name} is not in the graph: it does not require grad "
                               f"(switch on requires_grad, or requires_grad=True)")
        return notes

    def define(self) -> bool:
        """Evaluate the variables whose definition changed; False (and ``error``) on failure.

        A redefined variable is a new tensor: its ``.grad`` starts again at None.
        """
        from engine.interpreter.names import variable_name_problem

        names = list(self.variables)
        for name in list(self.tensors):
            if name not in self.variables:
                del self.tensors[name]
                self._defined.pop(name, None)
                self._unlogged.discard(name)
        for name in names:
            problem = variable_name_problem(name)  # the rule a session file applies, at once
            if problem is not None:
                self._fail("input", name, "ExpressionError", problem, None, name)
                return False
            source = self.variables[name]
            wanted = (source, self.requires_grad_switch(name))
            if self._defined.get(name) == wanted and name in self.tensors:
                continue
            scope = {other: self.tensors[other] for other in names[:names.index(name)]
                     if other in self.tensors}
            tensor = self._evaluate(source, scope, name, self.requires_grad_switch(name))
            if tensor is None:
                return False
            self.tensors[name] = tensor
            self._defined[name] = wanted
            self._output_source = None
            self._unlogged.add(name)  # the history shows it once a graph uses it
        return True

    def _log_definitions(self) -> None:
        """A define entry for each variable the graph now uses for the first time since it
        was defined (a variable the expression does not use never enters the history)."""
        ids = self.graph.graph["ids"] if self.graph is not None else {}
        logged = False
        for name in [name for name in self.variables if name in self._unlogged]:
            tensor = self.tensors.get(name)
            if tensor is None or id(tensor) not in ids:
                continue
            self._unlogged.discard(name)
            if tensor.requires_grad and tensor.is_leaf:
                self._record(name, "define", tensor, after=values(tensor.grad),
                             source=self.variables[name])
                logged = True
        if logged:
            self._changed("history_changed")

    def _evaluate(self, source: str, scope: dict, field: str, switch: bool = False):
        from engine.interpreter.expression import ExpressionError, evaluate

        try:
            value = evaluate(source, scope)
            if switch and not value.requires_grad:
                value.requires_grad_(True)
        except ExpressionError as error:
            cause = error.__cause__
            self._fail("input", field, type(cause).__name__ if cause else "ExpressionError",
                       str(error), error.offset, source)
            return None
        except (RuntimeError, ValueError, TypeError, ArithmeticError, AttributeError) as error:
            self._fail("input", field, type(error).__name__, str(error), None, source)
            return None
        return value

    # ---- forward and backward ----------------------------------------------------------------

    def forward(self) -> bool:
        """Define the variables, evaluate the expression and draw its graph (no backward)."""
        if not self.define():
            return False
        output = self._evaluate(self.expression, dict(self.tensors), "expression")
        if output is None:
            return False
        from engine.graph import GraphTooLargeError, to_networkx

        try:  # a graph over the documented size is refused in one line, not drawn for minutes
            graph = to_networkx(output, names=dict(self.tensors),
                                output_name=output_name(self.tensors))
        except GraphTooLargeError as error:
            self._fail("runtime", "expression", "", str(error), None, self.expression)
            return False
        self.output = output
        self.output_name = output_name(self.tensors)
        self._output_source = (self.expression, tuple(self._defined.items()))
        self.lesson_pass = False
        self.graph = graph
        self._log_definitions()
        self.clear_error()
        self._set_pass(None)
        self.selected = self.selected if self.selected in self.graph else None
        self._changed("graph_changed")
        self._changed("pass_changed")
        self._changed("selection_changed")
        self._changed("step_changed", self.step)
        return True

    def can_reuse(self) -> bool:
        """True when "reuse graph" would call backward again on the output already drawn."""
        return (self.reuse_graph and self.output is not None and self._output_source is not None
                and self._output_source[0] == self.expression
                and all(self._defined.get(name, (None,))[0] == source
                        for name, source in self.variables.items()))

    def backward(self, *, ones: bool = False) -> bool:
        """Run forward again (or reuse the output) and record a backward pass from it.

        ``ones`` passes ``gradient=ones_like(output)`` (for a non-scalar output). The pass
        is kept even when it stops with an error (torch's freed-graph error, say); the
        error that stopped it (or refused to start it) is ``backward_error``.
        """
        if not self.can_reuse() and not self.forward():
            return False
        import engine

        output = self.output
        self.backward_error = None
        try:
            gradient = engine.ones_like(output) if ones else None
            backward_pass = engine.BackwardPass(output, gradient, retain_graph=self.retain_graph)
        except (RuntimeError, ValueError, TypeError) as error:
            self.backward_error = error
            self._fail("runtime", "expression", type(error).__name__, str(error), None, None,
                       non_scalar=str(error) == NON_SCALAR_MESSAGE)
            return False
        drive(backward_pass)
        self.edits += 1
        self._record_pass(backward_pass.steps, self.expression)
        error = self.backward_error = backward_pass.error
        if error is None:
            self.clear_error()
        else:
            self._fail("runtime", "expression", type(error).__name__, str(error), None, None)
        self._set_pass(backward_pass)
        self._changed("history_changed")
        self._changed("pass_changed")
        self._changed("step_changed", self.step)
        return error is None

    def show_pass(self, backward_pass, tensors: dict, code: str = "") -> None:
        """Draw a finished ``engine.BackwardPass`` a lesson recorded, ready to animate.

        ``tensors`` are the lesson's names (they label the leaves and the output), ``code``
        the source of the cell that ran it (its ``name.backward()`` names an output the
        cell no longer binds, as a loop's earlier passes). What
        the pass started from (nodes earlier passes freed, each leaf's ``.grad``) is the
        pass's own record (``state_at(-1)``). The ``.grad`` states the pass made go into
        the history, as ``backward()`` records them (a buffer zeroed since the last
        state first gets its ``zero_()``).
        """
        from engine.graph import GraphTooLargeError, to_networkx
        from gui.model.lesson import names_for_pass

        names, name_of_output = names_for_pass(backward_pass, tensors, code)
        try:  # too large to draw: the session keeps what it showed and says why, in one line
            self.graph = to_networkx(backward_pass.output, names=names,
                                     output_name=name_of_output)
        except GraphTooLargeError as error:
            self._fail("runtime", "expression", "", str(error), None, None)
            return
        self.tensors = dict(names)
        self._defined = {}  # the inputs' own tensors are made again by the next forward
        self._output_source = None
        self.lesson_pass = True
        self.output = backward_pass.output
        self.output_name = name_of_output
        self._record_pass(backward_pass.steps, f"{name_of_output}.backward()", zeroed=True)
        self.backward_error = backward_pass.error
        self.clear_error()
        self._set_pass(backward_pass)
        self.selected = self.selected if self.selected in self.graph else None
        self._changed("graph_changed")
        self._changed("history_changed")
        self._changed("pass_changed")
        self._changed("selection_changed")
        self._changed("step_changed", self.step)

    def _record_pass(self, steps, source: str, *, zeroed: bool = False) -> None:
        """The ``.grad`` state each AccumulateGrad step of a pass made (``zeroed``: and a
        ``zero_()`` before a state that starts from zeros the history has not seen).

        A pass that changed no ``.grad`` (it stopped before any leaf) takes no number, so
        the history counts "backward 1, backward 2" without gaps."""
        if any(step.is_accumulation for step in steps):
            self.passes_run += 1
            self.shown_pass = self.passes_run
        else:
            self.shown_pass = None
        for step in steps:
            if not step.is_accumulation:
                continue
            name = self.leaf_name(step.leaf)
            before = values(step.grad_before)
            if zeroed and before is not None:
                last = self._last_state(name)
                if last is not None and last != before and not np.any(step.grad_before):
                    self._record(name, "zero", step.leaf, before=last, after=before)
            self._record(name, "backward", step.leaf, before=before,
                         added=values(step.grad_in), after=values(step.grad_after),
                         step=step.index, source=source)

    def _last_state(self, leaf: str):
        for entry in reversed(self.history):
            if entry["leaf"] == leaf:
                return entry["after"]
        return None

    def clear_history(self) -> None:
        """Forget every ``.grad`` state and pass (a lesson starting from the top)."""
        self.history = []
        self.passes_run = 0
        self.shown_pass = None
        self._changed("history_changed")

    def clear(self) -> None:
        """A clean canvas and history (a lesson opened or closed): no graph, no pass, no
        ``.grad`` state; the inputs stay, and the next forward defines them afresh."""
        self.tensors, self._defined, self._unlogged = {}, {}, set()
        self.output = self.graph = None
        self.output_name = OUTPUT_NAMES[0]
        self._output_source = None
        self.lesson_pass = False
        self.backward_error = None
        self.selected = None
        self.history = []
        self.passes_run = 0
        self.clear_error()
        self._set_pass(None)
        self._changed("graph_changed")
        self._changed("history_changed")
        self._changed("pass_changed")
        self._changed("selection_changed")
        self._changed("step_changed", self.step)

    # ---- saved sessions ---------------------------------------------------------------------

    def session_data(self, *, lesson: str | None = None, cell: int = 0):
        """What a session file holds about this session (``gui.model.session_file``)."""
        from gui.model.session_file import SessionData

        options = {"x_requires_grad": bool(self.x_requires_grad),
                   "reuse_graph": bool(self.reuse_graph)}
        switched = [name for name in self.variables if name != "x" and self.grad_switches.get(name)]
        if switched:
            options["requires_grad_on"] = ",".join(switched)
        if self.selected is not None:
            options["selected"] = self.selected
        return SessionData(variables=dict(self.variables), expression=self.expression,
                           lesson=lesson, cell=cell if lesson else 0,
                           passes=self.passes_run, step=self.step,
                           retain_graph=bool(self.retain_graph), options=options,
                           history=[dict(entry) for entry in self.history])

    def restore(self, data) -> bool:
        """Take the inputs, options and ``.grad`` history of a ``SessionData``.

        The variables and the expression are evaluated afresh, each leaf's ``.grad`` set
        to its last saved state, and the last backward pass replayed from the states
        before it, so the animation can stand where it stood (``data.step``). A pass
        that does not replay to the saved numbers is not shown. False when the
        expression cannot be evaluated (the error shows as for typed input).
        """
        options = data.options or {}
        self.apply_inputs(data)
        self.tensors, self._defined, self._output_source = {}, {}, None
        self._unlogged = set()
        self.output = self.graph = None
        self._set_pass(None)
        self.history = []
        ok = self.forward()
        history = [dict(entry) for entry in data.history]
        self.history = history
        if ok:
            self._set_saved_grads(history)
            self._replay_last_pass(history, data.passes)
            self.history = history
        self.passes_run = data.passes
        self.shown_pass = data.passes if self.backward_pass is not None else None
        self.step = max(-1, min(int(data.step), self.last_step))
        selected = options.get("selected")
        self.selected = selected if isinstance(selected, str) and self.graph is not None \
            and selected in self.graph else None
        self._changed("inputs_changed")
        self._changed("graph_changed")
        self._changed("history_changed")
        self._changed("pass_changed")
        self._changed("selection_changed")
        self._changed("step_changed", self.step)
        return ok

    def apply_inputs(self, data) -> None:
        """The variables, expression and options of a ``SessionData`` (nothing evaluated)."""
        options = data.options or {}
        variables = dict(data.variables) or {"x": DEFAULT_X}
        if "x" not in variables:
            variables = {"x": DEFAULT_X, **variables}
        self.retain_graph = bool(data.retain_graph)
        self.reuse_graph = _option(options, "reuse_graph", bool, False)
        switched = _option(options, "requires_grad_on", str, "").split(",")
        self.set_inputs(variables=variables,
                        expression=data.expression if data.expression is not None
                        else self.expression,
                        x_requires_grad=_option(options, "x_requires_grad", bool, True),
                        grad_switches={name: True for name in switched if name in variables})

    def restore_history(self, history: list, passes: int) -> None:
        """Use saved ``.grad`` states (a lesson's, after its cells ran again)."""
        self.history = [dict(entry) for entry in history]
        self.passes_run = int(passes)
        self.shown_pass = self.passes_run if self.steps else None
        self._changed("history_changed")

    def _set_saved_grads(self, history: list, states: dict | None = None) -> None:
        """Each leaf's ``.grad`` as ``states`` (leaf -> values or None), else its last state."""
        import engine

        last = {}
        for entry in history:
            last[entry["leaf"]] = entry["after"]
        last.update(states or {})
        for name, tensor in self._leaves():
            if name not in last:
                continue
            saved = last[name]
            if saved is None:
                tensor.grad = None
                continue
            array = np.asarray(saved, dtype=str(tensor.dtype).replace("torch.", ""))
            if array.shape == tuple(tensor.shape):
                tensor.grad = engine.tensor(array)
        self.grads_before = self._leaf_grads()

    def _replay_last_pass(self, history: list, passes: int) -> None:
        """Run the last pass again from the states before it; keep it if it agrees."""
        import engine

        entries = [entry for entry in history
                   if entry["event"] == "backward" and entry["pass"] == passes]
        if not entries or self.output is None:
            return
        before, after = {}, {}
        for entry in entries:
            before.setdefault(entry["leaf"], entry["before"])
            after[entry["leaf"]] = entry["after"]
        self._set_saved_grads(history, before)
        output = self.output
        try:
            gradient = engine.ones_like(output) if output.numel() != 1 else None
            backward_pass = engine.BackwardPass(output, gradient, retain_graph=self.retain_graph)
        except (RuntimeError, ValueError, TypeError):
            self._set_saved_grads(history)
            return
        drive(backward_pass)
        grads = {name: tensor.grad for name, tensor in self._leaves()}
        agrees = all(name in grads and _same(grads[name], saved)
                     for name, saved in after.items())
        if not agrees:
            self._set_saved_grads(history)
            return
        self._set_pass(backward_pass)

    def zero_grad(self) -> bool:
        """``leaf.grad.zero_()`` for every leaf whose ``.grad`` exists (x, w, b, ...).

        Not while the graph shows a lesson's pass: its tensors belong to the lesson, which
        must go on printing what PyTorch prints.
        """
        if self.lesson_pass:
            self._fail("runtime", None, "", "Zero grad works on the tensors defined above; "
                       "this graph is the lesson's (its cells zero their own gradients)",
                       None, None)
            return False
        zeroed = False
        for name, leaf in self._leaves():
            if leaf.grad is None:
                continue
            before = values(leaf.grad)
            leaf.grad.zero_()
            self._record(name, "zero", leaf, before=before, after=values(leaf.grad))
            zeroed = True
        if not zeroed:
            self._fail("runtime", None, "AttributeError",
                       "'NoneType' object has no attribute 'zero_' (.grad is None until the "
                       "first backward)", None, None)
            return False
        self.edits += 1
        self.clear_error()
        self._set_pass(None)
        self._changed("history_changed")
        self._changed("pass_changed")
        self._changed("step_changed", self.step)
        return True

    # ---- the animation position and the selection -------------------------------------------

    @property
    def last_step(self) -> int:
        return len(self.steps) - 1

    def set_step(self, index: int) -> None:
        """Show the picture after ``steps[0..index]`` (clamped to -1 .. last step)."""
        index = max(-1, min(int(index), self.last_step))
        if index != self.step:
            self.step = index
            self._changed("step_changed", index)

    def select(self, key: str | None) -> None:
        """Inspect a node of the graph (None: nothing)."""
        key = key if self.graph is not None and key in self.graph else None
        if key != self.selected:
            self.selected = key
            self._changed("selection_changed")

    def state(self, index: int | None = None):
        """The last pass's ``engine.PassState`` after ``steps[0..index]`` (default: the step
        shown), or None when no pass is shown."""
        if self.backward_pass is None:
            return None
        index = self.step if index is None else index
        return self.backward_pass.state_at(max(-1, min(int(index), self.last_step)))

    def grad_at(self, key: str, index: int | None = None):
        """Leaf ``key``'s ``.grad`` (array or None) after ``steps[0..index]`` of the last pass."""
        state = self.state(index)
        data = self.graph.nodes[key] if self.graph is not None and key in self.graph else {}
        tensor = data.get("tensor")
        if state is not None and any(leaf is tensor for leaf in state.leaves):
            return state.grad(tensor)
        return self.grads_before.get(key)

    def freed_at(self, index: int | None = None) -> set:
        """Keys of the nodes whose saved tensors are freed after ``steps[0..index]``."""
        state = self.state(index)
        if state is None:
            return set(self.freed_before)
        return self._keys(state.freed)

    def step_of(self, key: str) -> int | None:
        """The index of the step where node ``key`` ran in the last pass, or None."""
        if self.graph is None:
            return None
        ids = self.graph.graph["ids"]
        for step in self.steps:
            if ids.get(id(step.node)) == key:
                return step.index
        return None

    def picture_context(self) -> dict:
        """What the graph picture needs besides (graph, steps, index): the nodes freed and
        each leaf's ``.grad`` when the pass began, the node that failed and the error."""
        return {"freed_before": set(self.freed_before), "grads_before": dict(self.grads_before),
                "failed": self.failed_key, "error": self.error_text}

    # ---- errors ------------------------------------------------------------------------------

    def clear_error(self) -> None:
        if self.error is not None:
            self.error = None
            self._changed("error_changed")

    def report(self, message: str, type_name: str = "") -> None:
        """Show a message where the inputs are (a file that cannot be opened, say)."""
        self._fail("runtime", None, type_name, message, None, None)

    def report_unexpected(self, error: BaseException) -> None:
        """Show an error nobody expected (the window's exception hook calls this)."""
        self._fail("unexpected", None, type(error).__name__, str(error), None, None)

    def _fail(self, kind, field, type_name, message, offset, source, *, non_scalar=False):
        self.error = {"kind": kind, "field": field, "type": type_name,
                      "message": " ".join(str(message).split()), "offset": offset,
                      "source": source, "non_scalar": bool(non_scalar)}
        self._changed("error_changed")

    # ---- the .grad history -------------------------------------------------------------------

    @property
    def grad_history(self) -> dict:
        """``{leaf: [state, ...]}``: None or a numpy array per state, in order (a leaf the
        expression made, with no definition of its own, starts from its state before the
        first pass reached it)."""
        states: dict[str, list] = {}
        for entry in self.history:
            if entry["leaf"] not in states and entry["event"] != "define":
                states[entry["leaf"]] = [_array(entry["before"], entry["dtype"])]
            states.setdefault(entry["leaf"], []).append(_array(entry["after"], entry["dtype"]))
        return states

    def is_pending(self, entry: dict) -> bool:
        """True for a state of the last pass that the animation has not reached yet."""
        return (entry["event"] == "backward" and entry["pass"] == self.shown_pass
                and self.shown_pass is not None and bool(self.steps)
                and entry["step"] > self.step)

    def _record(self, leaf: str, event: str, tensor, *, before=None, added=None, after=None,
                step=None, source=None) -> None:
        if event == "backward" and source is None:
            source = self.expression
        self.history.append({
            "leaf": leaf, "event": event, "pass": self.passes_run if event == "backward" else None,
            "step": step, "expression": source,
            "dtype": str(tensor.dtype).replace("torch.", ""),
            "before": before, "added": added, "after": after,
        })

    # ---- helpers -----------------------------------------------------------------------------

    def _set_pass(self, backward_pass) -> None:
        """Show ``backward_pass`` from its first step (None: no pass, the graph as it is)."""
        self.backward_pass = backward_pass
        self.step = -1
        if backward_pass is None:
            self.shown_pass = None
            self.steps = []
            self.failed_key = self.error_text = None
            self.freed_before = self._freed_nodes()
            self.grads_before = self._leaf_grads()
            return
        start = backward_pass.state_at(-1)
        self.steps = list(backward_pass.steps)
        self.freed_before = self._keys(start.freed)
        grads = self._leaf_grads()  # leaves the pass does not reach: as they are
        for leaf, grad in zip(start.leaves, start.grads_before):
            key = self._key(leaf)
            if key is not None:
                grads[key] = None if grad is None else np.array(grad)
        self.grads_before = grads
        failed = backward_pass.failed_node
        self.failed_key = self._key(failed) if failed is not None else None
        error = backward_pass.error
        self.error_text = None if error is None else f"{type(error).__name__}: {error}"

    def _key(self, item) -> str | None:
        return self.graph.graph["ids"].get(id(item)) if self.graph is not None else None

    def _keys(self, items) -> set:
        return {key for key in (self._key(item) for item in items) if key is not None}

    def _leaves(self) -> list:
        """(name, tensor) of every leaf that requires grad: the variables, then the graph's."""
        leaves, seen = [], set()
        for name, tensor in self.tensors.items():
            if tensor.requires_grad and tensor.is_leaf:
                leaves.append((name, tensor))
                seen.add(id(tensor))
        if self.graph is not None:
            for key, data in self.graph.nodes(data=True):
                tensor = data.get("tensor")
                if data.get("role") == "leaf" and id(tensor) not in seen:
                    leaves.append((data.get("label", key), tensor))
                    seen.add(id(tensor))
        return leaves

    def leaf_name(self, leaf) -> str:
        """The name the session shows for a leaf tensor (its variable, else its graph label)."""
        for name, tensor in self.tensors.items():
            if tensor is leaf:
                return name
        key = self._key(leaf)
        return self.graph.nodes[key].get("label", key) if key else "leaf"

    def _leaf_grads(self) -> dict:
        grads = {}
        if self.graph is None:
            return grads
        for key, data in self.graph.nodes(data=True):
            if data.get("role") == "leaf":
                grad = data["tensor"].grad
                grads[key] = None if grad is None else np.array(grad.detach().numpy())
        return grads

    def _freed_nodes(self) -> set:
        if self.graph is None:
            return set()
        return {key for key, data in self.graph.nodes(data=True)
                if data.get("node") is not None and data["node"].is_freed}


def values(array_or_tensor):
    """Plain nested lists of floats (JSON-ready), or None.

    >>> values(np.arange(3.0)), values(None)
    ([0.0, 1.0, 2.0], None)
    """
    if array_or_tensor is None:
        return None
    if hasattr(array_or_tensor, "detach"):
        array_or_tensor = array_or_tensor.detach().numpy()
    return np.asarray(array_or_tensor, dtype=float).tolist()


def _array(saved, dtype: str):
    return None if saved is None else np.asarray(saved, dtype=dtype)


def _option(options: dict, name: str, kind, default):
    value = options.get(name, default)
    return value if isinstance(value, kind) else default


def _same(tensor, saved) -> bool:
    """A ``.grad`` (tensor or None) equals saved values (nested lists or None)."""
    if tensor is None or saved is None:
        return tensor is None and saved is None
    array = np.asarray(tensor.detach().numpy(), dtype=float)
    expected = np.asarray(saved, dtype=float)
    return array.shape == expected.shape and np.allclose(array, expected, equal_nan=True)


def drive(backward_pass):
    """Run a pass to its end one step at a time; the node whose step raised, or None."""
    while not backward_pass.done:
        try:
            backward_pass.step()
        except Exception:  # kept in backward_pass.error, shown where it happened
            return backward_pass.failed_node
    return None
