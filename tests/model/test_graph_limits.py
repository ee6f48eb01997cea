"""Issue 11: a graph over the documented size is refused in one line, quickly, never built
(a node with a million edges took 140 s in to_networkx, a million-node graph 3.6 GB to
lay out); the session says why where the error shows."""

from __future__ import annotations

import time

import pytest

import engine
from engine.graph import (
    MAX_GRAPH_EDGES,
    MAX_GRAPH_NODES,
    GraphTooLargeError,
    graph_too_large,
    to_networkx,
)
from gui.model.session import SessionModel


def chain(functions: int):
    """x -> AccumulateGrad and ``functions`` MulBackward0 nodes: functions + 3 graph nodes."""
    x = engine.ones(3, requires_grad=True)
    y = x
    for _ in range(functions):
        y = y * 1.0
    return y


def wide(edges: int):
    """One StackBackward0 with ``edges`` next_functions."""
    return engine.stack(engine.ones(edges, requires_grad=True).unbind()).sum()


def test_the_limits_are_exact():
    fits = chain(MAX_GRAPH_NODES - 3)  # output, the chain, AccumulateGrad, the leaf
    assert graph_too_large(fits) is None
    assert len(to_networkx(fits)) == MAX_GRAPH_NODES
    over = chain(MAX_GRAPH_NODES - 2)
    assert "more than 2,000 nodes" in graph_too_large(over)
    with pytest.raises(GraphTooLargeError, match="too large to draw"):
        to_networkx(over)
    edges = MAX_GRAPH_EDGES - 4  # + output->sum, sum->stack, unbind->acc, acc->leaf
    assert graph_too_large(wide(edges)) is None
    assert "more than 10,000 edges" in graph_too_large(wide(edges + 1))


def test_counting_stops_at_the_limit_whatever_the_size():
    big = wide(100_000)
    started = time.perf_counter()
    for _ in range(10):
        line = graph_too_large(big)
    elapsed = time.perf_counter() - started
    assert line.count("\n") == 0 and "10,000 edges" in line
    assert elapsed < 5.0  # ~1 ms each: bounded by the limit, not the graph (generous)


def test_the_session_refuses_a_huge_graph_in_one_line_and_keeps_working():
    session = SessionModel()
    session.set_inputs(variables={"x": "ones(20000)"}, expression="stack(x.unbind()).sum()",
                       x_requires_grad=True)
    assert not session.forward()
    assert session.error["message"].startswith("the graph is too large to draw")
    assert not session.backward()
    session.set_inputs(variables={"x": "ones(3)"}, expression="x.sum()", x_requires_grad=True)
    assert session.backward() and session.error is None and len(session.graph) == 4


def test_a_lesson_s_huge_pass_is_refused_and_the_last_graph_stays():
    session = SessionModel()
    session.set_inputs(variables={"x": "ones(3)"}, expression="x.sum()", x_requires_grad=True)
    assert session.forward()
    shown = session.graph
    with engine.record_passes() as passes:
        wide(20_000).backward()
    session.show_pass(passes[0], {})
    assert session.graph is shown
    assert "too large to draw" in session.error["message"]
