# Lesson 10: gradients of gradients with torch.autograd.grad(create_graph=True)
#
# backward() stores gradients in .grad; torch.autograd.grad() returns them instead.
# With create_graph=True the backward pass is itself recorded as a graph, so the
# gradient it returns has a grad_fn and can be differentiated again: second and third
# derivatives, and Hessian-vector products, without ever writing a Hessian down.

# %%
import torch

# %% [markdown]
# ### autograd.grad returns, backward stores
#
# `torch.autograd.grad(y, x)` gives a tuple with one gradient per input and leaves
# `x.grad` as it was.

# %%
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
(dy_dx,) = torch.autograd.grad(y, x)
print(dy_dx)
print(x.grad)

# %%
# backward() on the same function puts the same number in x.grad, and returns None.
y = x ** 3
y.backward()
x.grad

# %% [markdown]
# ### First, second and third derivative of x ** 3
#
# At x = 2: 3x² = 12, 6x = 12, and 6. `create_graph=True` makes the first derivative a
# tensor with a `grad_fn`: the graph of `3 * x ** 2` that the backward pass built.

# %%
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
(first,) = torch.autograd.grad(y, x, create_graph=True)
first

# %%
(second,) = torch.autograd.grad(first, x, create_graph=True)
second

# %%
# Without create_graph the result is a plain number: the last derivative we need.
(third,) = torch.autograd.grad(second, x)
third

# %%
# None of this touched x.grad.
print(x.grad)

# %% [markdown]
# ### A Hessian-vector product
#
# For f(v) = (v · v)² the gradient is 4 (v · v) v and the Hessian is
# 4 (v · v) I + 8 v vᵀ. Differentiating the gradient again, with `grad_outputs=u`,
# gives H @ u directly: the Hessian itself is never built.

# %%
v = torch.tensor([1.0, 2.0], requires_grad=True)
f = torch.dot(v, v) ** 2
(g,) = torch.autograd.grad(f, v, create_graph=True)
g

# %%
u = torch.tensor([1.0, 0.0])
(hvp,) = torch.autograd.grad(g, v, grad_outputs=u)
hvp

# %%
# The same product with the Hessian written out by hand (v · v = 5 here).
with torch.no_grad():
    hessian = 4 * torch.dot(v, v) * torch.eye(2) + 8 * torch.outer(v, v)
print(hessian)
torch.allclose(hvp, hessian @ u)
