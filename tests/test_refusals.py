"""Bad input is refused with the field and the reason, and writes nothing."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlmodel import SQLModel

from tests import scenario
from tests.scenario import t
from traceability import commands as c
from traceability.errors import Conflict, DomainError, Invalid


def _counts(store) -> dict[str, int]:
    with store.read() as session:
        return {name: session.scalar(select(func.count()).select_from(table))
                for name, table in SQLModel.metadata.tables.items()}


def _refused(store, cmd, exc_type=DomainError) -> DomainError:
    before = _counts(store)
    with pytest.raises(exc_type) as info, store.write() as session:
        c.execute(session, cmd, source="test", message_id=f"bad-{id(cmd)}")
    assert _counts(store) == before, "a refused command wrote something"
    return info.value


@pytest.fixture
def plant(store, uid):
    return scenario.build(store, uid)


def test_unknown_part(store, plant):
    err = _refused(store, c.ReceiveLot(lot=plant.n("X"), part_number=plant.n("NOPE"), quantity=1), Invalid)
    assert err.field == "part_number" and "unknown part" in err.message


def test_unknown_part_in_a_batch_names_its_index(store, plant):
    err = _refused(store, c.RegisterUnits(units=[
        c.NewUnit(serial=plant.n("NEW-1"), part_number=plant.n("PRD")),
        c.NewUnit(serial=plant.n("NEW-2"), part_number=plant.n("NOPE")),
    ]), Invalid)
    assert err.field == "units[1].part_number"


def test_duplicate_serial_with_another_part(store, plant):
    err = _refused(store, c.RegisterUnits(units=[
        c.NewUnit(serial=plant.n("PRD-1"), part_number=plant.n("BRD"))]), Conflict)
    assert err.field == "units[0].serial" and "another part" in err.message


def test_installation_on_an_unknown_unit(store, plant):
    err = _refused(store, c.InstallComponents(
        parent_serial=plant.n("GHOST"), installed_at=t(100),
        items=[c.InstalledItem(lot=plant.n("REEL-RES-B"), reference_designator="R9")]), Invalid)
    assert err.field == "parent_serial" and "unknown unit" in err.message


def test_installation_of_an_unknown_lot_in_the_middle_of_a_batch(store, plant):
    err = _refused(store, c.InstallComponents(
        parent_serial=plant.n("B3"), installed_at=t(100), items=[
            c.InstalledItem(lot=plant.n("REEL-RES-B"), reference_designator="R8"),
            c.InstalledItem(lot=plant.n("NO-LOT"), reference_designator="R9")]), Invalid)
    assert err.field == "items[1].lot"


def test_negative_quantity_is_refused_before_the_store():
    with pytest.raises(ValidationError) as info:
        c.InstalledItem(lot="L", quantity=-1)
    assert info.value.errors()[0]["loc"] == ("quantity",)
    with pytest.raises(ValidationError) as info:
        c.ReceiveLot(lot="L", part_number="P", quantity=-5)
    assert info.value.errors()[0]["loc"] == ("quantity",)


def test_removal_of_something_never_installed(store, plant):
    err = _refused(store, c.RemoveComponent(parent_serial=plant.n("B1"), reference_designator="R77",
                                            removed_at=t(100), reason="test"), Invalid)
    assert err.field == "reference_designator" and "nothing installed" in err.message


def test_a_unit_installed_in_two_places(store, plant):
    err = _refused(store, c.InstallComponents(
        parent_serial=plant.n("PRD-2"), installed_at=t(100),
        items=[c.InstalledItem(serial=plant.n("B1"))]), Conflict)
    assert "already installed" in err.message


def test_a_cycle_is_refused(store, plant):
    err = _refused(store, c.InstallComponents(
        parent_serial=plant.n("B1"), installed_at=t(100),
        items=[c.InstalledItem(serial=plant.n("PRD-1"))]), Invalid)
    assert "contains" in err.message


def test_message_id_reused_with_another_payload(store, plant):
    _, message_id = plant.steps[0]
    other = c.DefinePart(part_number=plant.n("OTHER"))
    before = _counts(store)
    with pytest.raises(Conflict) as info, store.write() as session:
        c.execute(session, other, source="test", message_id=message_id)
    assert info.value.field == "messageId" and _counts(store) == before


def test_quarantined_lot_cannot_be_installed(store, plant):
    with store.write() as session:
        c.execute(session, c.ChangeLotStatus(lot=plant.n("REEL-RES-B"), status="quarantined"))
    err = _refused(store, c.InstallComponents(
        parent_serial=plant.n("B3"), installed_at=t(100),
        items=[c.InstalledItem(lot=plant.n("REEL-RES-B"), reference_designator="R8")]))
    assert err.code == "refused" and "quarantined" in err.message


def test_routing_validation():
    with pytest.raises(Invalid, match="does not increase") as info:
        c.DefineRouting(part_number="P", revision="A", operations=[
            c.RoutingStep(sequence=20, code="A"), c.RoutingStep(sequence=10, code="B")])
    assert info.value.field == "operations[1].sequence"
    with pytest.raises(Invalid, match="used twice") as info:
        c.DefineRouting(part_number="P", revision="A", operations=[
            c.RoutingStep(sequence=10, code="A", materials=[
                c.BomLine(part_number="X", reference_designators=["R1", "R1"])])])
    assert info.value.field == "operations[0].materials[0].reference_designators"
    with pytest.raises(Invalid, match=r"LSL 5\.0 is above USL 1\.0") as info:
        c.DefineRouting(part_number="P", revision="A", operations=[
            c.RoutingStep(sequence=10, code="A", parameters=[c.ParameterLimit(name="t", lsl=5, usl=1)])])
    assert info.value.field == "operations[0].parameters[0].lsl"


def test_shipping_marks_every_unit_inside(store, plant):
    with store.read() as session:
        from traceability.models import Unit
        statuses = set(session.scalars(select(Unit.status).where(Unit.serial.in_(plant.products))))
    assert statuses == {"shipped"}
