"""The lessons panel renders what fits, shows a cell's plots, and stays quick (issues 10, 11)."""

import time

import pytest

from gui.window.panels.lessons_panel import MAX_CELLS_SHOWN, MAX_LINE_SHOWN


def open_text(session, tmp_path, text, name="lesson.py"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert session.open(path), session.error
    return path


def test_a_cell_plot_is_shown_under_the_cell(session, panel, tmp_path):
    open_text(session, tmp_path, "import torch\nimport matplotlib.pyplot as plt\n"
              "x = torch.linspace(0, 1, 5)\nplt.plot(x, x ** 2, label='x²')\n"
              "plt.title('squares')\nplt.show()\n")
    (result,) = session.run_all()
    assert result.error is None and len(result.plots) == 1
    assert [call.name for call in result.plots[0].calls] == ["plot", "title"]
    panel.refresh()
    html = panel.cells_view.toHtml()
    assert "<img src=\"plot:" in html
    url = html.split("<img src=\"", 1)[1].split("\"", 1)[0]
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    image = panel.cells_view.document().resource(QTextDocument.ImageResource, QUrl(url))
    assert image is not None and image.width() > 100


def test_long_lines_and_outputs_are_cut_with_a_marker_and_render_quickly(session, panel,
                                                                          tmp_path):
    cells = "".join("# %%\nprint('y' * 99000)\n" for _ in range(30))
    open_text(session, tmp_path, "# %%\nprint('x' * 100000)\n" + cells
              + "# %%\nassert False, 'z' * 900000\n")
    session.run_all()
    start = time.perf_counter()
    panel.refresh()
    assert time.perf_counter() - start < 3.0
    text = panel.plain_text()
    assert "more characters)" in text
    assert max(len(line) for line in text.split("\n")) <= MAX_LINE_SHOWN + 40
    assert "AssertionError: zzz" in text


def test_12000_cells_render_a_window_around_the_next_one(qtbot, session, panel, tmp_path):
    open_text(session, tmp_path, "".join(f"#%%\nv={i}\n" for i in range(12000)))
    start = time.perf_counter()
    panel.refresh()
    first = time.perf_counter() - start
    for _ in range(3):
        session.run_next()
    start = time.perf_counter()
    panel.refresh()
    again = time.perf_counter() - start
    assert first < 3.0 and again < 3.0, (first, again)
    assert len(panel._fragments) == MAX_CELLS_SHOWN
    text = panel.plain_text()
    assert "11,700 more cells below" in text and "v=2" in text
    session.run_all()
    text = panel.plain_text()
    assert "cells above" in text and "v=11999" in text


NOTEBOOK = """{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
 {"cell_type": "markdown", "metadata": {}, "source": ["# A notebook\\n", "Text *here*."]},
 {"cell_type": "code", "metadata": {}, "execution_count": 3, "outputs": [{"output_type":
  "stream", "name": "stdout", "text": ["stale output, ignored"]}],
  "source": ["import torch\\n", "x = torch.arange(3.0, requires_grad=True)\\n", "x"]},
 {"cell_type": "code", "metadata": {}, "outputs": [], "source": "(x * x).sum().backward()\\nx.grad"}
]}"""


def test_a_notebook_opens_in_the_window_and_runs(window, tmp_path):
    path = tmp_path / "lesson.ipynb"
    path.write_text(NOTEBOOK, encoding="utf-8")
    assert window.open_path(str(path))
    results = window.lesson.run_all()
    shown = [result.shown for result in results]
    assert shown == ["", "tensor([0., 1., 2.], requires_grad=True)\n", "tensor([0., 2., 4.])\n"]
    text = window.lessons.plain_text()
    assert "A notebook" in text and "stale output" not in text


@pytest.mark.parametrize("broken, says", [
    ("{", "invalid JSON"),
    ('{"nbformat": 3, "cells": []}', "nbformat 3"),
    ('{"nbformat": 4, "cells": {}}', "'cells' must be a list"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}', "'source' must be"),
    ('{"nbformat": 4, "nbformat": 4, "cells": []}', "appears twice"),
    ('{"nbformat": 4, "cells": [' + "[" * 50 + "]" * 50 + "]}", "nested more than 20 levels"),
    ('{"nbformat": 4, "cells": [1]}', "cell 1 is not an object"),
])
def test_a_malformed_notebook_is_refused_in_one_line(session, tmp_path, broken, says):
    path = tmp_path / "broken.ipynb"
    path.write_text(broken, encoding="utf-8")
    assert not session.open(path)
    assert says in session.error and "\n" not in session.error
