"""fit_with_ladder: the first penalizer of the ladder that converges, and a clear error when none does."""

from __future__ import annotations

import pytest

import retention_kit as rk
from retention_kit.errors import ConvergenceError


class Fitted:
    def __init__(self, penalizer: float) -> None:
        self.penalizer = penalizer


def converges_from(threshold: float):
    calls: list[float] = []

    def fit(summary, *, penalizer: float = 0.0, **options):
        calls.append(penalizer)
        if penalizer < threshold:
            raise ConvergenceError(f"no convergence at {penalizer}", parameter="penalizer")
        return Fitted(penalizer)

    return fit, calls


def test_the_ladder_stops_at_the_first_penalizer_that_converges():
    fit, calls = converges_from(0.005)
    model = rk.fit_with_ladder(fit, None)
    assert calls == [0.0, 0.001, 0.01]
    assert model.penalizer == 0.01 and model.penalizers_tried_ == [0.0, 0.001, 0.01]


def test_a_given_penalizer_is_the_only_one_tried():
    fit, calls = converges_from(0.0)
    assert rk.fit_with_ladder(fit, None, penalizer=0.1).penalizer == 0.1
    assert calls == [0.1]


def test_no_rung_converges():
    fit, calls = converges_from(1.0)
    with pytest.raises(ConvergenceError, match=r"any penalizer tried \(0, 0.001, 0.01, 0.1\)") as info:
        rk.fit_with_ladder(fit, None)
    assert info.value.parameter == "penalizer" and calls == [0.0, 0.001, 0.01, 0.1]


def test_the_ladders_error_keeps_the_last_reason_not_its_advice():
    def fit(summary, *, penalizer: float = 0.0, **options):
        raise ConvergenceError(f"the fit stalled at {penalizer}. Try a small penalizer (penalizer=0.001 to 0.1).",
                               parameter="penalizer")

    with pytest.raises(ConvergenceError) as info:
        rk.fit_with_ladder(fit, None)
    message = str(info.value)
    assert "last error: the fit stalled at 0.1. Try a larger penalizer (penalizer=1)" in message
    assert "Try a small penalizer" not in message and ".." not in message
