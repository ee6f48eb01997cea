# Lesson 6: one neuron, one step of gradient descent
#
# prediction = sigmoid(w @ x + b), loss = (prediction - target) ** 2.
# backward() fills w.grad and b.grad; a step moves w and b against them under no_grad,
# and the grads are zeroed before the next step because backward() accumulates.

# %%
import torch

x = torch.tensor([1.0, 2.0])
target = torch.tensor(1.0)
w = torch.tensor([0.5, -0.5], requires_grad=True)
b = torch.tensor(0.1, requires_grad=True)
lr = 0.5

# %%
prediction = torch.sigmoid(w @ x + b)
loss = (prediction - target) ** 2
loss

# %%
loss.backward()
print(w.grad)
print(b.grad)

# %%
# One gradient-descent step. no_grad: the update itself must not be recorded.
with torch.no_grad():
    w -= lr * w.grad
    b -= lr * b.grad
print(w)
print(b)

# %%
# Zero the grads, or the next backward adds to the old ones
w.grad.zero_()
b.grad.zero_()
loss = (torch.sigmoid(w @ x + b) - target) ** 2
loss

# %%
loss.backward()
print(w.grad)
print(b.grad)

# %%
# A few more steps: the loss goes down
for _ in range(5):
    loss = (torch.sigmoid(w @ x + b) - target) ** 2
    w.grad.zero_()
    b.grad.zero_()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
loss
