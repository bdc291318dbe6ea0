"""Shared pieces of numeric and date perturbation: the optional seed.

Without a seed every run draws fresh noise. With a seed the noise of a row is a
function of the seed, the column and the row's input values, so a rerun on the
same input gives the same output whatever the thread count or row order.
"""
from __future__ import annotations

from cape_udfs.transforms.base import INT, Param

SEED = Param("seed", INT, "an integer seed", None)
