"""One validation boundary: every public function declares its parameters, and a value of
the wrong type or out of range for any of them is a RetentionDataError that names it.

The calls are built from the declarations themselves (retention_kit.validation.REGISTRY):
every other argument gets a valid example, so the error can only come from the one
parameter under test, and the check runs before any data is touched."""

from __future__ import annotations

import inspect

import pytest

import retention_kit as rk
from retention_kit import validation
from retention_kit.errors import RetentionDataError
from retention_kit.validation import NO_EXAMPLE, REGISTRY, Integer, Options, check_param, declared


def _public_functions() -> dict[str, object]:
    modules = [rk, rk.plotting, rk.net_promoter, rk.simulate, rk.datasets]
    found = {}
    for module in modules:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found[f"{module.__name__}.{name}"] = obj
    return found


PUBLIC = _public_functions()
# functions without parameters have nothing to validate
NO_PARAMETERS = {n for n, f in PUBLIC.items() if not inspect.signature(f).parameters}


def test_every_public_function_declares_its_parameters():
    undeclared = sorted(
        name for name, func in PUBLIC.items()
        if name not in NO_PARAMETERS and not declared(func)
    )
    assert undeclared == []


def _example(constraints, kind: str):
    """A value of ``kind`` ("valid", "wrong_type", "wrong_value") for a union of constraints."""
    if kind == "valid":
        for c in constraints:
            value = c.valid_example()
            if value is not NO_EXAMPLE:
                return value
        return NO_EXAMPLE
    for c in constraints:
        value = getattr(c, kind)()
        if value is not NO_EXAMPLE and not any(other.accepts(value) for other in constraints):
            return value
    return NO_EXAMPLE


CASES = []
for qualname, func in sorted(REGISTRY.items()):
    for param, constraints in declared(func).items():
        for kind in ("wrong_type", "wrong_value"):
            if _example(constraints, kind) is not NO_EXAMPLE:
                CASES.append(pytest.param(qualname, param, kind, id=f"{qualname.split('.')[-1]}-{param}-{kind}"))


def test_the_cases_cover_every_declared_parameter_that_can_be_wrong():
    covered = {(q, p) for q, p, _ in (c.values for c in CASES)}
    for qualname, func in REGISTRY.items():
        for param, constraints in declared(func).items():
            if any(getattr(c, "wrong_type")() is not NO_EXAMPLE for c in constraints):
                assert (qualname, param) in covered


def test_defaults_satisfy_their_declarations():
    for qualname, func in REGISTRY.items():
        for param in inspect.signature(func).parameters.values():
            if param.default is not inspect.Parameter.empty:
                check_param(param.name, param.default, declared(func)[param.name])


@pytest.mark.parametrize(("qualname", "param", "kind"), CASES)
def test_a_bad_value_is_an_error_naming_the_parameter(qualname, param, kind):
    func = REGISTRY[qualname]
    specs = declared(func)
    kwargs = {}
    for name, constraints in specs.items():
        value = _example(constraints, "valid")
        assert value is not NO_EXAMPLE, f"{qualname}: no valid example for {name}"
        kwargs[name] = value
    bad = _example(specs[param], kind)
    kwargs[param] = bad
    with pytest.raises(RetentionDataError) as info:
        func(**kwargs)
    assert info.value.parameter == param
    assert str(info.value).startswith(param), str(info.value)


def test_messages_in_the_kits_voice():
    with pytest.raises(RetentionDataError) as info:
        rk.customer_counts(None, freq="M", active_days=0)  # the first bad argument is named
    assert str(info.value) == "transactions: expected a pandas, Polars, DuckDB or PySpark table, got NoneType."
    with pytest.raises(RetentionDataError) as info:
        rk.cohort_table(rk.datasets.load_sample_orders(), kind="after")
    assert str(info.value) == "kind='after': expected 'on' or 'on_or_after' (or pass brackets=)."
    assert info.value.options == ("on", "on_or_after")


def test_union_and_none():
    spec = [Integer(low=1, unit="days"), None]
    check_param("within_days", None, spec)
    with pytest.raises(RetentionDataError, match=r"^within_days=0: expected a whole number of days >= 1 \(or None\)\.$"):
        check_param("within_days", 0, spec)


def test_options_are_exact():
    spec = Options("error", "exclude")
    for bad in ("Error", "exclude ", 1, None, True):
        with pytest.raises(RetentionDataError) as info:
            check_param("refunds", bad, spec)
        assert info.value.options == ("error", "exclude")


def test_undeclared_parameters_are_a_programming_error():
    with pytest.raises(TypeError, match="undeclared"):
        @validation.validate_params(a=Integer())
        def f(a, *, b=1):  # pragma: no cover - never called
            return a + b


def test_wrapped_functions_keep_name_signature_and_docstring():
    assert rk.cohort_table.__name__ == "cohort_table"
    assert "cohort triangle" in rk.cohort_table.__doc__
    assert list(inspect.signature(rk.cohort_table).parameters)[:2] == ["transactions", "freq"]
