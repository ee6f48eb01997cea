"""torch.nn and torch.optim against torch 2.13.0: values, grads, grad_fn names, reprs, errors.

Layers start from the same weights in both libraries (load_state_dict of fixed values):
the engine's random initialisation draws other numbers than torch's.
"""

from __future__ import annotations

from collections import OrderedDict

import pytest
from test_parity import check

torch = pytest.importorskip("torch")

W1 = [[0.5, -0.25, 0.75], [-0.5, 0.125, 0.3], [0.2, 0.4, -0.6], [0.1, -0.9, 0.35]]
B1 = [0.1, -0.2, 0.05, 0.0]
W2 = [[0.3, -0.7, 0.2, 0.45]]
B2 = [-0.15]
X = [[1.0, 2.0, -1.0], [0.5, -0.5, 1.5], [-1.0, 0.25, 0.75]]
Y = [[1.0], [0.0], [0.5]]


def _linear(t, weight=W1, bias=B1):
    layer = t.nn.Linear(len(weight[0]), len(weight), bias=bias is not None)
    state = {"weight": t.tensor(weight)}
    if bias is not None:
        state["bias"] = t.tensor(bias)
    layer.load_state_dict(state)
    return layer


def _model(t):
    model = t.nn.Sequential(t.nn.Linear(3, 4), t.nn.ReLU(), t.nn.Linear(4, 1), t.nn.Sigmoid())
    model.load_state_dict(OrderedDict([("0.weight", t.tensor(W1)), ("0.bias", t.tensor(B1)),
                                       ("2.weight", t.tensor(W2)), ("2.bias", t.tensor(B2))]))
    return model


