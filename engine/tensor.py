"""The ``Tensor`` class: a numpy array plus autograd state, behaving like torch.Tensor.

Operations live in ``engine.ops``; this module holds the state (``.grad``,
``.requires_grad``, ``.grad_fn``, hooks) and the Python protocol methods.

>>> import engine as torch
>>> x = torch.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4.])
"""

from __future__ import annotations

import warnings
import weakref

import numpy as np

from engine import dtypes
from engine.autograd.graph import RETAINS_GRAD_HOOK, AccumulateGrad, BackwardPass, CopyBackwards
from engine.device import CPU
from engine.dims import normalize_dim
from engine.grad_mode import is_grad_enabled
from engine.printing import format_tensor

__all__ = ["Tensor", "Size"]

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information. (Triggered "
    "internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)"
)
CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the "
    "parameter and its gradient which can cause a memory leak. We recommend using "
    "autograd.grad when creating the graph to avoid this. If you have to use this function, "
    "make sure to reset the .grad fields of your parameters to None after use to break the "
    "cycle and avoid the leak. (Triggered internally at /__w/pytorch/pytorch/torch/csrc/"
    "autograd/engine.cpp:1307.)")
_warned = {"create_graph": False}
LEAF_IN_PLACE_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."


_C_TYPES = {"float32": "float", "float64": "double", "int64": "long int", "bool": "bool"}
_DTYPES = {d.numpy: d for d in (dtypes.float32, dtypes.float64, dtypes.int64, dtypes.bool_)}


