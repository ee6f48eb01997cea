# Lesson 9: a training loop with nn.Linear and SGD, and where zero_grad goes
#
# The loop every PyTorch course writes: forward, loss, zero_grad, backward, step.
# nn.Linear holds the weights as Parameters, the optimizer updates them, and because
# backward() adds to .grad (lesson 1), optimizer.zero_grad() must clear it on every
# step. What happens without it is shown at the end.

# %%
import torch
from torch import nn

# The data follow target = 2 * x0 - x1 + 1 exactly: the loop should find those numbers.
x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
target = torch.tensor([[3.0], [0.0], [2.0], [4.0]])

# %%
# nn.Linear(2, 1) starts from random weights; set them to fixed values so the lesson
# prints the same every time (and the same as PyTorch).
def fresh_model():
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight[:] = torch.tensor([[0.5, 0.5]])
        model.bias.zero_()
    return model


model = fresh_model()
model

# %%
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
print(model.weight)
print(model.weight.grad)

# %% [markdown]
# ### One step, in the usual order
#
# `zero_grad()` before `backward()`, `step()` after it. `step()` moves each parameter
# against its `.grad`: `weight -= lr * weight.grad`.

# %%
optimizer.zero_grad()
loss = loss_fn(model(x), target)
loss.backward()
print(loss)
print(model.weight.grad)
print(model.bias.grad)

# %%
optimizer.step()
print(model.weight)
print(model.bias)

# %% [markdown]
# In PyTorch 2.x `zero_grad()` sets every `.grad` to `None` (it does not write zeros);
# the next `backward()` then stores a fresh gradient. `zero_grad(set_to_none=False)`
# keeps the tensors and fills them with zeros instead.

# %%
optimizer.zero_grad()
print(model.weight.grad)

# %% [markdown]
# ### The loop
#
# Five more steps (the loss printed is the one each step starts from): it goes down.

# %%
for step in range(2, 7):
    optimizer.zero_grad()
    loss = loss_fn(model(x), target)
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss {loss.item():.3f}")

# %% [markdown]
# ### Without zero_grad
#
# Forget `zero_grad()` and every `backward()` adds the new gradient to the old ones.
# Three backward passes of the same loss, no step in between: `.grad` is once, twice,
# three times the gradient.

# %%
optimizer.zero_grad(set_to_none=False)
print(model.weight.grad)
loss = loss_fn(model(x), target)
for _ in range(3):
    loss.backward(retain_graph=True)
    print(model.weight.grad)

# %% [markdown]
# In a loop, each `step()` then moves the weights by the sum of every gradient so far,
# not by the current one. The same six steps from the same start, once without
# `zero_grad()`: the loss no longer goes steadily down, it swings.

# %%
model = fresh_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(1, 7):
    loss = loss_fn(model(x), target)
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss {loss.item():.3f}")
