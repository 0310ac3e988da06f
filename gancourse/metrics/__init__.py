"""Measures of what a generative model learned: mode coverage on the 2-D toy sets (chapter 3)."""

from gancourse.metrics.coverage import Coverage, mixture_coverage, mode_coverage

__all__ = ["Coverage", "mixture_coverage", "mode_coverage"]