class Size(tuple):
    """A shape, printed as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return "torch.Size([" + ", ".join(str(n) for n in self) + "])"

    __str__ = __repr__

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


class Tensor:
    """An n-dimensional array that can record the operations applied to it."""

    # Class-level defaults: a new tensor sets only its data and dtype (the hot path).
    _requires_grad = False
    grad_fn = None
    _grad = None
    _hooks = None  # the leaf's tensor hooks, as array functions (see engine.hooks)
    _post_accumulate_hooks = None
    _retains_grad = False
    _accumulator_ref = None
    _counter = None  # torch's version counter (a one-item list shared with views), made on demand
    _base = None  # the tensor this one is a view of, as torch's ``._base``
    _output_nr = 0  # which output of grad_fn this is (unbind's outputs count 0, 1, ...)

    __array_priority__ = 1000  # numpy scalars on the left defer to our reflected operators

    def __init__(self, *args, device=None):
        """``torch.Tensor(data)``: float32 values of nested lists (a tensor stays itself);
        ``torch.Tensor(2, 3)``: a 2x3 tensor (torch leaves it uninitialised; here zeros)."""
        if device is not None and str(device) not in ("cpu", "cpu:0"):
            raise AssertionError("Torch not compiled with CUDA enabled")
        if len(args) == 1 and isinstance(args[0], Tensor):
            self._data, self.dtype = args[0]._data, args[0].dtype
            return
        if all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in args):
            if any(n < 0 for n in args):
                raise RuntimeError(f"Trying to create tensor with negative dimension "
                                   f"{min(args)}: [{', '.join(str(n) for n in args)}]")
            data = np.zeros(tuple(int(n) for n in args) if args else (0,), dtype=np.float32)
        elif len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
            try:
                data = np.array(args[0], dtype=np.float32)
            except (TypeError, ValueError) as error:
                raise ValueError(f"new(): {error}") from None
        elif len(args) == 1 and isinstance(args[0], str):
            raise TypeError("new(): invalid data type 'str'")
        elif len(args) == 1:
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        else:
            raise TypeError("new() received an invalid combination of arguments")
        self._data, self.dtype = data, dtypes.float32

    @classmethod
    def _wrap(cls, data, requires_grad: bool = False, grad_fn=None) -> Tensor:
        """A tensor around a numpy array of one of the four dtypes (no copy)."""
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        tensor = object.__new__(cls)
        tensor._data = data
        tensor.dtype = _DTYPES.get(data.dtype) or dtypes.from_numpy_dtype(data.dtype)
        if requires_grad:
            tensor._requires_grad = True
        if grad_fn is not None:
            tensor.grad_fn = grad_fn
        return tensor

    # ----- autograd state -------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            message = "you can only change requires_grad flags of leaf variables."
            if not value:
                message += (" If you want to use a computed variable in a subgraph that doesn't "
                            "require differentiation use var_no_grad = var.detach().")
            raise RuntimeError(message)
        if value and not self.dtype.is_floating_point:
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None and requires_grad:
            return self  # torch allows asking a non-leaf for what it already has
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        if self.grad_fn is not None and not self._retains_grad:
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}")
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_C_TYPES[value.dtype.name]}' "
                    f"to a tensor with grad_dtype '{self.dtype.legacy_name}'. The gradient must "
                    "match the tensor's grad_dtype (defaults to the tensor's dtype). You can set "
                    "the tensor's grad_dtype attribute with a specific dtype, or None to allow "
                    "any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and "
                    "its gradient may break downstream systems that assume they match.")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{_shape_text(value.shape)}' to a "
                    f"tensor of size '{_shape_text(self.shape)}'. Please ensure that the "
                    f"gradient and the tensor are the same size")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        owner = weakref.ref(self)

        def keep_grad(grad) -> None:
            tensor = owner()
            if tensor is not None:
                tensor._store_grad(grad)

        self.grad_fn.add_pre_hook(RETAINS_GRAD_HOOK, keep_grad)
        self._retains_grad = True

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Run the recorded backward pass to the end (see ``engine.BackwardPass``).

        ``gradient`` is the vector of the vector-Jacobian product (required for a non-scalar
        output); ``create_graph`` records the pass itself, so that ``.grad`` has a graph;
        ``inputs`` accumulates into those tensors only.
        """
        if create_graph and not _warned["create_graph"]:  # torch warns once per process
            _warned["create_graph"] = True
            warnings.warn(CREATE_GRAPH_WARNING, UserWarning, stacklevel=2)
        if inputs is not None:
            inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        BackwardPass(self, gradient, retain_graph, keep_steps=False, create_graph=create_graph,
                     inputs=inputs).run()

    def _grad_accumulator(self) -> AccumulateGrad:
        """The leaf's AccumulateGrad node, shared by every graph alive at once (as in torch)."""
        node = self._accumulator_ref() if self._accumulator_ref is not None else None
        if node is None:
            node = AccumulateGrad(self)
            self._accumulator_ref = weakref.ref(node)
        return node

    def _accumulate_grad(self, grad: np.ndarray) -> None:
        self._store_grad(grad)

    def _accumulate_graph_grad(self, grad: Tensor) -> None:
        """A create_graph pass: the first gradient is copied (CopyBackwards), later ones are
        added out of place (AddBackward0), so that ``.grad`` keeps its graph, as in torch."""
        if self._grad is None:
            copy = Tensor._wrap(np.array(grad._data, dtype=self._data.dtype, copy=True))
            if grad._requires_grad:
                copy.grad_fn, copy._requires_grad = CopyBackwards((None, grad)), True
            self._grad = copy
        else:
            self._grad = self._grad + grad

    def _store_grad(self, grad: np.ndarray) -> None:
        """Add into ``.grad`` in place; the first gradient is copied into a new buffer."""
        grad = getattr(grad, "_data", grad)
        if self._grad is None:
            self._grad = Tensor._wrap(np.array(grad, dtype=self._data.dtype, copy=True))
        else:
            buffer = self._grad._data
            np.add(buffer, grad, out=buffer, casting="unsafe")

    # ----- data access ----------------------------------------------------
    @property
    def data(self) -> Tensor:
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        """Swap the values without autograd knowing (no version bump), as torch does."""
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self._requires_grad and not value.dtype.is_floating_point:
            raise RuntimeError("data set to a tensor that requires gradients must be floating "
                               "point or complex dtype")
        self._data = value._data
        self.dtype = value.dtype

    def detach(self) -> Tensor:
        detached = Tensor._wrap(self._data)
        detached._counter = self._version_counter()  # shares memory and versions, as in torch
        return detached

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self) -> np.ndarray:
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    @property
    def device(self):
        return CPU

    is_cuda = False

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *_args, **_kwargs) -> Tensor:
        raise AssertionError("Torch not compiled with CUDA enabled")

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        if self._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def element_size(self) -> int:
        return self._data.itemsize

    # ----- in place -------------------------------------------------------
    def _version_counter(self) -> list:
        """The one-item list holding this tensor's version (shared with its views)."""
        counter = self._counter
        if counter is None:
            counter = self._counter = [0]
        return counter

    @property
    def _version(self) -> int:
        """torch's ``x._version``: how many in-place changes the memory has seen."""
        return self._version_counter()[0]

    def _check_in_place(self) -> None:
        """torch's refusal to modify a leaf that requires grad (or a view of one) in place."""
        if not is_grad_enabled():
            return
        node = self.grad_fn
        if node is not None and node.num_outputs > 1 and self._base is not None:
            raise RuntimeError(
                f"Output {self._output_nr} of {node.forward_name()} is a view "
                "and is being modified inplace. This view is the output of a function that "
                "returns multiple views. Such functions do not allow the output views to be "
                "modified inplace. You should replace the inplace operation by an out-of-place "
                "one.")
        if node is None and self._requires_grad:
            raise RuntimeError(LEAF_IN_PLACE_MESSAGE)
        base = self._base
        if base is not None and base.grad_fn is None and base._requires_grad:
            raise RuntimeError("a view of " + LEAF_IN_PLACE_MESSAGE)

    def _assign_in_place(self, result: Tensor) -> Tensor:
        """Write ``result`` into ``self``'s memory and bump its version, as torch does.

        A recorded op becomes ``self``'s history. A node that saved ``self`` earlier then
        fails torch's version check on backward; the new node keeps a copy of any old
        values it needs (torch's "original self") and watches ``self`` as its output.
        """
        node = result.grad_fn
        if node is not None:
            if self._base is not None:
                raise RuntimeError("an in-place operation on a view of a tensor that is part of "
                                   "a graph is outside the engine's subset")
            node.keep_originals(self._data)
        np.copyto(self._data, result._data, casting="unsafe")
        counter = self._version_counter()
        counter[0] += 1
        if node is not None:
            node.rebind_output(result._data, self._data, counter)
            self.grad_fn = node
            self._requires_grad = True
        return self

    def zero_(self) -> Tensor:
        self._check_in_place()
        self._data[...] = 0
        self._version_counter()[0] += 1
        return self

    def fill_(self, value) -> Tensor:
        self._check_in_place()
        self._data[...] = value
        self._version_counter()[0] += 1
        return self

    # ----- Python protocols -------------------------------------------------
    def __repr__(self) -> str:
        grad_fn_name = None
        if self.grad_fn is not None:  # torch prints C++ nodes without their namespace
            grad_fn_name = self.grad_fn.name().rsplit("::", 1)[-1]
        return format_tensor(self._data, self.dtype.name, requires_grad=self._requires_grad,
                             grad_fn_name=grad_fn_name)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __hash__(self) -> int:
        return id(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def _scalar(self, convert):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return convert(self._data.reshape(()).item())

    def __float__(self) -> float:
        return self._scalar(float)

    def __int__(self) -> int:
        return self._scalar(int)

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)


def _shape_text(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"
