# Lesson 4: freeing the graph, and retain_graph
#
# After backward(), PyTorch frees what the graph's nodes saved for the backward pass.
# A second backward works only through nodes that saved nothing.

# %%
import torch

x = torch.arange(4.0, requires_grad=True)
u = x.sum()
u.backward()
u.backward()
x.grad

# %%
# SumBackward0 saved nothing but a shape, so the second pass simply accumulates again.
# DotBackward0 saved its inputs; they are freed after the first backward.
y = 2 * torch.dot(x, x)
y.backward()
y.backward()

# %%
x.grad

# %%
# retain_graph=True keeps the saved tensors for another pass
x.grad = None
y = 2 * torch.dot(x, x)
y.backward(retain_graph=True)
y.backward()
x.grad
