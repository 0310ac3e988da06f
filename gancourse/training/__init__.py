"""Training support shared by every chapter: the loop, checkpoints and random states.

``Trainer`` runs a chapter's ``step_fn`` (one D step and one G step for a GAN) with a progress
bar, a history of the logged values, a clear stop at the first NaN/inf and checkpoints that resume
a run exactly. ``save_checkpoint``/``load_checkpoint`` are the atomic, checksummed files it uses.
"""

from gancourse.training.checkpoint import (
    CheckpointError,
    checksum_path,
    load_checkpoint,
    save_checkpoint,
)
from gancourse.training.rng import get_rng_state, set_rng_state
from gancourse.training.trainer import History, NonFiniteLossError, TrainConfig, Trainer

__all__ = [
    "CheckpointError",
    "History",
    "NonFiniteLossError",
    "TrainConfig",
    "Trainer",
    "checksum_path",
    "get_rng_state",
    "load_checkpoint",
    "save_checkpoint",
    "set_rng_state",
]
