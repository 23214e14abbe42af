"""Shared pytest configuration for the unit and property tests.

Hypothesis profiles: `default` keeps the whole suite fast (well under a minute on two
cores); `thorough` (SNNIR_HYPOTHESIS_PROFILE=thorough) runs many more examples.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("SNNIR_HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def ctx():
    """A context that accepts ops of unregistered dialects."""
    from snnir.context import Context

    return Context(allow_unregistered=True)


@pytest.fixture
def strict_ctx():
    from snnir.context import Context

    return Context()


def pytest_configure(config):
    # f16/f32 attributes built from big Python floats legitimately round to infinity
    config.addinivalue_line("filterwarnings", "ignore:overflow encountered in cast:RuntimeWarning")
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:libcst.*")
