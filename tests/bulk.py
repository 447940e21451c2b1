"""Bulk plant data for GraphQL scale tests, written with batched inserts (seconds, not minutes).

`lot_in_boards(store, prefix, products)` builds `products` finished products, each with one
board installed in it; the lot `<prefix>-LOT` sits on every board (C1), so its forward trace
reaches 2 x products units. Each product has an operation with parameters and a test result, sits
in a box (10 per box) on one pallet in one shipment, and every tenth one is on hold: the shape
of the foundation scenario, at a size no per-command setup could reach in a test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from traceability.database import Store
from traceability.models import (
    ComponentInstallation,
    Container,
    ContainerItem,
    Hold,
    MaterialLot,
    Part,
    ProcessParameter,
    TestResult,
    Unit,
    UnitOperation,
    WorkOrder,
)

T0 = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def _ids(session, model, rows: list[dict], key: str) -> dict:  # type: ignore[no-untyped-def]
    table = model.__table__
    result = session.execute(insert(table).returning(table.c.id, table.c[key]), rows)
    return {r[1]: r[0] for r in result}


def lot_in_boards(store: Store, prefix: str, products: int) -> str:
    p, at = prefix, T0
    with store.write() as s:
        parts = _ids(s, Part, [{"part_number": f"{p}-{n}", "serialized": n != "CAP", "created_at": at}
                               for n in ("BRD", "PRD", "CAP")], "part_number")
        wo = _ids(s, WorkOrder, [{"number": f"{p}-WO", "part_id": parts[f"{p}-PRD"], "quantity": products,
                                  "status": "released", "updated_at": at}], "number")[f"{p}-WO"]
        lot = _ids(s, MaterialLot, [{"lot_code": f"{p}-LOT", "part_id": parts[f"{p}-CAP"], "quantity": 1e6,
                                     "supplier": "Murata", "received_at": at}], "lot_code")[f"{p}-LOT"]
        boards = _ids(s, Unit, [{"serial": f"{p}-B{i:05d}", "part_id": parts[f"{p}-BRD"], "kind": "board",
                                 "status": "complete", "created_at": at} for i in range(products)], "serial")
        prods = _ids(s, Unit, [{"serial": f"{p}-P{i:05d}", "part_id": parts[f"{p}-PRD"], "kind": "product",
                                "work_order_id": wo, "status": "complete", "created_at": at}
                               for i in range(products)], "serial")
        pairs = list(zip(boards.values(), prods.values(), strict=True))
        s.execute(insert(ComponentInstallation), [
            {"parent_unit_id": b, "lot_id": lot, "part_id": parts[f"{p}-CAP"], "reference_designator": "C1",
             "installed_at": at, "station": f"{p}-SMT", "operation": "SMT"} for b, _ in pairs] + [
            {"parent_unit_id": u, "child_unit_id": b, "part_id": parts[f"{p}-BRD"],
             "reference_designator": "A1", "installed_at": at + timedelta(hours=1)} for b, u in pairs])
        ops = _ids(s, UnitOperation, [
            {"unit_id": u, "work_order_id": wo, "operation": "FCT", "station": f"{p}-FCT",
             "operator": "op-1", "started_at": at + timedelta(hours=2),
             "completed_at": at + timedelta(hours=2, minutes=1), "result": "pass",
             "transaction_id": f"{p}-tx-{u}"} for u in prods.values()], "transaction_id")
        s.execute(insert(ProcessParameter), [
            {"unit_id": u, "unit_operation_id": ops[f"{p}-tx-{u}"], "station": f"{p}-FCT", "name": name,
             "value": 1.0, "unit": "mA", "recorded_at": at + timedelta(hours=2), "source": "operation"}
            for u in prods.values() for name in ("supply_current", "idle_current")])
        s.execute(insert(TestResult), [
            {"unit_id": u, "unit_operation_id": ops[f"{p}-tx-{u}"], "name": "boot", "result": "pass",
             "recorded_at": at + timedelta(hours=2)} for u in prods.values()])
        boxes = [f"{p}-BOX-{i:04d}" for i in range(0, products, 10)]
        containers = _ids(s, Container, [
            *[{"code": c, "kind": "box", "status": "closed", "created_at": at} for c in boxes],
            {"code": f"{p}-PAL", "kind": "pallet", "status": "closed", "created_at": at},
            {"code": f"{p}-SHP", "kind": "shipment", "status": "shipped", "customer": "ACME",
             "shipped_at": at + timedelta(days=1), "created_at": at}], "code")
        packed = at + timedelta(hours=3)
        s.execute(insert(ContainerItem), [
            *[{"container_id": containers[boxes[i // 10]], "unit_id": u, "packed_at": packed}
              for i, u in enumerate(prods.values())],
            *[{"container_id": containers[f"{p}-PAL"], "child_container_id": containers[c],
               "packed_at": packed} for c in boxes],
            {"container_id": containers[f"{p}-SHP"], "child_container_id": containers[f"{p}-PAL"],
             "packed_at": packed}])
        s.execute(insert(Hold), [
            {"target_kind": "unit", "target_key": serial, "reason": "suspect capacitor", "held_by": "qe-1",
             "held_at": at + timedelta(days=2)} for serial in list(prods)[::10]])
    return f"{p}-LOT"
