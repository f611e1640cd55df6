"""Parameter validation: every public function declares its parameters' constraints here.

One boundary for options. Each public function of the kit is decorated with
:func:`validate_params`, which records what every parameter accepts, next to the
function::

    @validate_params(
        transactions=Table(),
        freq=Freq(),
        active_days=Integer(low=1, unit="days",
                            example="for example 365 for 'bought within the last year'"),
        observation_end=[DateLike(), None],
        week_start=Weekday(),
    )
    def customer_counts(transactions, *, freq, active_days, observation_end=None,
                        week_start="MON"): ...

Before the function body runs, every argument is checked against its declaration
(a list means "any of these"; ``None`` admits ``None``). A value that fits none raises
:class:`~retention_kit.errors.RetentionDataError` in the kit's voice,
``"active_days=0: expected a whole number of days >= 1, for example 365 ..."``, with
``parameter`` set to the parameter's name and ``options`` to the accepted values of a
closed set. Checks that need the data (a column that is missing, a date before the
first purchase) stay in the functions; checks of the option itself live here only.

The declarations are data: ``tests/test_validation.py`` reads them from
:data:`REGISTRY` and feeds every public function a value of the wrong type and a
value of the right type but out of range for every parameter, expecting an error that
names it. Each constraint therefore knows a valid example and, where one exists, a
wrong-type and a wrong-value example.
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import math
import numbers
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .errors import RetentionDataError

__all__ = [
    "validate_params",
    "check_param",
    "REGISTRY",
    "Constraint",
    "Integer",
    "Number",
    "Options",
    "Flag",
    "Text",
    "Texts",
    "Labels",
    "DateLike",
    "DateRange",
    "Freq",
    "Weekday",
    "Table",
    "Log",
    "Source",
    "Values",
    "Fitted",
    "Instance",
    "Brackets",
    "Anything",
    "ACTIVE_DAYS",
    "OBSERVATION_END",
    "CALENDAR",
    "FISCAL_YEAR_START",
    "WEEK_START",
    "UNIT_DAYS",
    "PENALIZER",
]

F = TypeVar("F", bound=Callable[..., Any])


class _Missing:
    """No example of this kind exists (a flag has no wrong value of the right type)."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "NO_EXAMPLE"


NO_EXAMPLE: Any = _Missing()


class Constraint:
    """What one parameter accepts, how to say it, and examples for the tests."""

    #: a short text override of :meth:`describe`
    text: str | None = None
    #: whether a message shows the value (``months=0``) or its type (tables, arrays)
    show_value: bool = True

    def accepts(self, value: object) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def options(self) -> tuple[object, ...] | None:
        """The accepted values when they form a closed set."""
        return None

    def valid_example(self) -> object:  # pragma: no cover - abstract
        raise NotImplementedError

    def wrong_type(self) -> object:
        return NO_EXAMPLE

    def wrong_value(self) -> object:
        return NO_EXAMPLE

    def _text(self, default: str) -> str:
        return self.text if self.text is not None else default


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


class Integer(Constraint):
    """A whole number (not a bool) in ``[low, high]``."""

    def __init__(
        self,
        *,
        low: int | None = None,
        high: int | None = None,
        unit: str = "",
        example: str = "",
        text: str | None = None,
    ) -> None:
        self.low, self.high, self.unit, self.example, self.text = low, high, unit, example, text

    def accepts(self, value: object) -> bool:
        if not _is_int(value):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        text = "a whole number" + (f" of {self.unit}" if self.unit else "")
        if self.low is not None and self.high is not None:
            text += f" from {self.low} to {self.high}"
        elif self.low is not None:
            text += f" >= {self.low}"
        elif self.high is not None:
            text += f" <= {self.high}"
        return self._text(text + (f", {self.example}" if self.example else ""))

    def valid_example(self) -> object:
        return self.low if self.low is not None else (self.high if self.high is not None else 1)

    def wrong_type(self) -> object:
        return "7"

    def wrong_value(self) -> object:
        if self.low is not None:
            return self.low - 1
        if self.high is not None:
            return self.high + 1
        return NO_EXAMPLE