def _net_class(t):
    class Net(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = t.nn.Linear(3, 4)
            self.out = t.nn.Linear(4, 1)
            self.act = t.nn.Tanh()

        def forward(self, x):
            return self.out(self.act(self.hidden(x)))
    net = Net()
    net.hidden.load_state_dict({"weight": t.tensor(W1), "bias": t.tensor(B1)})
    net.out.load_state_dict({"weight": t.tensor(W2), "bias": t.tensor(B2)})
    return net


# ----------------------------------------------------------------- modules

def _forward_backward(model_of, loss_of):
    def snippet(t):
        model = model_of(t)
        out = model(t.tensor(X))
        loss = loss_of(t, out)
        loss.backward()
        return out, loss, tuple((name, p, p.grad) for name, p in model.named_parameters())
    return snippet


MODULES = {
    "linear_batch": lambda t: _linear(t)(t.tensor(X)),
    "linear_vector": lambda t: _linear(t)(t.tensor(X[0])),
    "linear_vector_with_grad": lambda t: _linear(t)(t.tensor(X[0], requires_grad=True)),
    "linear_no_bias": lambda t: _linear(t, bias=None)(t.tensor(X)),
    "functional_linear": lambda t: t.nn.functional.linear(t.tensor(X), t.tensor(W1),
                                                          t.tensor(B1)),
    "linear_repr": lambda t: (repr(t.nn.Linear(3, 2)), repr(t.nn.Linear(2, 2, bias=False))),
    "parameter_repr": lambda t: repr(t.nn.Parameter(t.tensor([1.0, 2.0]))),
    "parameter": lambda t: (t.nn.Parameter(t.ones(2)), t.nn.Parameter(t.ones(2)).is_leaf,
                            isinstance(t.nn.Parameter(t.ones(2)), t.Tensor),
                            t.nn.Parameter(t.ones(2), requires_grad=False).requires_grad),
    "sequential_repr": lambda t: repr(t.nn.Sequential(
        t.nn.Linear(3, 4), t.nn.ReLU(), t.nn.Linear(4, 1), t.nn.Sigmoid(), t.nn.Tanh(),
        t.nn.Softmax(dim=1), t.nn.Flatten())),
    "loss_reprs": lambda t: tuple(repr(m) for m in (
        t.nn.MSELoss(), t.nn.CrossEntropyLoss(), t.nn.BCELoss(), t.nn.BCEWithLogitsLoss(),
        t.nn.L1Loss(), t.nn.ReLU(inplace=True))),
    "class_repr": lambda t: repr(_net_class(t)),
    "named_parameters": lambda t: tuple(name for name, _ in _net_class(t).named_parameters()),
    "parameters": lambda t: tuple(_model(t).parameters()),
    "children_and_modules": lambda t: (tuple(repr(m) for m in _net_class(t).children()),
                                       len(list(_net_class(t).modules()))),
    "train_eval": lambda t: (lambda net: (net.training, net.eval().training,
                                          net.hidden.training, net.train().training))(
        _net_class(t)),
    "state_dict": lambda t: tuple(_model(t).state_dict().items()),
    "load_state_dict_result": lambda t: repr(_linear(t).load_state_dict(
        {"weight": t.ones(4, 3), "bias": t.zeros(4)})),
    "load_state_dict_missing": lambda t: _linear(t).load_state_dict({"weight": t.ones(4, 3)}),
    "sequential_indexing": lambda t: (repr(_model(t)[0]), len(_model(t)),
                                      repr(_model(t)[1:3])),
    "missing_forward": lambda t: t.nn.Module()(t.ones(1)),
    "sequential_forward_backward": _forward_backward(
        _model, lambda t, out: t.nn.MSELoss()(out, t.tensor(Y))),
    "class_forward_backward": _forward_backward(
        _net_class, lambda t, out: t.nn.functional.mse_loss(out, t.tensor(Y))),
    "zero_grad_sets_none": lambda t: _zero_grad(t, True),
    "zero_grad_to_zeros": lambda t: _zero_grad(t, False),
}


def _zero_grad(t, set_to_none):
    model = _model(t)
    model(t.tensor(X)).sum().backward()
    model.zero_grad(set_to_none=set_to_none)
    return tuple(p.grad for p in model.parameters())


@pytest.mark.parametrize("name", MODULES)
def test_modules(name):
    check(MODULES[name])


# ----------------------------------------------------------------- losses and functional

LOGITS = [[0.5, -1.0, 0.25], [2.0, 0.3, -0.7]]


def _loss_and_grad(loss_of):
    def snippet(t):
        x = t.tensor(LOGITS, requires_grad=True)
        loss = loss_of(t, x)
        if loss.dim():  # weights, so that no gradient is only rounding noise
            loss.backward(t.linspace(-1.0, 1.5, loss.numel()).reshape(tuple(loss.shape)))
        else:
            loss.backward()
        return loss, x.grad
    return snippet


LOSSES = {
    "mse": lambda t, x: t.nn.MSELoss()(x, t.ones(2, 3)),
    "mse_sum": lambda t, x: t.nn.functional.mse_loss(x, t.ones(2, 3), reduction="sum"),
    "mse_none": lambda t, x: t.nn.functional.mse_loss(x, t.ones(2, 3), reduction="none"),
    "l1": lambda t, x: t.nn.L1Loss()(x, t.ones(2, 3)),
    "l1_sum": lambda t, x: t.nn.functional.l1_loss(x, t.ones(2, 3), reduction="sum"),
    "cross_entropy": lambda t, x: t.nn.CrossEntropyLoss()(x, t.tensor([0, 2])),
    "cross_entropy_sum": lambda t, x: t.nn.functional.cross_entropy(x, t.tensor([1, 2]),
                                                                   reduction="sum"),
    "cross_entropy_none": lambda t, x: t.nn.functional.cross_entropy(x, t.tensor([1, 0]),
                                                                    reduction="none"),
    "cross_entropy_probabilities": lambda t, x: t.nn.functional.cross_entropy(
        x, t.tensor([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]])),
    "cross_entropy_one_sample": lambda t, x: t.nn.functional.cross_entropy(x[0],
                                                                          t.tensor(1)),
    "nll": lambda t, x: t.nn.NLLLoss()(t.nn.functional.log_softmax(x, dim=1),
                                       t.tensor([2, 1])),
    "bce": lambda t, x: t.nn.BCELoss()(t.sigmoid(x), t.tensor([[1.0, 0.0, 1.0],
                                                                [0.0, 0.5, 1.0]])),
    "bce_with_logits": lambda t, x: t.nn.BCEWithLogitsLoss()(x, t.tensor([[1.0, 0.0, 1.0],
                                                                           [0.0, 0.5, 1.0]])),
    "bce_with_logits_sum": lambda t, x: t.nn.functional.binary_cross_entropy_with_logits(
        x, t.zeros(2, 3), reduction="sum"),
    "softmax_module": lambda t, x: t.nn.Softmax(dim=1)(x),
    "log_softmax_functional": lambda t, x: t.nn.functional.log_softmax(x, dim=1),
    "functional_activations": lambda t, x: (t.nn.functional.relu(x) + t.nn.functional.sigmoid(x)
                                            + t.nn.functional.tanh(x)),
    "flatten": lambda t, x: t.nn.Flatten(0)(x),
    "cross_entropy_bad_class": lambda t, x: t.nn.functional.cross_entropy(x, t.tensor([0, 3])),
    "bad_reduction": lambda t, x: t.nn.functional.mse_loss(x, x, reduction="avg"),
}


@pytest.mark.parametrize("name", LOSSES)
def test_losses(name):
    check(_loss_and_grad(LOSSES[name]))


def test_softmax_without_dim_warns_as_torch():
    check(lambda t: t.nn.functional.softmax(t.tensor([1.0, 2.0])))


# ----------------------------------------------------------------- optimizers

