# A training loop, 2,000 steps of gradient descent (the benchmark's lesson; held back from
# resources/lessons until the picture reads its 14-node graph whole at 1280x800)
#
# After PyTorch's tutorial "PyTorch: Tensors and autograd" (pytorch/tutorials,
# beginner_source/examples_autograd/polynomial_autograd.py, BSD-3-Clause): written anew
# for this app. A cubic a + b x + c x^2 + d x^3 learns sin(x) on 2,000 points; every
# step runs forward, backward() fills the four .grad buffers, the update runs under
# no_grad, and the buffers are set to None so the next backward starts from scratch.

# %%
import math

import torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
a, b, c, d = (torch.zeros((), requires_grad=True) for _ in range(4))
learning_rate = 1e-6
print(f"{len(x)} points, loss to start: {(y ** 2).sum().item():.2f}")

# %%
for step in range(2000):
    prediction = a + x * (b + x * (c + x * d))  # a + b x + c x^2 + d x^3
    loss = (prediction - y).pow(2).sum()
    if step % 500 == 499:
        print(f"step {step + 1}: loss {loss.item():.1f}")
    loss.backward()
    with torch.no_grad():
        for weight in (a, b, c, d):
            weight -= learning_rate * weight.grad
            weight.grad = None

# %% [markdown]
# The fit: sin(x) is odd, so b and d carry it and a and c stay near zero.

# %%
print(f"y = {b.item():.3f} x + {d.item():.3f} x^3, and a, c near zero:",
      abs(a.item()) < 0.01 and abs(c.item()) < 0.01)
loss.grad_fn.name()
