"""Run profiles: one setting decides how big every experiment is.

``smoke``    the tests: every notebook in well under a minute on 2 CPU cores, embedded data.
``standard`` the book built on a CPU: each chapter a few minutes, results a reader can see.
``full``     a CUDA GPU (Colab): full MNIST, paper-scale settings.

The setting is the environment variable ``GANCOURSE_PROFILE``; unset, it is ``full`` when CUDA is
available and ``standard`` otherwise. Notebooks write sizes once, for all three::

    steps = by_profile(smoke=50, standard=3000, full=30000)
"""

from __future__ import annotations

import enum
import os
from typing import TypeVar

import torch

PROFILE_ENV = "GANCOURSE_PROFILE"
T = TypeVar("T")


class Profile(str, enum.Enum):
    SMOKE = "smoke"
    STANDARD = "standard"
    FULL = "full"


def get_profile() -> Profile:
    """The active profile: ``GANCOURSE_PROFILE`` if set, else ``full`` on CUDA, else
    ``standard``."""
    raw = os.environ.get(PROFILE_ENV, "").strip().lower()
    if not raw:
        return Profile.FULL if torch.cuda.is_available() else Profile.STANDARD
    try:
        return Profile(raw)
    except ValueError:
        names = ", ".join(p.value for p in Profile)
        raise ValueError(
            f"{PROFILE_ENV}={os.environ[PROFILE_ENV]!r} is not a run profile; use one of {names} "
            "or unset it"
        ) from None


def by_profile(*, smoke: T, standard: T, full: T, profile: Profile | str | None = None) -> T:
    """Pick the value for the active profile (or for ``profile`` if given)."""
    chosen = get_profile() if profile is None else Profile(profile)
    return {Profile.SMOKE: smoke, Profile.STANDARD: standard, Profile.FULL: full}[chosen]
