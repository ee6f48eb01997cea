# Lesson 7: gradients through Python control flow
#
# After "Dive into Deep Learning", section 2.5.4 "Gradients and Python Control Flow"
# (d2l.ai, d2l-ai/d2l-en; text CC BY-SA 4.0, code under its modified MIT licence):
# written anew for this app. The graph autograd records is the one the code *ran*:
# a while loop that doubled b eleven times records eleven multiplications, and the
# branch an if took is the only one in the graph.

# %% [markdown]
# `f` doubles its input until the norm passes 1000, then keeps it or scales it by 100.
# Whatever path it took, `f(a)` is `k * a` for some number `k`: so the gradient is `k`,
# which is `d / a`.

# %%
import torch


def f(a):
    b = a * 2
    steps = 1
    while b.norm() < 1000:
        b = b * 2
        steps += 1
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c, steps


# %%
a = torch.tensor(0.75, requires_grad=True)
d, steps = f(a)
print(f"f doubled a {steps} times: d = {d.item():.1f}")
d.backward()
a.grad

# %%
a.grad == d / a

# %% [markdown]
# A negative input takes the other branch: the extra `* 100` is in the graph this time.

# %%
a = torch.tensor(-0.75, requires_grad=True)
d, steps = f(a)
d.backward()
print(f"{steps} doublings, then * 100: grad = {a.grad.item():.0f}")
d.grad_fn.name(), a.grad == d / a
