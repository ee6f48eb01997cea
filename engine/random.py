"""Random numbers: ``torch.Generator``, ``manual_seed`` and the default generator.

The engine draws from numpy's generator: the same distributions as torch, other numbers.
``manual_seed`` returns the default generator, as torch does (its repr is torch's).

>>> import engine as torch
>>> torch.manual_seed(0)
<torch._C.Generator object at 0x...>
>>> torch.initial_seed()
0
>>> g = torch.Generator().manual_seed(3)
>>> torch.rand(2, generator=g).shape
torch.Size([2])
"""

from __future__ import annotations

import numpy as np

from engine.device import CPU, check_device

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "generator_of"]

_DEFAULT_SEED = 67280421310721  # torch's default_rng_seed_val


class Generator:
    """``torch.Generator``: a seeded source of random numbers (CPU only)."""

    def __init__(self, device="cpu"):
        check_device(device)
        self.device_type = "cpu"
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self):
        return CPU

    def manual_seed(self, seed) -> Generator:
        seed = int(seed)
        self._initial = seed
        self.rng = np.random.default_rng(seed % 2 ** 64)
        return self

    def initial_seed(self) -> int:
        return self._initial

    def seed(self) -> int:
        """Re-seed from the operating system; returns the new seed."""
        new = int(np.random.SeedSequence().entropy % 2 ** 63)
        self.manual_seed(new)
        return new

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {id(self):#x}>"


default_generator = Generator()


def manual_seed(seed) -> Generator:
    """Seed the default generator and return it, as ``torch.manual_seed`` does."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def generator_of(generator: Generator | None) -> np.random.Generator:
    """numpy's generator behind ``generator=`` (the default one for None)."""
    return (default_generator if generator is None else generator).rng
