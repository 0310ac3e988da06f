"""Measures of what a generative model learned: mode coverage on the 2-D toy sets (chapter 3) and
the digit FID, a Frechet distance in the features of a classifier the package trains itself."""

from gancourse.metrics.coverage import Coverage, mixture_coverage, mode_coverage
from gancourse.metrics.fid import DigitFID, DigitFIDConfig, feature_statistics, frechet_distance

__all__ = [
    "Coverage",
    "DigitFID",
    "DigitFIDConfig",
    "feature_statistics",
    "frechet_distance",
    "mixture_coverage",
    "mode_coverage",
]
