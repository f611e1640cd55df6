"""What ``retention-kit report`` knows about each notebook: its inputs and parameters.

This registry is the only place the command learns a notebook's behaviour: which input
kinds it requires and which it takes optionally (and the ``parameters``-cell variable
each input goes into), which variables carry the main period, the activity rule, the
segment column, the observation end, the calibration end and the worked customer, and
which loader option an input must have set for the notebook to run. The command never
reads behaviour from a notebook's file name.

A new notebook needs one :class:`NotebookSpec` here; a test checks that every variable
named here is assigned in the notebook's ``parameters`` cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import RetentionDataError

__all__ = ["BUNDLED_TAG", "Input", "NotebookSpec", "NOTEBOOKS", "notebook_spec"]

#: The cell tag of a notebook's cells that exist only for its bundled data (sections
#: that demonstrate a bundled sample, sentences that interpret the bundled numbers,
#: exercises whose answers are the bundled numbers). When the command runs a notebook
#: on the user's exports it removes these cells before running it, so nothing computed
#: on, or said about, the bundled data reaches the user's report.
BUNDLED_TAG = "bundled-example"


@dataclass(frozen=True)
class Input:
    """One input of a notebook.

    Attributes
    ----------
    kind : str
        ``"transactions"``, ``"subscriptions"``, ``"survey"`` or ``"sessions"``.
    parameter : str
        The ``parameters``-cell variable that receives the loader options (a dict); on
        the user's exports an optional input that was not given is passed as ``None``.
    required : bool
        Whether the notebook runs only when this input is given.
    needs : str or None
        A loader option the input must set for the notebook to run (CLV needs
        ``amount_col``), with ``reason`` saying why.
    """

    kind: str
    parameter: str
    required: bool = True
    needs: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class NotebookSpec:
    """How the command runs one notebook.

    ``number`` selects it with ``--notebooks``. Each ``*_param`` attribute names the
    ``parameters``-cell variable that carries that setting, or is ``None`` when the
    notebook has none. When the command runs on the user's exports, the observation
    end, calibration end and worked customer are set to ``None`` (the notebook then
    derives them from the export: the defaults belong to the bundled data), and the
    segment column to ``--segment-col``; ``--period`` and ``--active-days`` go into the
    period and activity-rule variables, ``--calendar`` (or the calendar the inputs are
    written in) and ``--fiscal-year-start`` into the calendar variables.

    Examples
    --------
    >>> spec = notebook_spec("04")
    >>> spec.name, spec.required_kinds, spec.calibration_end_param
    ('04_probabilistic_clv', ('transactions',), 'CALIBRATION_END')
    >>> [(i.kind, i.needs) for i in spec.inputs]
    [('transactions', 'amount_col')]
    """

    number: str
    name: str
    inputs: tuple[Input, ...]
    period_param: str | None = None
    activity_param: str | None = None
    segment_param: str | None = None
    observation_end_param: str | None = None
    calibration_end_param: str | None = None
    worked_customer_param: str | None = None
    calendar_param: str | None = None
    fiscal_year_param: str | None = None
    #: The page never shows code, even with ``--show-code`` (the dashboard).
    code_hidden: bool = False

    @property
    def required_kinds(self) -> tuple[str, ...]:
        """The input kinds the notebook cannot run without."""
        return tuple(i.kind for i in self.inputs if i.required)

    @property
    def optional_kinds(self) -> tuple[str, ...]:
        """The input kinds the notebook uses when given."""
        return tuple(i.kind for i in self.inputs if not i.required)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Every ``parameters``-cell variable this registry entry names."""
        names = [i.parameter for i in self.inputs]
        names += [
            p for p in (self.period_param, self.activity_param, self.segment_param,
                        self.observation_end_param, self.calibration_end_param,
                        self.worked_customer_param, self.calendar_param, self.fiscal_year_param)
            if p is not None
        ]
        return tuple(names)


#: The notebooks in reading order. A notebook runs when its required inputs are given
#: (or, with no input at all, on the bundled data).
NOTEBOOKS: tuple[NotebookSpec, ...] = (
    NotebookSpec(
        "00", "00_retention_dashboard",
        inputs=(Input("transactions", "TRANSACTIONS", required=False),
                Input("subscriptions", "SUBSCRIPTIONS", required=False),
                Input("survey", "SURVEY", required=False),
                Input("sessions", "SESSIONS", required=False)),
        period_param="FREQ",
        activity_param="ACTIVE_DAYS",
        observation_end_param="OBSERVATION_END",
        calendar_param="CALENDAR",
        fiscal_year_param="FISCAL_YEAR_START",
        code_hidden=True,  # a page for a manager: never code, even with --show-code
    ),
    NotebookSpec(
        "01", "01_customer_retention_rate",
        inputs=(Input("transactions", "TRANSACTIONS"),),
        period_param="FREQ",
        activity_param="ACTIVE_DAYS",
        calendar_param="CALENDAR",
        fiscal_year_param="FISCAL_YEAR_START",
    ),
    NotebookSpec(
        "02", "02_churn_definitions_compared",
        inputs=(Input("subscriptions", "SUBSCRIPTIONS"),),
        period_param="FREQ",
        segment_param="SEGMENT_COL",
        observation_end_param="OBSERVATION_END",
        calendar_param="CALENDAR",
        fiscal_year_param="FISCAL_YEAR_START",
    ),
    NotebookSpec(
        "03", "03_cohort_retention",
        inputs=(Input("transactions", "TRANSACTIONS"), Input("sessions", "SESSIONS", required=False)),
        period_param="FREQ",
        calendar_param="CALENDAR",
        fiscal_year_param="FISCAL_YEAR_START",
    ),
    NotebookSpec(
        "04", "04_probabilistic_clv",
        inputs=(Input("transactions", "TRANSACTIONS", needs="amount_col", reason="CLV needs order values"),),
        observation_end_param="OBSERVATION_END",
        calibration_end_param="CALIBRATION_END",
        worked_customer_param="WORKED_CUSTOMER",
    ),
    NotebookSpec(
        "05", "05_nps_analysis",
        inputs=(Input("survey", "SURVEY"), Input("subscriptions", "SUBSCRIPTIONS", required=False)),
        period_param="FREQ",
        segment_param="SEGMENT_COL",
        observation_end_param="OBSERVATION_END",
        calendar_param="CALENDAR",
        fiscal_year_param="FISCAL_YEAR_START",
    ),
)


def notebook_spec(number: str) -> NotebookSpec:
    """The registry entry of the notebook numbered ``number`` (``"1"`` or ``"01"``).

    Examples
    --------
    >>> notebook_spec("2").name
    '02_churn_definitions_compared'
    """
    wanted = str(number).strip().zfill(2)
    for spec in NOTEBOOKS:
        if spec.number == wanted:
            return spec
    numbers = [spec.number for spec in NOTEBOOKS]
    raise RetentionDataError(
        f"number={number!r}: no notebook has this number; expected one of {numbers}.",
        parameter="number",
        options=numbers,
    )
