"""Settings for every pytest run, including the notebook kernels nbval starts (they inherit
them)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# Tests and nbval run the smallest profile, on the CPU, without progress bars or a display.
os.environ.setdefault("GANCOURSE_PROFILE", "smoke")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
# One torch/OpenMP thread per process: the tests start kernels and graders side by side on small
# machines, where idle OpenMP threads spin-wait for cores the other processes hold (measured: 10x
# to 18x slower training steps with 2 threads per process on 2 busy cores).
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(ROOT / "tools"))

# Never collect build output, the virtual environment, or MyST twins of the notebooks.
collect_ignore_glob = ["_build/*", ".venv/*", "book/md/*"]
