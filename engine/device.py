"""Devices: everything lives on the CPU, and the code tutorials write for a GPU still runs.

``torch.device("cpu")``, ``x.to(device)``, ``torch.cuda.is_available()`` (False),
``torch.backends.mps.is_available()`` and ``torch.accelerator.is_available()`` (False),
``torch.set_default_device("cpu")``; asking for CUDA gives torch's CPU-build error.

>>> import engine as torch
>>> device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
>>> device, str(device), torch.ones(2).to(device).device
(device(type='cpu'), 'cpu', device(type='cpu'))
>>> torch.ones(2, device="cuda")
Traceback (most recent call last):
...
AssertionError: Torch not compiled with CUDA enabled
"""

from __future__ import annotations

__all__ = ["device", "Namespace", "as_device", "check_device", "cuda", "backends", "accelerator",
           "set_default_device", "get_default_device", "NO_CUDA_MESSAGE"]

NO_CUDA_MESSAGE = "Torch not compiled with CUDA enabled"

_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:  # noqa: N801 - torch's name
    """``torch.device``: a type (``'cpu'``, ``'cuda'``, ...) and an optional index."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - torch's names
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        elif not isinstance(type, str):
            raise TypeError(
                f"device() received an invalid combination of arguments - got "
                f"({builtin_type(type).__name__}), but expected one of:\n"
                " * (torch.device device)\n"
                "      didn't match because some of the arguments have invalid types: "
                f"(!{builtin_type(type).__name__}!)\n * (str type, int index = -1)\n")
        kind, _, number = type.partition(":")
        if kind not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of "
                               f"device string: {type}")
        if number:
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(number)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = kind, index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        return (isinstance(other, device) and other.type == self.type
                and other.index == self.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


builtin_type = type
CPU = device("cpu")


def as_device(value) -> device:
    return value if isinstance(value, device) else device(value)


def check_device(value) -> None:
    """``device=`` as factories and ``.to`` take it: the CPU, or torch's error for others."""
    if value is None:
        return
    wanted = as_device(value)
    if wanted.type == "cuda":
        raise AssertionError(NO_CUDA_MESSAGE)
    if wanted.type == "mps":
        raise RuntimeError("PyTorch is not linked with support for mps devices")
    if wanted.type != "cpu":
        raise RuntimeError(f"the engine computes on the CPU only, not on '{wanted.type}'")


def set_default_device(value) -> None:
    """``torch.set_default_device``: only the CPU (or None) is accepted."""
    check_device(value)


def get_default_device() -> device:
    return CPU


class Namespace:
    """A small stand-in for one of torch's submodules (``torch.cuda``, ...)."""

    def __init__(self, name: str, **functions):
        self._name = name
        for key, value in functions.items():
            setattr(self, key, value)

    def __repr__(self) -> str:
        return f"<module '{self._name}'>"


def _false() -> bool:
    return False


def _zero() -> int:
    return 0


def _no_cuda(*_args, **_kwargs):
    raise AssertionError(NO_CUDA_MESSAGE)


def _nothing(*_args, **_kwargs) -> None:
    return None


def _is_available() -> bool:
    """False: the engine has no GPU."""
    return False


cuda = Namespace("torch.cuda", is_available=_is_available, device_count=_zero,
                  current_device=_no_cuda, get_device_name=_no_cuda,
                  manual_seed=_nothing, manual_seed_all=_nothing, synchronize=_no_cuda)
backends = Namespace("torch.backends",
                      mps=Namespace("torch.backends.mps", is_available=_is_available,
                                     is_built=_false),
                      cuda=Namespace("torch.backends.cuda", is_built=_false))
accelerator = Namespace("torch.accelerator", is_available=_is_available,
                         current_accelerator=_nothing, device_count=_zero)
