"""Print how long each chapter notebook takes to execute, the way ``make book`` runs it.

    python tools/time_chapters.py                      # every chapter, `standard` profile
    python tools/time_chapters.py 02_vae 03_gan        # some chapters
    python tools/time_chapters.py --profile smoke
    python tools/time_chapters.py --limit 240          # exit 1 if a chapter takes longer

Each chapter runs from top to bottom in a fresh kernel, with the environment of ``make book``
(``GANCOURSE_PROFILE``, ``TQDM_DISABLE=1``) and no execution cache, one after the other so that
the figures are not inflated by the chapters competing for the same cores. The figures depend on
the machine and on what else runs on it: the script prints the CPU count and the torch thread
count beside them. A benchmark, not a test: nothing here is run by pytest.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def chapter_names() -> list[str]:
    """The chapters listed in ``_toc.yml``, in book order (``01_mle``, ``02_vae``, ...)."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = []
    for part in toc.get("parts", []):
        for entry in part.get("chapters", []):
            path = Path(entry["file"])
            if path.parts[0] == "book":
                names.append(path.name)
    return names


def time_chapter(name: str, timeout: int, save_dir: Path | None = None) -> float:
    """Execute ``book/<name>.ipynb`` in a fresh kernel; return the wall time in seconds. With
    ``save_dir``, the executed notebook (its outputs) is written there."""
    import nbformat
    from nbclient import NotebookClient

    path = BOOK / f"{name}.ipynb"
    if not path.exists():
        raise SystemExit(f"no notebook {path}: known chapters are {', '.join(chapter_names())}")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(BOOK)}}
    )
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        seconds = time.perf_counter() - start
        if save_dir is not None:  # also after a failing cell: its traceback is in the outputs
            save_dir.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, save_dir / f"{name}.ipynb")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter names, e.g. 02_vae (default: all)")
    parser.add_argument("--profile", default="standard", choices=["smoke", "standard", "full"])
    parser.add_argument("--limit", type=float, default=None, help="seconds allowed per chapter")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    parser.add_argument(
        "--save-dir", type=Path, default=None, help="write the executed notebooks here"
    )
    args = parser.parse_args(argv)

    os.environ["GANCOURSE_PROFILE"] = args.profile
    os.environ["TQDM_DISABLE"] = "1"
    os.environ.setdefault("MPLBACKEND", "Agg")
    names = args.chapters or chapter_names()

    import torch

    print(
        f"profile {args.profile}; {platform.node()}: {os.cpu_count()} CPUs, "
        f"torch {torch.__version__} with {torch.get_num_threads()} threads, "
        f"CUDA {'available' if torch.cuda.is_available() else 'not available'}"
    )
    total, over = 0.0, []
    for name in names:
        seconds = time_chapter(name, args.timeout, args.save_dir)
        total += seconds
        flag = ""
        if args.limit is not None and seconds > args.limit:
            over.append(name)
            flag = f"  OVER the {args.limit:.0f} s limit"
        print(f"{name:<24} {seconds:7.1f} s  ({seconds / 60:.2f} min){flag}", flush=True)
    print(f"{'total':<24} {total:7.1f} s  ({total / 60:.2f} min)")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
