"""The batch writers at bulk size: the cycle check for a whole batch, and the COPY / raw
executemany path storing exactly what a small batch (Core insert) stores, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from traceability import commands as c
from traceability.bulk_insert import COPY_FROM
from traceability.commands.installations import install_many
from traceability.commands.packing import pack_many
from traceability.commands.units import depanelize_many
from traceability.errors import DomainError, Invalid
from traceability.models import ComponentInstallation, Container, Unit

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _plant(store, uid: str, units: int) -> list[str]:
    serials = [f"{uid}-U{i:04d}" for i in range(units)]
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=f"{uid}-P", serialized=True))
        c.execute(session, c.DefinePart(part_number=f"{uid}-C"))
        c.execute(session, c.ReceiveLot(lot=f"{uid}-LOT", part_number=f"{uid}-C", quantity=1e6))
        c.execute(session, c.RegisterUnits(units=[c.NewUnit(serial=s, part_number=f"{uid}-P")
                                                  for s in serials]))
    return serials


def _install(parent: str, *items: c.InstalledItem, at: datetime = T0) -> c.InstallComponents:
    return c.InstallComponents(parent_serial=parent, installed_at=at, items=list(items))


def test_a_unit_is_not_installed_into_what_it_contains(store, uid):
    a, b, d = _plant(store, uid, 3)
    with store.write() as session:
        [ok] = install_many(session, [[_install(a, c.InstalledItem(serial=b))]])
        assert not isinstance(ok, DomainError)
    with store.write() as session:  # b sits in a: a cannot go into b, nor into itself
        refused, itself, fine = install_many(session, [
            [_install(b, c.InstalledItem(serial=a))],
            [_install(d, c.InstalledItem(serial=d))],
            [_install(d, c.InstalledItem(lot=f"{uid}-LOT"))]])
    assert isinstance(refused, Invalid) and refused.field == "items.serial"
    assert isinstance(itself, Invalid) and itself.field == "items[0].serial"
    assert not isinstance(fine, DomainError)


def test_a_cycle_made_inside_one_batch_is_refused(store, uid):
    a, b, d = _plant(store, uid, 3)
    with store.write() as session:
        first, cycle, other = install_many(session, [
            [_install(a, c.InstalledItem(serial=b))],
            [_install(b, c.InstalledItem(serial=a))],  # a already took b in this very batch
            [_install(b, c.InstalledItem(serial=d))]])
    assert not isinstance(first, DomainError) and not isinstance(other, DomainError)
    assert isinstance(cycle, Invalid) and cycle.field == "items.serial"


def test_a_refused_group_leaves_no_edge_behind(store, uid):
    a, b, d = _plant(store, uid, 3)
    with store.write() as session:
        refused, later = install_many(session, [
            # refused whole (unknown lot in its second command): its edge a -> b must not count
            [_install(a, c.InstalledItem(serial=b)), _install(d, c.InstalledItem(lot=f"{uid}-NOPE"))],
            [_install(b, c.InstalledItem(serial=a))]])
    assert isinstance(refused, Invalid) and refused.field == "items[0].lot"
    assert not isinstance(later, DomainError)


def test_a_bulk_batch_stores_what_a_small_one_stores(store, uid):
    """Above COPY_FROM rows PostgreSQL takes COPY and SQLite a raw executemany; the stored values
    (timestamps included, compared as the database sees them) are the same as through Core."""
    serials = _plant(store, uid, 2)
    big = [c.InstalledItem(lot=f"{uid}-LOT", reference_designator=f"R{i}", quantity=0.5)
           for i in range(COPY_FROM + 10)]
    small = [c.InstalledItem(lot=f"{uid}-LOT", reference_designator="R0", quantity=0.5)]
    with store.write() as session:
        install_many(session, [[_install(serials[0], *big, at=T0 + timedelta(microseconds=7))],
                               [_install(serials[1], *small, at=T0)]])
    with store.read() as session:
        rows = session.execute(
            select(ComponentInstallation.parent_unit_id, ComponentInstallation.installed_at,
                   ComponentInstallation.attribution, ComponentInstallation.quantity,
                   ComponentInstallation.removed_at)
            .join(Unit, Unit.id == ComponentInstallation.parent_unit_id)
            .where(Unit.serial.in_(serials), ComponentInstallation.reference_designator == "R0")
            .order_by(Unit.serial)).all()
        assert [(r.installed_at, r.attribution, r.quantity, r.removed_at) for r in rows] == [
            (T0 + timedelta(microseconds=7), "direct", 0.5, None), (T0, "direct", 0.5, None)]
        # Range filters compare the stored form: both rows fall in the same window.
        n = session.scalar(select(text("count(*)")).select_from(ComponentInstallation).where(
            ComponentInstallation.parent_unit_id.in_([r.parent_unit_id for r in rows]),
            ComponentInstallation.installed_at >= T0,
            ComponentInstallation.installed_at < T0 + timedelta(seconds=1)))
        assert n == COPY_FROM + 11


def test_many_panels_depanelized_and_boxes_packed_in_one_call(store, uid):
    with store.write() as session:
        for pn in ("PNL", "BRD"):
            c.execute(session, c.DefinePart(part_number=f"{uid}-{pn}", serialized=True))
        c.execute(session, c.RegisterUnits(units=[
            u for p in range(3) for u in (
                c.NewUnit(serial=f"{uid}-PNL-{p}", part_number=f"{uid}-PNL", kind="panel"),
                *[c.NewUnit(serial=f"{uid}-BRD-{p}-{i}", part_number=f"{uid}-BRD", kind="board",
                            panel_serial=f"{uid}-PNL-{p}", panel_position=i) for i in (1, 2)])]))
    with store.write() as session:
        answers = depanelize_many(session, [
            c.Depanelize(panel_serial=f"{uid}-PNL-{p}", depanelized_at=T0 + timedelta(minutes=p))
            for p in (0, 1, 2, 0)])
        packed = pack_many(session, [
            c.Pack(container=f"{uid}-BOX-1", kind="box", packed_at=T0,
                   items=[c.PackedItem(serial=f"{uid}-BRD-0-1"), c.PackedItem(serial=f"{uid}-BRD-0-2")]),
            c.Pack(container=f"{uid}-BOX-2", kind="box", packed_at=T0,
                   items=[c.PackedItem(serial=f"{uid}-BRD-1-1")]),
            c.Pack(container=f"{uid}-PAL-1", kind="pallet", packed_at=T0,
                   items=[c.PackedItem(container=f"{uid}-BOX-1"), c.PackedItem(container=f"{uid}-BOX-2")])])
    assert [a["changed"] for a in answers] == [True, True, True, False]
    assert [p["packed"] for p in packed] == [2, 1, 2]
    with store.read() as session:
        panels = session.execute(select(Unit.serial, Unit.depanelized_at, Unit.status)
                                 .where(Unit.kind == "panel", Unit.serial.like(f"{uid}-%"))
                                 .order_by(Unit.serial)).all()
        assert [(p.depanelized_at, p.status) for p in panels] == [
            (T0 + timedelta(minutes=p), "depanelized") for p in range(3)]
        assert session.scalar(select(Container.kind).where(Container.code == f"{uid}-PAL-1")) == "pallet"


def test_one_batch_attributes_a_steady_feeder_and_a_spliced_one_by_time(store, uid):
    """F1 runs one reel through the whole batch; F2 is spliced from reel A to B in the middle of it.
    Placements at F2 before the splice go on A, after it on B, and one whose time is only known to
    lie across the splice on both (candidates); every placement at F1 on its one reel."""
    serials = _plant(store, uid, 3)
    with store.write() as session:
        for code in ("F1R", "F2A", "F2B"):
            c.execute(session, c.ReceiveLot(lot=f"{uid}-{code}", part_number=f"{uid}-C", quantity=1000))
        c.execute(session, c.LoadMaterial(station=f"{uid}.S", location="F1", lot=f"{uid}-F1R", loaded_at=T0))
        c.execute(session, c.LoadMaterial(station=f"{uid}.S", location="F2", lot=f"{uid}-F2A", loaded_at=T0))
        c.execute(session, c.LoadMaterial(station=f"{uid}.S", location="F2", lot=f"{uid}-F2B", splice=True,
                                          loaded_at=T0 + timedelta(minutes=10)))

    def placed(parent: str, minutes: int, after: int | None = None) -> c.InstallComponents:
        at = T0 + timedelta(minutes=minutes)
        since = None if after is None else T0 + timedelta(minutes=after)
        return c.InstallComponents(parent_serial=parent, installed_at=at, station=f"{uid}.S", items=[
            c.InstalledItem(location=loc, reference_designator=f"{loc}-{minutes}", installed_at=at,
                            installed_after=since) for loc in ("F1", "F2")])

    with store.write() as session:
        answers = install_many(session, [[placed(serials[0], 5)], [placed(serials[1], 15)],
                                         [placed(serials[2], 12, after=8)]])
        assert not any(isinstance(a, DomainError) for a in answers)
    with store.read() as session:
        got = session.execute(text(
            "SELECT ci.reference_designator, ml.lot_code, ci.attribution FROM component_installation ci "
            "JOIN material_lot ml ON ml.id = ci.lot_id JOIN unit u ON u.id = ci.parent_unit_id "
            "WHERE u.serial LIKE :p")
            .bindparams(p=f"{uid}-%")).all()
    assert sorted(got) == sorted([
        ("F1-5", f"{uid}-F1R", "location"), ("F1-15", f"{uid}-F1R", "location"),
        ("F1-12", f"{uid}-F1R", "location"),
        ("F2-5", f"{uid}-F2A", "location"), ("F2-15", f"{uid}-F2B", "location"),
        ("F2-12", f"{uid}-F2A", "candidate"), ("F2-12", f"{uid}-F2B", "candidate")])