class Number(Constraint):
    """A finite real number (not a bool) between ``low`` and ``high``.

    ``closed`` says which bounds are included: ``"both"``, ``"left"``, ``"right"`` or
    ``"neither"``.
    """

    def __init__(
        self,
        *,
        low: float | None = None,
        high: float | None = None,
        closed: str = "both",
        what: str = "a number",
        example: str = "",
        text: str | None = None,
    ) -> None:
        self.low, self.high, self.closed = low, high, closed
        self.what, self.example, self.text = what, example, text

    def accepts(self, value: object) -> bool:
        if not _is_real(value):
            return False
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            return False
        if self.low is not None:
            if v < self.low or (v == self.low and self.closed not in ("both", "left")):
                return False
        if self.high is not None:
            if v > self.high or (v == self.high and self.closed not in ("both", "right")):
                return False
        return True

    def describe(self) -> str:
        text = self.what
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            text += f" in {'[' if lo_in else '('}{self.low:g}, {self.high:g}{']' if hi_in else ')'}"
        elif self.low is not None:
            text += f" {'>=' if lo_in else '>'} {self.low:g}"
        elif self.high is not None:
            text += f" {'<=' if hi_in else '<'} {self.high:g}"
        return self._text(text + (f", {self.example}" if self.example else ""))

    def valid_example(self) -> object:
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        if self.low is not None:
            return self.low + 1.0
        if self.high is not None:
            return self.high - 1.0
        return 1.0

    def wrong_type(self) -> object:
        return "0.5"

    def wrong_value(self) -> object:
        if self.low is not None:
            return self.low - 1.0 if self.closed in ("both", "left") else float(self.low)
        if self.high is not None:
            return self.high + 1.0 if self.closed in ("both", "right") else float(self.high)
        return float("nan")


class Options(Constraint):
    """One of a closed set of values (compared with ``==``; strings are case-sensitive)."""

    def __init__(self, *values: object, text: str | None = None) -> None:
        self.values, self.text = tuple(values), text

    def accepts(self, value: object) -> bool:
        try:
            return any(type(value) is type(v) and value == v for v in self.values)
        except Exception:  # noqa: BLE001 - an unhashable or odd object is simply not an option
            return False

    def describe(self) -> str:
        shown = [repr(v) for v in self.values]
        if len(shown) == 2:
            return self._text(f"{shown[0]} or {shown[1]}")
        return self._text("one of " + ", ".join(shown))

    def options(self) -> tuple[object, ...]:
        return self.values

    def valid_example(self) -> object:
        return self.values[0]

    def wrong_type(self) -> object:
        return 3.5 if all(isinstance(v, str) for v in self.values) else "?"

    def wrong_value(self) -> object:
        return "no-such-option" if all(isinstance(v, str) for v in self.values) else NO_EXAMPLE


class Flag(Constraint):
    """``True`` or ``False``."""

    def accepts(self, value: object) -> bool:
        return isinstance(value, (bool, np.bool_))

    def describe(self) -> str:
        return self._text("True or False")

    def valid_example(self) -> object:
        return True

    def wrong_type(self) -> object:
        return "yes"


class Text(Constraint):
    """A non-empty string (a column name, a format, a label)."""

    def __init__(self, *, what: str = "a non-empty string", text: str | None = None) -> None:
        self.what, self.text = what, text

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value != ""

    def describe(self) -> str:
        return self._text(self.what)

    def valid_example(self) -> object:
        return "x"

    def wrong_type(self) -> object:
        return 5

    def wrong_value(self) -> object:
        return ""


class Texts(Constraint):
    """A list or tuple of strings (a bare string is refused: it is not a list of names)."""

    def __init__(self, *, what: str = "column names", text: str | None = None) -> None:
        self.what, self.text = what, text

    def accepts(self, value: object) -> bool:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, pd.Index)):
            return False
        return all(isinstance(v, str) and v != "" for v in value)

    def describe(self) -> str:
        return self._text(f"a list of {self.what} such as ['plan']")

    def valid_example(self) -> object:
        return []

    def wrong_type(self) -> object:
        return "plan"

    def wrong_value(self) -> object:
        return [""]


class Labels(Constraint):
    """A sequence of row labels (a list, or a lazy sequence such as a loader's line
    numbers), not a bare string; its items are not read up front."""

    def accepts(self, value: object) -> bool:
        return isinstance(value, Sequence) and not isinstance(value, (str, bytes))

    def describe(self) -> str:
        return self._text("a sequence of location labels such as ['line 2', 'line 3']")

    def valid_example(self) -> object:
        return []

    def wrong_type(self) -> object:
        return "line 2"


class DateLike(Constraint):
    """A date: ``'2024-06-30'``, a ``datetime.date``, a ``pandas.Timestamp`` or ``numpy.datetime64``."""

    def accepts(self, value: object) -> bool:
        if not isinstance(value, (str, _dt.date, np.datetime64)):
            return False
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError, OverflowError):
            return False
        return stamp is not pd.NaT

    def describe(self) -> str:
        return self._text("a date such as '2024-06-30'")

    def valid_example(self) -> object:
        return "2024-06-30"

    def wrong_type(self) -> object:
        return 20240630

    def wrong_value(self) -> object:
        return "not a date"


