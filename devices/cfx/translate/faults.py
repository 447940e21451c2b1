"""CFX.ResourcePerformance faults: the source's device status carries the open fault."""

from __future__ import annotations

from devices.cfx import messages as m
from devices.cfx.context import Context
from traceability import commands as c


def fault_occurred(ctx: Context, msg: m.FaultOccurred) -> list[c.Command]:
    f = msg.Fault
    text = " ".join(x for x in (f.Severity, f.FaultCode, f.Cause, f.Description) if x) or "fault"
    return [c.ReportDeviceStatus(source=ctx.station, kind="cfx", station=ctx.station,
                                 seen_at=f.OccurredAt or ctx.at, error=text[:1000], problems={"fault": 1})]


def fault_cleared(ctx: Context, msg: m.FaultCleared) -> list[c.Command]:
    return [c.ReportDeviceStatus(source=ctx.station, kind="cfx", station=ctx.station, seen_at=ctx.at,
                                 error="")]
