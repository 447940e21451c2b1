"""Feeder setup: MaterialsLoaded, MaterialsUnloaded and SplicePointDetected (CFX.Materials.Storage).

The location key is the LocationIdentifier when given (one per lane), else the LocationName; the
same key must come back in MaterialsInstalled's CarrierLocation for attribution by location.
"""

from __future__ import annotations

from sqlalchemy import select

from devices.cfx import messages as m
from devices.cfx.context import Context
from traceability import commands as c
from traceability.errors import Invalid
from traceability.models import MaterialLoad, MaterialLot


def materials_loaded(ctx: Context, msg: m.MaterialsLoaded) -> list[c.Command]:
    cmds: list[c.Command] = []
    for n, loc in enumerate(msg.Materials):
        field = f"MessageBody.Materials[{n}]"
        if not loc.key:
            raise Invalid(f"{field}.LocationIdentifier", "a location identifier or name is required")
        if not (loc.MaterialPackage and loc.MaterialPackage.UniqueIdentifier):
            raise Invalid(f"{field}.MaterialPackage.UniqueIdentifier", "is required")
        cmds.append(c.LoadMaterial(station=ctx.station, location=loc.key,
                                   lot=loc.MaterialPackage.UniqueIdentifier, loaded_at=ctx.at))
    return cmds


def materials_unloaded(ctx: Context, msg: m.MaterialsUnloaded) -> list[c.Command]:
    """Unload wherever the named packages are loaded on this station now (one query)."""
    locations = ctx.session.scalars(
        select(MaterialLoad.location).join(MaterialLot, MaterialLot.id == MaterialLoad.lot_id)
        .where(MaterialLoad.station == ctx.station, MaterialLoad.unloaded_at.is_(None),
               MaterialLot.lot_code.in_(msg.MaterialPackageIdentifiers))).all()
    if len(locations) < len(set(msg.MaterialPackageIdentifiers)):
        ctx.problems["unknown_material"] += len(set(msg.MaterialPackageIdentifiers)) - len(locations)
    return [c.UnloadMaterial(station=ctx.station, location=loc, unloaded_at=ctx.at)
            for loc in dict.fromkeys(locations)]


def splice_point_detected(ctx: Context, msg: m.SplicePointDetected) -> list[c.Command]:
    """The new package continues the depleted one at the depleted one's location."""
    new = msg.NewlyActiveMaterial
    location = (msg.DepletedMaterial.key if msg.DepletedMaterial else None) or new.key
    if not location:
        raise Invalid("MessageBody.DepletedMaterial.LocationIdentifier", "a location is required")
    if not (new.MaterialPackage and new.MaterialPackage.UniqueIdentifier):
        raise Invalid("MessageBody.NewlyActiveMaterial.MaterialPackage.UniqueIdentifier", "is required")
    return [c.LoadMaterial(station=ctx.station, location=location, lot=new.MaterialPackage.UniqueIdentifier,
                           loaded_at=ctx.at, splice=True)]
