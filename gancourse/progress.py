"""Progress bars for training loops: tqdm.auto (a widget in Jupyter/Colab, text elsewhere)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from tqdm.auto import tqdm


def progress_disabled() -> bool:
    """True when the environment sets ``TQDM_DISABLE`` (the tests and the book build do)."""
    value = os.environ.get("TQDM_DISABLE", "").strip().lower()
    return value not in {"", "0", "false", "no", "off"}


def progress_bar(
    iterable: Iterable[Any] | None = None,
    *,
    desc: str,
    total: int | None = None,
    initial: int = 0,
    enabled: bool = True,
) -> tqdm:
    """A ``tqdm.auto`` bar that is off when ``enabled`` is False or ``TQDM_DISABLE`` is set.

    Passing ``disable=`` to tqdm directly overrides ``TQDM_DISABLE``; this helper honours both.
    """
    disable = not enabled or progress_disabled()
    return tqdm(iterable, desc=desc, total=total, initial=initial, disable=disable)
