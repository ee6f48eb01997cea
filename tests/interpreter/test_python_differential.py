"""Differential test: small Python programs print the same in the interpreter as in Python.

Hypothesis draws programs from statement templates over the Python subset (numbers,
strings, lists, dicts, functions, loops, comprehensions, exceptions, formatting); each
runs in the lesson interpreter and, as a reference, in real Python (the test's own
generated code, never user text); the printed output and the error type must match.
"""

from __future__ import annotations

import contextlib
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.interpreter.lesson import LessonRunner, parse_lesson

VALUES = ["0", "1", "-2", "3.5", "'ab'", "[1, 2]", "(1, 'x')", "{'k': 1}", "None", "True",
          "[]", "{1, 2}", "'%d'", "2 ** 10"]
NAMES = ["a", "b", "c"]
STATEMENTS = [
    "{n} = {v}", "{n} = {m} + {m}", "{n} = {m} * 2", "{n} = [{m}, {m}]", "print({n})",
    "print({n}, {m}, sep='-', end='!\\n')", "print(f'{{{n}!r}} {{len(str({m}))}}')",
    "{n} = len({m})", "{n} = str({m}) + 'z'", "{n} = [x for x in range(3) if x != 1]",
    "{n} = {{k: k * 2 for k in range(3)}}", "{n} = sorted([3, 1, 2], reverse=True)",
    "{n} = list(zip([1, 2], 'ab'))", "{n} = list(enumerate('xy', 1))",
    "for x in range(3):\n    {n} = x\n    if x == 1:\n        break",
    "while {n}:\n    {n} = 0",
    "def f(p, q=2, *r):\n    return p * q + len(r)\n{n} = f(3) + f(1, 1, 1, 1)",
    "g = lambda z: z * 3\n{n} = g({m})",
    "try:\n    {n} = {m} / 0\nexcept ZeroDivisionError:\n    {n} = 'div'\nfinally:\n    print('f')",
    "try:\n    {n} = {m}[5]\nexcept (IndexError, KeyError, TypeError) as e:\n"
    "    print(str(e)[:12])",
    "{n} = '{{:>6.2f}}'.format(3.14159)", "{n} = '%5.1f|%s' % (2.25, 'q')",
    "{n} = max([1, 5, 3]), min(4, 2), sum([1, 2]), abs(-3), round(2.567, 1)",
    "{n} = {m} if {m} else 'empty'", "{n} = isinstance({m}, (int, list))",
    "{n} = [*range(2), *'ab']", "{n} = 'x' in 'xyz', 3 not in [1, 2]",
    "class K:\n    def __init__(self, v):\n        self.v = v\n    def twice(self):\n"
    "        return self.v * 2\n{n} = K({m}).twice()",
    "assert {m} is not None or True, 'msg'", "{n} = divmod(7, 2)", "{n} = any([0, 1]), all([])",
    "{n} = {m}.get('k', 0) if isinstance({m}, dict) else 0",
]


@st.composite
def programs(draw):
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        template = draw(st.sampled_from(STATEMENTS))
        lines.append(template.format(n=draw(st.sampled_from(NAMES)),
                                     m=draw(st.sampled_from(NAMES)),
                                     v=draw(st.sampled_from(VALUES))))
    prelude = "".join(f"{name} = {draw(st.sampled_from(VALUES))}\n" for name in NAMES)
    return prelude + "\n".join(lines) + "\n"


def python_shows(source: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            exec(compile(source, "<program>", "exec"), {})  # noqa: S102 - the reference
        except Exception as error:  # noqa: BLE001 - compared by type
            return buffer.getvalue() + f"{type(error).__name__}\n"
    return buffer.getvalue()


def interpreter_shows(source: str) -> str:
    (result,) = LessonRunner(parse_lesson(source), time_limit=2.0).run_all()
    error = "" if result.error is None else result.error.split(":")[0] + "\n"
    return result.output + error


@settings(max_examples=400, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_a_program_prints_what_python_prints(source):
    assert interpreter_shows(source) == python_shows(source), source
