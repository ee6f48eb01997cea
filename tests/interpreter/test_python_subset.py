"""The Python that tutorials use, run by the interpreter, against real Python and real torch.

The lesson below touches every construct issue 10 lists (def with defaults, *args and
keyword-only arguments, closures, recursion, lambda, while/break/continue, for over
zip/enumerate/dict.items()/tensors with unpacking, comprehensions, f-strings with
format specs, % and str.format, try/except/finally/raise, assert, classes with
super().__init__(), an nn.Module subclass trained by optim.SGD, @torch.no_grad(),
math, numpy, pprint, hooks). It runs in the app and under real Python with torch
(``tests/tutorials/oracle.py``, a child process); every cell must show the same text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import engine
from engine.interpreter.lesson import LessonRunner, load_lesson

ROOT = Path(__file__).resolve().parents[2]

LESSON = '''\
# %%
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
import math
from math import pi, sqrt
import numpy as np
import pprint

# %%
def square(x, power=2, *rest, scale=1.0):
    return scale * x ** power + sum(rest)

print(square(3), square(2, 3, 1, 1), square(2, scale=0.5))
f = lambda a, b=1: a * b + 1
print(f(2), f(2, b=3), (lambda: "no args")())

# %%
def make_counter():
    count = [0]
    def step():
        count[0] += 1
        return count[0]
    return step

c = make_counter()
c(); c()
print(c())

# %%
def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)
print(fact(10), math.factorial(10), round(pi, 4), sqrt(2.0), math.exp(1) == math.e)

# %%
total = 0
n = 0
while True:
    n += 1
    if n % 2 == 0:
        continue
    if n > 9:
        break
    total += n
print(total, n)

# %%
pairs = list(zip([1, 2, 3], "abc"))
for i, (number, letter) in enumerate(pairs):
    print(i, number, letter, end="; ")
print()
d = {"w": 1.5, "b": -2}
for key, value in d.items():
    print(f"{key}={value:+.2f}", end=" ")
print(sorted(d), len(d), list(d.keys()), d.get("z", 0))

# %%
squares = [k * k for k in range(6) if k % 2 == 0]
table = {k: k ** 2 for k in range(4)}
unique = {k % 3 for k in range(10)}
print(squares, table, sorted(unique), sum(k for k in range(5)), max(squares), min(3, 1, 2))

# %%
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
for row in torch.ones(2, 3):
    print(row)
print("%.3f and %d" % (x.sum().item(), 7), "{:.2f} {}".format(1.23456, "ok"), f"{x.grad}")
print(isinstance(x, torch.Tensor), isinstance(3, int), isinstance(d, dict))

# %%
try:
    torch.ones(2) @ torch.ones(3)
except RuntimeError as error:
    print("caught:", str(error)[:30])
finally:
    print("finally ran")
try:
    raise ValueError("bad value")
except (TypeError, ValueError) as error:
    print("ValueError", error)
assert x.shape == (3,), "shape"

# %%
class Point:
    dims = 2

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm(self):
        return math.sqrt(self.x ** 2 + self.y ** 2)

    def __repr__(self):
        return f"Point({self.x}, {self.y})"

class Named(Point):
    def __init__(self, name, x, y):
        super().__init__(x, y)
        self.name = name

p = Named("p", 3, 4)
print(p, p.norm(), p.name, Point.dims, [Point(1, 2)], isinstance(p, Point))

# %%
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, inputs):
        return torch.sigmoid(self.fc(inputs))

net = Net()
with torch.no_grad():
    net.fc.weight.fill_(0.5)
    net.fc.bias.fill_(0.0)
inputs = torch.tensor([[1.0, 2.0], [0.0, -1.0]])
target = torch.tensor([[1.0], [0.0]])
opt = optim.SGD(net.parameters(), lr=0.1)
for epoch in range(3):
    opt.zero_grad()
    loss = F.mse_loss(net(inputs), target)
    loss.backward()
    opt.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
print(len(list(net.parameters())), net.fc.weight.grad is not None)

# %%
@torch.no_grad()
def evaluate(model, data):
    return model(data).requires_grad

print(evaluate(net, inputs), net(inputs).requires_grad)

# %%
a = np.linspace(0, 1, 5)
print(np.round(a * 2, 2).tolist(), np.pi > 3, a.shape, float(a.sum()))
pprint.pprint({"b": [1, 2], "a": (3, 4)})
pprint.PrettyPrinter(indent=2).pprint([1, 2])

# %%
h = x.register_hook(lambda g: g * 2)
(x * x).sum().backward()
print(x.grad)
h.remove()
'''


def test_every_construct_shows_what_python_and_torch_show(tmp_path):
    pytest.importorskip("torch")
    path = tmp_path / "python_subset.py"
    path.write_text(LESSON, encoding="utf-8")
    lesson = load_lesson(path)
    assert lesson.refusals == ()
    engine.manual_seed(0)
    runner = LessonRunner(lesson)
    ours = [runner.run_cell(cell.index).shown if cell.kind == "code" else None
            for cell in lesson.cells]
    done = subprocess.run([sys.executable, "-m", "tests.tutorials.oracle", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    theirs = json.loads(done.stdout)
    assert len(ours) == len(theirs) == 14
    for index, (mine, reference) in enumerate(zip(ours, theirs)):
        assert mine == reference, f"cell {index}"
