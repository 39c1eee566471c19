"""Where the rules turn: one small table, read by the config before any rule is loaded (so
starting the command line does not load the rules), and by the rules, formulas and colours."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """Where health turns, documented in the README and configurable in config.toml."""

    #: Projected decision later than target by more than this many business days: Off track.
    off_track_after_days: int = 10
    #: A milestone whose due date moved later this many times lowers health one step.
    repeated_slips: int = 2
    #: More open items than this: the plan is too big to run (hygiene warning).
    max_open_items: int = 30
    #: Days either side of the plan's window beyond which a date looks like a typo.
    window_days: int = 365
    stalled_after_days: int = 7
    due_soon_days: int = 3
    #: Business days (on the plan's calendar) without an edit by the buyer, while items are open,
    #: before the plan gets ``buyer.silent`` and its health drops a step.
    buyer_silent: int = 10
    #: False on a closed plan (``mapws close``): nothing is flagged by date any more, in the findings,
    #: the live Flag formulas or the colour rules. Set from the plan's meta, never from config.toml.
    date_flags: bool = True


@dataclass(frozen=True)
class NotifyRules:
    """The fatigue rules, configurable under ``[notify]`` in config.toml."""

    #: At most one reminder per person every this many business days.
    every: int = 2
    #: A person whose items did not change since their last reminder waits this many business days.
    repeat_after: int = 5
    #: Items due within this many business days (or overdue) are reminded of.
    due_within: int = 3
