"""The quality commands, registered with `traceability.commands` so every adapter runs them through
`execute` (idempotent by message id, in the caller's transaction, events through the outbox)."""

from __future__ import annotations

from quality.containment import ContainLot, ReleaseContainment, contain_lot, release_containment
from quality.control_charts import (
    AcknowledgeAlarm,
    DefineControlChart,
    EvaluateControlChart,
    acknowledge_alarm,
    define_control_chart,
    evaluate_control_chart,
)
from quality.suspect_window import ContainWindow, contain_window
from traceability.commands import register

register(ContainLot, contain_lot)
register(ContainWindow, contain_window)
register(ReleaseContainment, release_containment)
register(DefineControlChart, define_control_chart)
register(EvaluateControlChart, evaluate_control_chart)
register(AcknowledgeAlarm, acknowledge_alarm)

__all__ = ["AcknowledgeAlarm", "ContainLot", "ContainWindow", "DefineControlChart", "EvaluateControlChart",
           "ReleaseContainment"]
