"""MaterialsInstalled / MaterialsUninstalled: genealogy edges in one InstallComponents per unit.

A material names its package (the reel's UniqueIdentifier) and/or the carrier location it was
picked from. A known package is installed directly; otherwise the location is attributed to the
lot loaded there at the placement time. A component without its own InstallationTime lies
somewhere in its transaction (from the WorkStarted to this message): a splice in that window
makes both reels candidates rather than a guess.
"""

from __future__ import annotations

from datetime import timedelta

from devices.cfx import messages as m
from devices.cfx.context import Context, Held
from devices.cfx.structures import InstalledMaterial
from devices.cfx.units import Target, target
from traceability import commands as c
from traceability.errors import Invalid


def materials_installed(ctx: Context, msg: m.MaterialsInstalled) -> list[c.Command]:
    mats = msg.InstalledMaterials
    targets = _targets(ctx, msg.TransactionId, [(x.UnitIdentifier, x.UnitPositionNumber) for x in mats],
                       "InstalledMaterials")
    opened = ctx.transaction(msg.TransactionId)
    if msg.TransactionId and not opened:
        ctx.problems["transaction_gap"] += 1
    started = min((o.started_at for o in opened), default=None)
    if started and started > ctx.at:  # the device clock ran backwards between the two messages
        ctx.problems["clock_order"] += 1
        started = None
    operation = opened[0].operation if opened else ctx.operation("WORK")
    known_lots = ctx.lots({x.Material.UniqueIdentifier for x in mats
                           if x.Material and x.Material.UniqueIdentifier})
    tolerance = timedelta(seconds=ctx.settings.placement_time_tolerance_s)
    items: dict[str, list[dict]] = {}
    for n, mat in enumerate(mats):
        where = target(targets, mat.UnitIdentifier, mat.UnitPositionNumber)
        source = _source(mat, known_lots, n)
        parts = items.setdefault(where.parent, [])
        if not mat.InstalledComponents:
            parts.append({**source, "quantity": mat.QuantityInstalled, "panel_position": where.panel_position,
                          "installed_after": started if "location" in source else None})
        for comp in mat.InstalledComponents:
            at = comp.InstallationTime
            after = (at - tolerance if tolerance else None) if at else started
            what = {"serial": _trim(comp.InstalledUnitIdentifier)} if comp.InstalledUnitIdentifier else source
            parts.append({**what, "reference_designator": _trim(comp.ReferenceDesignator),
                          "panel_position": where.panel_position, "installed_at": at,
                          "installed_after": after if "location" in what else None})
    # The values come from validated CFX models and the store and meet every rule of the command's
    # fields by construction (see `c.InstallComponents.trusted`): validating them again per item was
    # a tenth of the hot path. Other callers' input is still validated as the command is built.
    return [c.InstallComponents.trusted(
        parent_serial=parent, installed_at=ctx.at, station=ctx.station, operation=operation,
        items=its, source_message_id=ctx.message_id[:100]) for parent, its in items.items()]


def _trim(text: str | None) -> str | None:
    """As a command trims its strings (the trusted command does not validate them)."""
    return text.strip() if text else text


def _source(mat: InstalledMaterial, known_lots: dict, n: int) -> dict[str, str]:
    code = mat.Material.UniqueIdentifier if mat.Material else None
    location = mat.CarrierLocation.key if mat.CarrierLocation else None
    if code and (code in known_lots or not location):
        return {"lot": code.strip()}  # an unknown lot with no location is refused by install_many
    if location:
        return {"location": location.strip()}
    raise Invalid(f"MessageBody.InstalledMaterials[{n}].Material",
                  "names neither a material package nor a carrier location")


def _targets(ctx: Context, transaction: str | None, refs: list, field: str) -> dict[tuple, Target]:
    for n, (ident, _) in enumerate(refs):
        if not ident:
            raise Invalid(f"MessageBody.{field}[{n}].UnitIdentifier", "is required")
    targets, missing = ctx.resolve(refs)
    if missing:
        ctx.problems["unknown_unit"] += len(missing)
        names = ", ".join(sorted(missing))
        if transaction:
            raise Held(transaction, f"unit(s) {names} not known yet (waiting for the WorkStarted)")
        raise Invalid(f"MessageBody.{field}.UnitIdentifier", f"unknown unit(s) {names}")
    return targets


def materials_uninstalled(ctx: Context, msg: m.MaterialsUninstalled) -> list[c.Command]:
    mats = msg.UninstalledMaterials
    targets = _targets(ctx, msg.TransactionId, [(x.UnitIdentifier, x.UnitPositionNumber) for x in mats],
                       "UninstalledMaterials")
    cmds: list[c.Command] = []
    for n, mat in enumerate(mats):
        where = target(targets, mat.UnitIdentifier, mat.UnitPositionNumber)
        if where.panel_position is not None and where.serial == where.parent:
            raise Invalid(f"MessageBody.UninstalledMaterials[{n}].UnitPositionNumber",
                          f"no board is registered at position {where.panel_position} of {where.parent!r}")
        reason = mat.Reason or "uninstalled"
        designators = [x.ReferenceDesignator for x in mat.UninstalledComponents if x.ReferenceDesignator]
        children = [x.InstalledUnitIdentifier for x in mat.UninstalledComponents if x.InstalledUnitIdentifier]
        lot = mat.Material.UniqueIdentifier if mat.Material else None
        cmds += [c.RemoveComponent(parent_serial=where.serial, removed_at=ctx.at, reason=reason,
                                   reference_designator=d) for d in designators]
        cmds += [c.RemoveComponent(parent_serial=where.serial, removed_at=ctx.at, reason=reason, serial=s)
                 for s in children]
        if not designators and not children:
            if not lot:
                raise Invalid(f"MessageBody.UninstalledMaterials[{n}]",
                              "names no designator, unit or material package to remove")
            cmds.append(c.RemoveComponent(parent_serial=where.serial, removed_at=ctx.at, reason=reason,
                                          lot=lot))
    return cmds
