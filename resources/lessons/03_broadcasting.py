# Lesson 3: broadcasting, and how a bias's gradient is summed back
#
# Adding a bias b of shape (3,) to a matrix of shape (2, 3) uses b twice, once per row.
# Every use sends a gradient back, so b.grad is the sum over the broadcast rows.

# %%
import torch

W = torch.ones(2, 3, requires_grad=True)
b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = W * 2 + b
out

# %%
loss = out.sum()
loss.backward()
print(W.grad)
print(b.grad)

# %%
# b.grad is the upstream gradient summed over the broadcast dimension (the 2 rows)
upstream = torch.ones(2, 3)
upstream.sum(dim=0)

# %%
# A column bias of shape (2, 1) is broadcast over the 3 columns instead
c = torch.zeros(2, 1, requires_grad=True)
(W * c + c).sum().backward()
c.grad
