"""One function that makes a run repeatable."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int, *, deterministic: bool = False) -> torch.Generator:
    """Seed Python's ``random``, NumPy and PyTorch (CPU and every CUDA device).

    The same seed gives the same numbers on the CPU. ``deterministic=True`` also asks PyTorch for
    deterministic kernels (slower on a GPU; some operations then raise if they have no
    deterministic version). Returns a fresh ``torch.Generator`` seeded with ``seed`` for code that
    prefers an explicit generator to the global one.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    return torch.Generator().manual_seed(seed)