def _training(optimizer_of, steps=3, zero=True):
    def snippet(t):
        model = _model(t)
        optimizer = optimizer_of(t, model.parameters())
        losses = []
        for _ in range(steps):
            if zero:
                optimizer.zero_grad()
            loss = t.nn.functional.mse_loss(model(t.tensor(X)), t.tensor(Y))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return tuple(losses), tuple(model.parameters()), tuple(p.grad for p in
                                                                model.parameters())
    return snippet


OPTIMIZERS = {
    "sgd": lambda t, p: t.optim.SGD(p, lr=0.1),
    "sgd_momentum": lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9),
    "sgd_dampening": lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.5),
    "sgd_nesterov": lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "sgd_weight_decay": lambda t, p: t.optim.SGD(p, lr=0.1, weight_decay=0.01),
    "sgd_everything": lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.8, weight_decay=0.1,
                                               nesterov=True),
    "sgd_maximize": lambda t, p: t.optim.SGD(p, lr=0.1, maximize=True),
    "adam": lambda t, p: t.optim.Adam(p, lr=0.01),
    "adam_weight_decay": lambda t, p: t.optim.Adam(p, lr=0.01, weight_decay=0.1),
    "adam_amsgrad": lambda t, p: t.optim.Adam(p, lr=0.01, amsgrad=True, betas=(0.8, 0.9)),
    "adamw": lambda t, p: t.optim.AdamW(p, lr=0.01),
    "rmsprop": lambda t, p: t.optim.RMSprop(p, lr=0.01),
    "rmsprop_momentum_centered": lambda t, p: t.optim.RMSprop(p, lr=0.01, momentum=0.5,
                                                            centered=True, weight_decay=0.1),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers(name):
    check(_training(OPTIMIZERS[name]))


def test_without_zero_grad_the_gradients_pile_up():
    check(_training(OPTIMIZERS["sgd"], zero=False))


def _sgd_by_hand(t):
    """The seed lesson's neuron: one step by hand under no_grad, and zero_()."""
    w = t.tensor([0.5, -0.3], requires_grad=True)
    b = t.tensor(0.1, requires_grad=True)
    x = t.tensor([1.0, 2.0])
    loss = (t.sigmoid(w @ x + b) - 1.0) ** 2
    loss.backward()
    with t.no_grad():
        w -= 0.5 * w.grad
        b -= 0.5 * b.grad
    w.grad.zero_()
    return w, b, w.grad, b.grad


OPTIMIZER_API = {
    "sgd_repr": lambda t: repr(t.optim.SGD(_model(t).parameters(), lr=0.1)),
    "sgd_default_repr": lambda t: repr(t.optim.SGD(_model(t).parameters())),
    "adam_repr": lambda t: repr(t.optim.Adam(_model(t).parameters())),
    "rmsprop_repr": lambda t: repr(t.optim.RMSprop(_model(t).parameters())),
    "groups_repr": lambda t: repr(t.optim.SGD([{"params": _model(t)[0].parameters()},
                                               {"params": _model(t)[2].parameters(),
                                                "lr": 0.5}], lr=0.1)),
    "param_group_keys": lambda t: (tuple(t.optim.SGD(_model(t).parameters(), lr=0.1)
                                         .param_groups[0].keys()),
                                   tuple(t.optim.Adam(_model(t).parameters())
                                         .param_groups[0].keys())),
    "zero_grad_sets_none": lambda t: _optimizer_zero_grad(t),
    "momentum_state": lambda t: _momentum_state(t),
    "by_hand": _sgd_by_hand,
    "bad_lr": lambda t: t.optim.SGD(_model(t).parameters(), lr=-0.1),
    "bad_momentum": lambda t: t.optim.SGD(_model(t).parameters(), lr=0.1, momentum=-1),
    "bad_nesterov": lambda t: t.optim.SGD(_model(t).parameters(), lr=0.1, nesterov=True),
    "empty": lambda t: t.optim.SGD([], lr=0.1),
    "a_tensor": lambda t: t.optim.SGD(t.ones(2), lr=0.1),
    "bad_beta": lambda t: t.optim.Adam(_model(t).parameters(), betas=(1.0, 0.9)),
    "bad_eps": lambda t: t.optim.Adam(_model(t).parameters(), eps=-1),
}


def _optimizer_zero_grad(t):
    model = _model(t)
    optimizer = t.optim.SGD(model.parameters(), lr=0.1)
    model(t.tensor(X)).sum().backward()
    optimizer.zero_grad()
    return tuple(p.grad for p in model.parameters())


def _momentum_state(t):
    w = t.nn.Parameter(t.tensor([1.0, -2.0]))
    optimizer = t.optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    optimizer.step()
    return optimizer.state[w]["momentum_buffer"], w


@pytest.mark.parametrize("name", OPTIMIZER_API)
def test_optimizer_api(name):
    check(OPTIMIZER_API[name])