class DateRange(Constraint):
    """Two dates ``(first, last)`` with ``first <= last``, as a tuple or list."""

    def accepts(self, value: object) -> bool:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return False
        if not all(DateLike().accepts(v) for v in value):
            return False
        return pd.Timestamp(value[0]) <= pd.Timestamp(value[1])

    def describe(self) -> str:
        return self._text("two dates (first, last) such as ('2015-01-01', '2025-12-31'), first <= last")

    def valid_example(self) -> object:
        return ("2015-01-01", "2025-12-31")

    def wrong_type(self) -> object:
        return "2015-01-01"

    def wrong_value(self) -> object:
        return ("2025-12-31", "2015-01-01")


class Freq(Constraint):
    """A period length: one of ``choices`` (default day, week, month, quarter, year) or an alias."""

    _ALIASES = {
        "D": "D", "day": "D", "daily": "D",
        "W": "W", "week": "W", "weekly": "W",
        "M": "M", "month": "M", "monthly": "M", "ME": "M", "MS": "M",
        "Q": "Q", "quarter": "Q", "quarterly": "Q", "QE": "Q", "QS": "Q",
        "Y": "Y", "A": "Y", "year": "Y", "yearly": "Y", "annual": "Y", "YE": "Y", "YS": "Y",
    }
    _NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}

    def __init__(self, choices: str = "DWMQY", *, aliases: bool = True, text: str | None = None) -> None:
        self.choices, self.aliases, self.text = choices, aliases, text

    @classmethod
    def canonical(cls, value: object) -> str | None:
        """``"M"`` for ``"month"``, ``"ME"``, ``"monthly"``...; ``None`` if unknown."""
        if not isinstance(value, str):
            return None
        return cls._ALIASES.get(value, cls._ALIASES.get(value.lower()))

    def accepts(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        if not self.aliases:
            return value in self.choices
        key = self.canonical(value)
        return key is not None and key in self.choices

    def describe(self) -> str:
        keys = [repr(c) for c in self.choices]
        names = ", ".join(self._NAMES[c] for c in self.choices)
        return self._text(f"one of {', '.join(keys)} ({names})")

    def options(self) -> tuple[object, ...]:
        return tuple(self.choices)

    def valid_example(self) -> object:
        return self.choices[-1]

    def wrong_type(self) -> object:
        return 3

    def wrong_value(self) -> object:
        return "fortnight"


class Weekday(Constraint):
    """The first day of a week: ``'MON'`` ... ``'SUN'`` (any case, full names too)."""

    _DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value.upper()[:3] in self._DAYS and len(value) >= 3

    def describe(self) -> str:
        return self._text("a weekday name such as 'MON' or 'SUN'")

    def options(self) -> tuple[object, ...]:
        return self._DAYS

    def valid_example(self) -> object:
        return "MON"

    def wrong_type(self) -> object:
        return 0

    def wrong_value(self) -> object:
        return "Funday"


class Table(Constraint):
    """A table the kit can read: a pandas DataFrame.

    Its columns are checked by :func:`retention_kit.inputs.canonical`, which knows
    what each kind of table needs.
    """

    show_value = False

    def __init__(self, *, what: str = "a pandas DataFrame", text: str | None = None) -> None:
        self.what, self.text = what, text

    def accepts(self, value: object) -> bool:
        return isinstance(value, pd.DataFrame)

    def describe(self) -> str:
        return self._text(self.what)

    def valid_example(self) -> object:
        return pd.DataFrame()

    def wrong_type(self) -> object:
        return [1, 2, 3]


class Log(Table):
    """An input log (transactions, subscriptions, sessions, survey answers): a pandas
    DataFrame, or a table of another engine (a Polars DataFrame or LazyFrame, a DuckDB
    relation, a PySpark DataFrame).

    With ``neutral=True`` the function computes on such a table where it lives (through
    :mod:`retention_kit._neutral`); otherwise the call collects it to pandas first.
    """

    def __init__(self, *, neutral: bool = False, what: str | None = None) -> None:
        super().__init__(what=what or "a pandas, Polars, DuckDB or PySpark table")
        self.neutral = neutral

    def accepts(self, value: object) -> bool:
        if isinstance(value, pd.DataFrame):
            return True
        from ._neutral import is_foreign

        return is_foreign(value)

    def prepare(self, value: object) -> object:
        """The value the function receives: a foreign table collected to pandas unless the
        function computes on it itself."""
        if self.neutral or isinstance(value, pd.DataFrame):
            return value
        from ._neutral import collect_table

        return collect_table(value)


class Source(Constraint):
    """A loader's input: a file path (``str`` or ``os.PathLike``) or a pandas DataFrame."""

    show_value = False

    def accepts(self, value: object) -> bool:
        return isinstance(value, (str, os.PathLike, pd.DataFrame)) and not (isinstance(value, str) and value == "")

    def describe(self) -> str:
        return self._text("a CSV path or a pandas DataFrame")

    def valid_example(self) -> object:
        return pd.DataFrame()

    def wrong_type(self) -> object:
        return 42

    def wrong_value(self) -> object:
        return ""


class Values(Constraint):
    """One-dimensional values: a list, tuple, numpy array or pandas Series (not a string)."""

    show_value = False

    def __init__(self, *, what: str = "a list, array or Series of values", text: str | None = None) -> None:
        self.what, self.text = what, text

    def accepts(self, value: object) -> bool:
        if isinstance(value, (list, tuple, pd.Series, pd.Index)):
            return True
        return isinstance(value, np.ndarray) and value.ndim == 1

    def describe(self) -> str:
        return self._text(self.what)

    def valid_example(self) -> object:
        return [10, 9, 0]

    def wrong_type(self) -> object:
        return "10"

    def wrong_value(self) -> object:
        return np.zeros((2, 2))


class Fitted(Constraint):
    """A fitted model: an object with a ``params_`` attribute (the kit's model classes)."""

    show_value = False

    def __init__(self, *, what: str = "a fitted model from fit_bgnbd / fit_paretonbd / fit_mbgnbd",
                 text: str | None = None) -> None:
        self.what, self.text = what, text

    def accepts(self, value: object) -> bool:
        return hasattr(value, "params_") and not isinstance(value, (str, pd.DataFrame))

    def describe(self) -> str:
        return self._text(self.what)

    def valid_example(self) -> object:
        return _ExampleModel()

    def wrong_type(self) -> object:
        return "bgf"


class _ExampleModel:
    """A stand-in with ``params_``, used only as a valid example by the tests."""

    params_: dict[str, float] = {}


class Instance(Constraint):
    """An instance of ``cls`` (for example a matplotlib ``Axes``)."""

    def __init__(self, cls: type | str, *, what: str, example: Callable[[], object] | None = None,
                 text: str | None = None) -> None:
        self.cls, self.what, self.example, self.text = cls, what, example, text

    def _type(self) -> type:
        if isinstance(self.cls, str):  # "module:Name", imported on first use
            module, name = self.cls.split(":")
            import importlib

            self.cls = getattr(importlib.import_module(module), name)
        return self.cls  # type: ignore[return-value]

    def accepts(self, value: object) -> bool:
        return isinstance(value, self._type())

    def describe(self) -> str:
        return self._text(self.what)

    def valid_example(self) -> object:
        return self.example() if self.example is not None else NO_EXAMPLE

    def wrong_type(self) -> object:
        return "x"


class Brackets(Constraint):
    """Spans of periods ``[(0, 0), (1, 3), ...]``: pairs of whole numbers ``0 <= lo <= hi``."""

    def accepts(self, value: object) -> bool:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not value:
            return False
        for pair in value:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                return False
            lo, hi = pair
            if not (_is_int(lo) and _is_int(hi) and 0 <= lo <= hi):
                return False
        return True

    def describe(self) -> str:
        return self._text("a list of (first, last) period pairs such as [(0, 0), (1, 3), (4, 12)]")

    def valid_example(self) -> object:
        return [(0, 0), (1, 3)]

    def wrong_type(self) -> object:
        return "0-3"

    def wrong_value(self) -> object:
        return [(3, 1)]


class Anything(Constraint):
    """Any value; declared so that the declaration is complete (an id, a label)."""

    def __init__(self, *, what: str = "any value") -> None:
        self.what = what

    def accepts(self, value: object) -> bool:
        return True

    def describe(self) -> str:
        return self.what

    def valid_example(self) -> object:
        return "x"


class _NoneConstraint(Constraint):
    def accepts(self, value: object) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"

    def valid_example(self) -> object:
        return None


#: The activity rule of a transaction log, shared by every function that takes one.
ACTIVE_DAYS = Integer(
    low=1, unit="days", example="for example 365 for 'bought within the last year'"
)
#: Days per time unit of a customer summary (7 for weeks), shared by the CLV fits and models.
UNIT_DAYS = Number(low=0, closed="neither", text="a positive number of days per unit (7 for weeks)")
#: A model's L2 penalizer (0 for none), shared by the CLV fit functions and model classes.
PENALIZER = Number(low=0, text="a number >= 0 (0 for none)")
#: The last observed day, where ``None`` means "the latest event in the data".
OBSERVATION_END: tuple[Constraint, None] = (DateLike(), None)
#: The calendar of the periods of every per-period table (see :mod:`retention_kit.periods`).
CALENDAR = Options("gregorian", "jalali")
#: The month a fiscal year starts in (1 = the calendar year), for Gregorian quarters and years.
FISCAL_YEAR_START = Integer(
    low=1, high=12, example="the month the fiscal year starts in (4 for April, 1 for the calendar year)"
)
#: The first day of a week, where ``None`` means the calendar's own (Monday; Saturday for Jalali).
WEEK_START: tuple[Constraint, None] = (Weekday(), None)

Spec = Constraint | None | Sequence["Constraint | None"]

#: Every decorated public function, by qualified name ("retention_kit.counts.customer_counts").
REGISTRY: dict[str, Callable[..., Any]] = {}


def _normalise(spec: Spec) -> tuple[Constraint, ...]:
    items = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    return tuple(_NoneConstraint() if item is None else item for item in items)


def _description(constraints: Sequence[Constraint]) -> str:
    parts = [c.describe() for c in constraints if not isinstance(c, _NoneConstraint)]
    text = " or ".join(parts)
    if any(isinstance(c, _NoneConstraint) for c in constraints):
        text += " (or None)"
    return text


def check_param(name: str, value: object, spec: Spec) -> None:
    """Raise :class:`RetentionDataError` naming ``name`` if ``value`` fits none of ``spec``.

    Examples
    --------
    >>> check_param("months", 12, Integer(low=1, unit="months"))
    >>> check_param("months", 0, Integer(low=1, unit="months"))
    Traceback (most recent call last):
    ...
    retention_kit.errors.RetentionDataError: months=0: expected a whole number of months >= 1.
    """
    constraints = _normalise(spec)
    if any(c.accepts(value) for c in constraints):
        return
    options: tuple[object, ...] | None = None
    closed = [c.options() for c in constraints if not isinstance(c, _NoneConstraint)]
    if closed and all(o is not None for o in closed):
        options = tuple(v for o in closed for v in o)  # type: ignore[union-attr]
    if all(c.show_value for c in constraints):
        text = f"{name}={_shown(value)}: expected {_description(constraints)}."
    else:
        text = f"{name}: expected {_description(constraints)}, got {type(value).__name__}."
    raise RetentionDataError(
        text,
        parameter=name,
        options=options,
    )


def _shown(value: object) -> str:
    if isinstance(value, pd.DataFrame):
        return f"<DataFrame {value.shape[0]}x{value.shape[1]}>"
    if isinstance(value, (pd.Series, np.ndarray)):
        return f"<{type(value).__name__} of {len(value)}>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def validate_params(**declared: Spec) -> Callable[[F], F]:
    """Declare the constraints of a function's parameters and check them on every call.

    Every parameter of the signature must be declared (``**kwargs`` excepted). The
    decorated function keeps its name, docstring and signature; its declarations are
    in ``func.__rk_params__`` and the function is listed in :data:`REGISTRY`.
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        names = [
            p.name for p in signature.parameters.values()
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        ]
        undeclared = [n for n in names if n not in declared]
        unknown = [n for n in declared if n not in names]
        if undeclared or unknown:
            raise TypeError(
                f"validate_params on {func.__qualname__}: undeclared {undeclared}, unknown {unknown}"
            )
        specs = {name: _normalise(spec) for name, spec in declared.items()}

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise TypeError(f"{func.__name__}(): {exc}") from None
            changed = False
            for name, value in bound.arguments.items():
                if name in specs:
                    check_param(name, value, specs[name])
                    for constraint in specs[name]:
                        prepare = getattr(constraint, "prepare", None)
                        if prepare is not None and constraint.accepts(value):
                            new = prepare(value)
                            if new is not value:
                                bound.arguments[name] = new
                                changed = True
                            break
            if changed:
                return func(*bound.args, **bound.kwargs)
            return func(*args, **kwargs)

        wrapper.__rk_params__ = specs  # type: ignore[attr-defined]
        REGISTRY[f"{func.__module__}.{func.__qualname__}"] = wrapper
        return wrapper  # type: ignore[return-value]

    return decorate


def declared(func: Callable[..., Any]) -> Mapping[str, tuple[Constraint, ...]]:
    """The declarations of a decorated function (empty for an undecorated one)."""
    return getattr(func, "__rk_params__", {})
