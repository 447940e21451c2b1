"""What the warehouse (WMS) is told, written to the outbox (destination 'wms') in the transaction of
the change it reports: consumption when a work order completes, finished-goods pallets packed, and
quarantine (and release) requests raised by holds on lots.

Only when the Store's policy says a WMS listens (`report_to_wms`). Each row's event id is the
idempotency key the WMS sees, so a redelivery is never booked twice. Payloads are plain and
WMS-neutral; `integrations/wms` turns them into the WMS's API.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability import bom, outbox, policy
from traceability.models import Container, ContainerItem, Hold, OutboxEvent, Part, Unit, WorkOrder

DESTINATION = "wms"
CONSUMPTION = "wms.consumption"


def _listening(session: Session) -> bool:
    return policy.of(session).report_to_wms


def work_order_finished(session: Session, wo: WorkOrder) -> None:
    """Consumption not reported yet: all of it the first time, the difference after a reopening."""
    if not _listening(session):
        return
    reported: dict[tuple, float] = defaultdict(float)
    for payload in session.scalars(select(OutboxEvent.payload).where(
            OutboxEvent.destination == DESTINATION, OutboxEvent.type == CONSUMPTION,
            OutboxEvent.aggregate_type == "work_order", OutboxEvent.aggregate_id == wo.number)):
        for line in payload["lines"]:
            reported[(line["operation"], line["part_number"], line["lot"])] += line["quantity"]
    lines = []
    for used in bom.consumption(session, wo.id):
        left = used.quantity - reported.get((used.operation, used.part_number, used.lot), 0.0)
        if left > 1e-9:
            lines.append({"operation": used.operation, "part_number": used.part_number, "lot": used.lot,
                          "quantity": left})
    if lines:
        part = session.get(Part, wo.part_id)
        outbox.emit(session, CONSUMPTION, aggregate_type="work_order", aggregate_id=wo.number,
                    destination=DESTINATION, data={
                        "work_order": wo.number, "part_number": part.part_number if part else None,
                        "status": wo.status, "lines": lines})


def pallet_packed(session: Session, pallet: str, box_ids: list[int], packed_at: datetime) -> None:
    """Boxes put on a pallet: the finished goods it now carries more of, per part (one query)."""
    if not _listening(session) or not box_ids:
        return
    ci = ContainerItem
    rows = session.execute(
        select(Part.part_number, func.count(Unit.id))
        .select_from(ci).join(Unit, Unit.id == ci.unit_id).join(Part, Part.id == Unit.part_id)
        .where(ci.container_id.in_(box_ids), ci.unpacked_at.is_(None))
        .group_by(Part.part_number).order_by(Part.part_number)
    ).all()
    boxes = session.scalars(select(Container.code).where(Container.id.in_(box_ids))
                            .order_by(Container.code)).all()
    outbox.emit(session, "wms.pallet_packed", aggregate_type="container", aggregate_id=pallet,
                destination=DESTINATION, data={
                    "pallet": pallet, "packed_at": packed_at.isoformat(), "boxes": list(boxes),
                    "contents": [{"part_number": pn, "quantity": n} for pn, n in rows]})


def lot_hold_changed(session: Session, hold: Hold, *, released: bool) -> None:
    """A hold on a lot asks the WMS to quarantine it (and its release, to release it)."""
    if not _listening(session) or hold.target_kind != "lot":
        return
    kind = "wms.release_requested" if released else "wms.quarantine_requested"
    outbox.emit(session, kind, aggregate_type="lot", aggregate_id=hold.target_key, destination=DESTINATION,
                data={"lot": hold.target_key, "hold_id": hold.id, "reason": hold.reason,
                      "by": hold.released_by if released else hold.held_by,
                      "case_id": hold.case_id})
