# Lesson 5: no_grad, detach and retain_grad
#
# no_grad() stops recording; detach() cuts a tensor out of the graph;
# retain_grad() keeps the gradient of an intermediate (non-leaf) tensor.

# %%
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
with torch.no_grad():
    z = x * 2
print(z.requires_grad)
print(z.grad_fn)

# %%
# detach(): the same values, no history; the gradient stops there
h = x * x
d = h.detach()
print(d.requires_grad)
y = (h + d).sum()
y.backward()
x.grad

# %%
# retain_grad(): intermediate gradients are normally not kept
x.grad = None
h = x * x
h.retain_grad()
y = (3 * h).sum()
y.backward()
print(h.grad)
print(x.grad)

# %%
print(h.is_leaf, x.is_leaf)
