"""Capture and restore every global random number generator, in a checkpoint-safe form.

The states are stored as tensors, ints, floats and lists only, so that a checkpoint holding them
loads with ``torch.load(..., weights_only=True)`` (NumPy's state is a NumPy array, which would
need unpickling).
"""

from __future__ import annotations

import random
import warnings
from typing import Any

import numpy as np
import torch

__all__ = ["get_rng_state", "set_rng_state"]


def get_rng_state() -> dict[str, Any]:
    """The state of Python's ``random``, NumPy's global RNG, torch's CPU RNG and CUDA RNGs."""
    version, internal, gauss_next = random.getstate()
    kind, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    return {
        "python": {"version": version, "internal": list(internal), "gauss_next": gauss_next},
        "numpy": {
            "kind": str(kind),
            # uint32 key as int64: exact, and a dtype every torch version stores.
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
        "torch": torch.get_rng_state(),
        # One state per CUDA device; only when CUDA is already in use, so that saving never
        # initialises CUDA in a CPU-only run.
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else [],
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the generators from a dict made by :func:`get_rng_state`."""
    py = state["python"]
    random.setstate((py["version"], tuple(py["internal"]), py["gauss_next"]))
    npy = state["numpy"]
    np.random.set_state(
        (
            npy["kind"],
            npy["keys"].numpy().astype(np.uint32),
            npy["pos"],
            npy["has_gauss"],
            npy["cached_gaussian"],
        )
    )
    torch.set_rng_state(state["torch"].cpu())
    cuda = list(state.get("cuda", []))
    if cuda:
        if not torch.cuda.is_available():
            warnings.warn(
                "the checkpoint holds CUDA random states but CUDA is not available here; "
                "the run continues, but not bit-for-bit as it would have on the GPU",
                stacklevel=2,
            )
        else:
            count = min(len(cuda), torch.cuda.device_count())
            for index in range(count):
                torch.cuda.set_rng_state(cuda[index].cpu(), index)
