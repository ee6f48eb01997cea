"""One rule for variable names, applied by the table, the session file and the command line."""

import json

import pytest

from engine.interpreter.names import check_variable_name, variable_name_problem
from engine.interpreter.source import ExpressionError

BAD = {
    "for": "variable name 'for' is a Python keyword",
    "__class__": "variable name '__class__' is not allowed: names starting with '_' are private",
    "torch": "variable name 'torch' is not allowed: it names the module",
    "a b": "variable name 'a b' is not a Python identifier in ASCII",
    "é": "variable name 'é' is not a Python identifier in ASCII",
    "": "a variable name is empty",
    "w" * 65: f"variable name '{'w' * 37}...' is longer than 64 characters",
}


@pytest.mark.parametrize("name, message", BAD.items())
def test_the_rule_says_what_is_wrong_in_one_line(name, message):
    assert variable_name_problem(name) == message
    with pytest.raises(ExpressionError) as caught:
        check_variable_name(name)
    assert str(caught.value) == message and caught.value.offset == 0
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("name", ["x", "w", "b2", "hidden_layer", "W", "match", "_"])
def test_ordinary_names_pass(name):
    if name == "_":
        assert variable_name_problem(name) is not None  # '_' is private as every '_' name
    else:
        check_variable_name(name)


def test_not_text_is_refused():
    assert variable_name_problem(3) == "a variable name must be text, not a number"


@pytest.mark.parametrize("name", ["for", "__class__", "torch"])
def test_the_session_file_refuses_with_the_same_message(tmp_path, name):
    from gui.model.session_file import (
        SessionData,
        SessionFileError,
        load_session,
        session_to_json,
    )

    document = session_to_json(SessionData(variables={"x": "arange(4.0)", "w": "ones(4)"},
                                           expression="x.sum()"))
    text = json.dumps(document).replace('"w"', json.dumps(name))
    assert json.dumps(name) in text
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(SessionFileError) as caught:
        load_session(path)
    assert BAD[name] in str(caught.value)


@pytest.mark.parametrize("name", ["for", "__class__"])
def test_the_command_line_refuses_with_the_same_message(capsys, name):
    from gui.commands.cli import main

    status = main(["trace", "--x", "arange(4.0)", "--var", f"{name}=ones(4)", "--expr", "x.sum()"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and BAD[name] in err

