"""The three lesson formats: percent, sphinx-gallery (PyTorch's tutorials) and .ipynb."""

import json

import pytest

from engine.interpreter.lesson import LessonRunner, parse_lesson
from engine.interpreter.source import ExpressionError

SPHINX = '''# -*- coding: utf-8 -*-
"""
A tutorial
==========

Its introduction.
"""
import torch

x = torch.ones(2, requires_grad=True)

######################################################################
# A section
# ---------
#
# Some text about ``y``.

y = (x * 3).sum()
y.backward()
print(x.grad)

######################################################################
# Text only, then nothing.

######################################################################

# %%
# A ``# %%`` block: its comments are text too.
x.grad.zero_()
'''


def test_a_sphinx_gallery_tutorial_has_text_and_code_cells():
    lesson = parse_lesson(SPHINX, filename="tutorial.py")
    assert lesson.format == "sphinx-gallery"
    kinds = [(cell.kind, cell.lineno) for cell in lesson.cells]
    assert kinds == [("markdown", 1), ("code", 8), ("markdown", 13), ("code", 17),
                     ("markdown", 23), ("markdown", 28), ("code", 29)]
    assert lesson.cells[0].markdown == "A tutorial\n==========\n\nIts introduction."
    assert lesson.cells[2].markdown.startswith("A section\n---------")
    shown = [result.shown for result in LessonRunner(lesson).run_all()]
    assert shown[3] == "tensor([3., 3.])\n"
    assert shown[6] == "tensor([0., 0.])\n"


def test_a_percent_file_with_a_docstring_is_read_as_sphinx_gallery_too():
    lesson = parse_lesson('"""Title."""\nimport torch\n# %%\nprint(1)\n')
    assert [cell.kind for cell in lesson.cells] == ["markdown", "code", "code"]
    assert lesson.cells[0].markdown == "Title."


def notebook(*cells, nbformat=4):
    return json.dumps({"nbformat": nbformat, "nbformat_minor": 5, "metadata": {},
                       "cells": list(cells)})


def test_a_notebook_runs_its_code_cells_and_shows_its_markdown():
    source = notebook(
        {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "text"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["import torch\n", "torch.arange(3.0)"]},
        {"cell_type": "raw", "metadata": {}, "source": "raw text"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": "%matplotlib inline"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": "print('after')"})
    lesson = parse_lesson(source, filename="n.ipynb")
    assert lesson.format == "notebook" and lesson.source == source
    assert [cell.kind for cell in lesson.cells] == ["markdown", "code", "markdown", "code",
                                                   "code"]
    assert lesson.cells[0].markdown == "# Title\ntext"
    shown = [result.shown for result in LessonRunner(lesson).run_all()]
    assert shown[1] == "tensor([0., 1., 2.])\n"
    assert shown[3].startswith("ExpressionError: syntax error")  # a magic fails its cell only
    assert shown[4] == "after\n"


@pytest.mark.parametrize("source, says", [
    (notebook(nbformat=3), "nbformat 3"),
    ("[]", "the top level must be an object"),
    ("{", "invalid JSON"),
    ('{"cells": [], "cells": []}', "appears twice"),
    (notebook({"cell_type": "widget", "source": ""}), "cell_type 'widget'"),
    (notebook({"cell_type": "code", "source": [1, 2]}), "'source' must be"),
    (notebook(*[{"cell_type": "code", "source": "1"}] * 2001), "2,001 cells"),
])
def test_a_malformed_notebook_is_one_line(source, says):
    with pytest.raises(ExpressionError) as caught:
        parse_lesson(source, filename="bad.ipynb")
    assert says in str(caught.value) and caught.value.filename == "bad.ipynb"


def test_a_python_lesson_that_starts_with_a_dict_is_no_notebook():
    lesson = parse_lesson('{"cells": 1}\nprint("py")\n', filename="dict.py")
    assert lesson.format == "percent"
    assert LessonRunner(lesson).run_all()[0].output == "py\n"
