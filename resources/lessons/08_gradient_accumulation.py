# Lesson 8: gradient accumulation over micro-batches
#
# Lesson 1 ended on "backward() adds to .grad". Here is what that is good for: when a
# batch does not fit in memory, run it in pieces (micro-batches), call backward() on
# each, and let .grad add them up. One optimizer step afterwards sees the gradient of
# the whole batch, provided each piece's loss is divided by the number of pieces.

# %%
import torch

# Four samples of two features, their targets, and the weights of a linear model.
x = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5], [-2.0, 1.0]])
target = torch.tensor([1.0, 0.0, 2.0, -1.0])
w = torch.tensor([0.5, -0.25], requires_grad=True)

# %% [markdown]
# ### The whole batch at once
#
# The loss is the mean squared error over all four samples: one backward pass.

# %%
loss = ((x @ w - target) ** 2).mean()
loss.backward()
full_batch_grad = w.grad.clone()
full_batch_grad

# %% [markdown]
# ### Two micro-batches of two samples, without dividing
#
# Start from an empty `.grad`, then one backward per micro-batch. After the first
# pass `.grad` holds the first half's gradient; the second pass adds the second half's.

# %%
w.grad = None
for start in (0, 2):
    loss = ((x[start:start + 2] @ w - target[start:start + 2]) ** 2).mean()
    loss.backward()
    print(w.grad)

# %%
# Each micro-batch's loss is a mean over 2 samples, so the sum of the two is twice the
# mean over 4: the accumulated gradient is twice too large.
print(torch.allclose(w.grad, full_batch_grad))
print(torch.allclose(w.grad / 2, full_batch_grad))

# %% [markdown]
# ### Divided by the number of micro-batches
#
# Dividing each loss by 2 (the number of micro-batches) turns the sum of the two means
# into the mean over all four samples, so the accumulated gradient is the full batch's.

# %%
w.grad = None
micro_batches = 2
for start in (0, 2):
    loss = ((x[start:start + 2] @ w - target[start:start + 2]) ** 2).mean()
    (loss / micro_batches).backward()
    print(w.grad)

# %%
torch.allclose(w.grad, full_batch_grad)

# %% [markdown]
# The values here are exact in binary, so even `torch.equal` agrees. With other numbers
# the two ways add in a different order and may differ in the last bit, which is why
# `torch.allclose` is the comparison to use.

# %%
torch.equal(w.grad, full_batch_grad)
