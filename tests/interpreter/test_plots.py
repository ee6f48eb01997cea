"""matplotlib.pyplot in lessons: recorded as data, drawn Qt-free, saved by ``run --plots``."""

import pytest

from engine.interpreter.lesson import LessonRunner, parse_lesson
from engine.interpreter.plots import MAX_FIGURES

PLOT = ("# %%\nimport torch\nimport matplotlib.pyplot as plt\n"
        "x = torch.linspace(-1, 1, 50, requires_grad=True)\ny = (x ** 3).sum()\ny.backward()\n"
        "plt.plot(x.detach(), x.grad, label='dy/dx')\nplt.xlabel('x')\nplt.legend()\nplt.show()\n"
        "# %%\nprint('no plot here')\n")


def test_a_cell_records_its_figures_and_the_next_cell_starts_clean():
    first, second = LessonRunner(parse_lesson(PLOT)).run_all()
    assert first.error is None
    (figure,) = first.plots
    assert [call.name for call in figure.calls] == ["plot", "xlabel", "legend"]
    xs, ys = figure.calls[0].args
    assert len(xs) == 50 and ys[0] == pytest.approx(3.0)
    assert second.plots == ()


def test_plots_show_the_same_under_real_torch():
    torch = pytest.importorskip("torch")
    ours = LessonRunner(parse_lesson(PLOT)).run_all()[0].plots
    theirs = LessonRunner(parse_lesson(PLOT), module=torch).run_all()[0].plots
    assert ours[0].calls[0].args[1] == pytest.approx(theirs[0].calls[0].args[1])


@pytest.mark.parametrize("source, says", [
    ("import torch\nimport matplotlib.pyplot as plt\nplt.plot(torch.ones(3, requires_grad=True))",
     "Can't call numpy() on Tensor that requires grad"),
    ("import matplotlib.pyplot as plt\nplt.plot([1, 2], evil=1)", "unexpected keyword argument"),
    ("import matplotlib.pyplot as plt\nplt.savefig('x.png')", "no attribute 'savefig'"),
    ("import matplotlib.pyplot as plt\nfor i in range(100):\n    plt.figure()\n    plt.plot([i])",
     f"more than {MAX_FIGURES}"),
    ("import matplotlib.pyplot as plt\nplt.plot(list(range(300000)))", "plots too large"),
])
def test_what_a_plot_may_not_do_fails_its_cell(source, says, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (result,) = LessonRunner(parse_lesson(source)).run_all()
    assert says in result.error
    assert not list(tmp_path.iterdir())


def test_run_plots_saves_each_figure_as_png(tmp_path, capsys):
    from gui.commands.cli import main

    lesson = tmp_path / "plot.py"
    lesson.write_text(PLOT, encoding="utf-8")
    assert main(["run", str(lesson), "--plots", str(tmp_path / "figures")]) == 0
    out = capsys.readouterr().out
    (path,) = (tmp_path / "figures").iterdir()
    assert path.name == "cell-1-1.png" and path.read_bytes()[:4] == b"\x89PNG"
    assert f"[figure saved: {path}]" in out
