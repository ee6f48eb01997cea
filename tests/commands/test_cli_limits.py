"""Issue 11's command-line limits, as users hit them: real processes with a timeout, every
one counted for tracebacks; bad input is exit 2 and one line on stderr.

Terminals that cannot show every character (a redirected Windows console is cp1252, a bare
container ASCII) and file names that are not UTF-8 must never crash a command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def main_py(*args, cwd, env=None, timeout=60):
    environment = {**os.environ, **(env or {})}
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                            cwd=cwd, env=environment, timeout=timeout)
    assert b"Traceback" not in result.stderr, result.stderr.decode("utf-8", "replace")
    return result


def assert_bad_input(result):
    assert result.returncode == 2
    assert result.stderr.startswith(b"error: ") and result.stderr.count(b"\n") == 1


LESSON = '# %%\nprint("caf\\u00e9 \\u2192 x")\n# %%\nprint("\\ud800")\n# %%\n"\\u00e9"\n'


@pytest.mark.parametrize("encoding", ["ascii", "cp1252", "utf-8:strict"])
def test_a_lesson_printing_any_text_runs_on_a_narrow_terminal(tmp_path, encoding):
    (tmp_path / "lesson.py").write_text(LESSON, encoding="utf-8")
    result = main_py("run", "lesson.py", cwd=tmp_path, env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode(encoding.split(":")[0])
    assert out.count("# %% [") == 3
    if encoding == "ascii":
        assert "caf\\xe9 \\u2192 x" in out  # escaped, not lost, not a crash
    assert "\\ud800" in out


@pytest.mark.skipif(os.name != "posix", reason="byte file names are POSIX's")
@pytest.mark.parametrize("env", [{"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"},
                                 {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"},
                                 {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"}])
def test_check_on_a_file_name_that_is_not_utf8(tmp_path, env):
    lesson = os.path.join(os.fsencode(tmp_path), b"\xff.py")
    with open(lesson, "w", encoding="utf-8") as stream:
        stream.write(LESSON)
    result = main_py("check", os.fsdecode(b"\xff.py"), cwd=tmp_path, env=env)
    assert result.returncode == 0
    assert result.stdout == b"\\xff.py: OK, lesson with 3 code cells\n"
    for missing in (b"\xff.json", b"\xfe.py"):
        result = main_py("check", os.fsdecode(missing), cwd=tmp_path, env=env)
        assert_bad_input(result)
        assert b"\\x" + missing[:1].hex().encode() in result.stderr


def test_a_lesson_just_over_the_limit_in_four_byte_characters_is_too_long(tmp_path):
    from engine.interpreter.lesson import MAX_LESSON_LENGTH

    path = tmp_path / "emoji.py"
    path.write_text("#" + "\U0001f600" * MAX_LESSON_LENGTH, encoding="utf-8")
    for command in ("check", "run"):
        result = main_py(command, "emoji.py", cwd=tmp_path)
        assert_bad_input(result)
        assert b"too long" in result.stderr and b"UTF-8" not in result.stderr


TRACE = ("trace", "--x", "arange(4.0)", "--expr", "x.sum()")


@pytest.mark.skipif(os.name != "posix", reason="symbolic links as on POSIX")
def test_trace_json_and_save_write_through_links_atomically(tmp_path):
    (tmp_path / "real").mkdir()
    for name in ("passes.json", "session.json"):
        (tmp_path / "real" / name).write_text("old")
        (tmp_path / name).symlink_to(os.path.join("real", name))
    result = main_py(*TRACE, "--json", "passes.json", "--save", "session.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("passes.json", "session.json"):
        assert (tmp_path / name).is_symlink()
        assert (tmp_path / "real" / name).read_text().startswith("{")
    assert [p.name for p in tmp_path.rglob("*.tmp")] == []
    assert main_py("check", "session.json", cwd=tmp_path).returncode == 0


def test_trace_json_into_a_missing_folder_is_one_line(tmp_path):
    (tmp_path / "passes.json").write_text("old")
    result = main_py(*TRACE, "--json", "nowhere/passes.json", cwd=tmp_path)
    assert_bad_input(result)
    assert b"cannot write" in result.stderr


WIDE_LESSON = """# %%
import torch
x = torch.ones(20000, requires_grad=True)
y = torch.stack(x.unbind()).sum()
y.backward()
print(x.grad.sum())
"""


def test_run_trace_caps_each_step_s_edges_with_a_marker(tmp_path):
    (tmp_path / "wide.py").write_text(WIDE_LESSON, encoding="utf-8")
    result = main_py("run", "wide.py", "--trace", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("utf-8")
    assert "tensor(20000.)" in out
    assert "[19] 1 -> UnbindBackward0; \u2026 (19,980 more edges)" in out
    assert len(out) < 5_000  # was 600 KB (35 MB for a million edges)


@pytest.mark.parametrize("command", [[], ["--json"], ["--out", "graph.png"]])
def test_trace_and_export_refuse_a_graph_too_large_to_draw(tmp_path, command):
    verb = "export" if "--out" in command else "trace"
    result = main_py(verb, "--x", "ones(20000)", "--expr", "stack(x.unbind()).sum()",
                     *command, cwd=tmp_path)
    assert_bad_input(result)
    assert b"the graph is too large to draw: more than 10,000 edges" in result.stderr
    assert result.stdout == b"" and not (tmp_path / "graph.png").exists()
