"""Geometry of convolution and pooling windows, shared by the `snn` verifiers and the simulator."""

from __future__ import annotations

from typing import Sequence


def conv_output_shape(in_shape: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                      padding: Sequence[int], dilation: Sequence[int]) -> tuple[int, ...]:
    """Spatial output size of a convolution or pooling window, per dimension (PyTorch's rule)."""
    return tuple((i + 2 * p - d * (k - 1) - 1) // s + 1
                 for i, k, s, p, d in zip(in_shape, kernel, stride, padding, dilation))
