# Lesson 2: the chain rule on scalars
#
# y = sin(x ** 2). By hand, the chain rule gives dy/dx = cos(x ** 2) * 2 * x.
# Autograd computes the same thing one node at a time: PowBackward0 multiplies the
# incoming gradient by 2 * x, SinBackward0 multiplies it by cos(x ** 2).

# %%
import torch

x = torch.tensor(1.5, requires_grad=True)
u = x ** 2
y = torch.sin(u)
y

# %%
# The graph, read from the output back to the leaf
print(y.grad_fn.name())
print(y.grad_fn.next_functions[0][0].name())
print(u.grad_fn.next_functions[0][0].variable is x)

# %%
# The derivative by hand
with torch.no_grad():
    by_hand = torch.cos(x ** 2) * 2 * x
by_hand

# %%
# The derivative by autograd: the same number
y.backward()
x.grad

# %%
print(torch.allclose(x.grad, by_hand))
