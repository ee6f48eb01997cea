"""Clean state between free mode and lessons: the canvas and the history start afresh, the
history numbers passes without gaps, names outputs as the code does, logs only what ran,
and the save question comes only when something the user made would be lost."""

from __future__ import annotations

from gui.resources import LESSONS_DIR

LESSON_1 = LESSONS_DIR / "01_autograd_basics.py"
LESSON_2 = LESSONS_DIR / "02_chain_rule.py"
LESSON_6 = LESSONS_DIR / "06_one_neuron.py"


def titles(window) -> list[str]:
    from gui.window.panels.history_view import what_happened

    return [what_happened(entry) for entry in window.session.history]


def asked(window, monkeypatch) -> list:
    questions = []
    window.files.unsaved_answer = None
    monkeypatch.setattr(window.files, "_ask_blocking",
                        lambda: questions.append(window.files._question_text()) or "discard")
    return questions


def test_opening_a_lesson_starts_from_a_clean_canvas_and_history(window):
    window.backward()
    window.backward()
    assert window.session.graph is not None and window.session.passes_run == 2
    window.open_path(str(LESSON_1))
    session = window.session
    assert session.graph is None and session.steps == [] and session.history == []
    assert session.passes_run == 0 and session.tensors == {}
    assert window.graph_view.picture is None  # no old graph with old .grad boxes


def test_closing_a_lesson_gives_back_a_fresh_free_mode(window):
    window.open_path(str(LESSON_1))
    window.lessons.run_all_action.trigger()
    window.passes.skip_to_last()
    assert window.session.passes_run == 3
    window.close_lesson()
    session = window.session
    assert session.graph is not None and not session.lesson_pass
    assert titles(window) == ["x = arange(4.0)"]  # x defined afresh: its .grad is None
    assert session.tensors["x"].grad is None
    window.backward()
    assert titles(window)[-1].startswith("backward 1:")


def test_a_failed_pass_takes_no_number(window):
    window.session.reuse_graph = True
    window.inputs.load_from_session()
    assert window.backward()
    assert not window.backward()  # torch: backward through the graph a second time
    window.inputs.reuse_graph_check.setChecked(False)
    assert window.backward()
    numbers = [entry["pass"] for entry in window.session.history if entry["event"] == "backward"]
    assert numbers == [1, 2]
    assert [t.split(":")[0] for t in titles(window)] == ["x = arange(4.0)", "backward 1",
                                                        "backward 2"]


def test_a_placeholder_variable_never_run_is_not_in_the_history(window):
    window.inputs.add_button.click()
    assert "w" in window.session.variables
    window.backward()
    assert [entry["leaf"] for entry in window.session.history] == ["x", "x"]
    window.inputs.expression_input.setText("(w * x).sum()")
    window.backward()
    leaves = [entry["leaf"] for entry in window.session.history]
    assert leaves.count("w") == 2 and leaves.index("w") > 1  # logged once the graph used it


def test_a_loop_s_passes_are_named_as_the_code_names_them(window):
    window.open_path(str(LESSON_6))
    window.lessons.run_all_action.trigger()
    window.passes.skip_to_last()
    sources = {entry["expression"] for entry in window.session.history
               if entry["event"] == "backward"}
    assert sources == {"loss.backward()"}


def test_switching_built_in_lessons_asks_nothing(window, monkeypatch):
    questions = asked(window, monkeypatch)
    assert window.files.open_interactively(str(LESSON_1))
    window.lessons.next_action.trigger()
    window.lessons.next_action.trigger()
    window.passes.skip_to_last()
    assert window.files.open_interactively(str(LESSON_2))
    assert questions == [] and window.lesson.path == str(LESSON_2)


def test_the_question_comes_when_the_user_s_own_work_would_be_lost(window, monkeypatch):
    questions = asked(window, monkeypatch)
    window.backward()  # a pass of the user's own: the history a session file keeps
    assert window.files.open_interactively(str(LESSON_1))
    assert questions == ["Save the changes to this session?"]
    window.inputs.expression_input.setText("x.sum()")
    window.inputs.commit()  # typed inputs are the user's too
    assert window.files.open_interactively(str(LESSON_2))
    assert len(questions) == 2


def test_the_lessons_panel_keeps_the_width_it_was_dragged_to(window, qtbot, settings):
    from gui.window.main_window import MainWindow

    window.open_path(str(LESSON_1))
    sizes = window.main_splitter.sizes()
    window.main_splitter.setSizes([380, sum(sizes) - 380 - sizes[2], sizes[2]])
    window.main_splitter.splitterMoved.emit(380, 1)  # as a drag of the handle reports it
    window.close_lesson()
    window.open_path(str(LESSON_2))
    assert window.main_splitter.sizes()[0] == 380
    window.save_settings()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    assert again.lessons_width == 380


def test_the_step_caption_stays_readable_at_1280_with_a_lesson_open(window, qtbot):
    window.resize(1280, 800)
    window.open_path(str(LESSON_1))
    window.lessons.run_all_action.trigger()
    window.passes.skip_to_last()
    window.session.set_step(window.session.last_step)
    qtbot.wait(50)
    label = window.playback.step_label
    last = len(window.session.steps)
    assert label.text() == f"step {last} of {last}: AccumulateGrad"
    assert label.shown_text() in (label.text(), f"{last}/{last} AccumulateGrad")  # not "step 2 o…"


def test_long_code_and_outputs_wrap_in_the_lessons_panel(window, qtbot, tmp_path):
    lesson = tmp_path / "long.py"
    long_line = "x = torch.arange(4.0, requires_grad=True)" + " " * 10 + "# " + "note " * 30
    lesson.write_text(f"import torch\n# %%\n{long_line}\nprint('value ' * 40)\n"
                      "(x * 2).sum().backward()\nx.grad\n")
    window.open_path(str(lesson))
    window.lessons.run_all_action.trigger()
    window.lessons.refresh()
    qtbot.wait(50)
    view = window.lessons.cells_view
    assert view.horizontalScrollBar().maximum() == 0  # nothing cut, no sideways scrolling
    text = window.lessons.plain_text()
    assert "↪" in text and "value value" in text
