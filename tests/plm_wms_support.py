"""Shared by the PLM and WMS tests: an app on a test database, parts, and B2MML routing documents."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import SQLModel

from gateway.app import create_app
from gateway.settings import Settings
from integrations.wms.settings import WmsSettings
from traceability import commands as c
from traceability.database import Store


@contextmanager
def app_client(database_url: str, **wms: object) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, wms=WmsSettings(**wms))  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        yield client


def define_parts(store: Store, p: str) -> None:
    with store.write() as session:
        for pn in ("BRD", "CAP", "RES", "IC", "PASTE"):
            c.execute(session, c.DefinePart(part_number=f"{p}-{pn}", serialized=pn == "BRD"))


def routing_doc(p: str, *, ic_on: str = "U1", extra_ref: str | None = None, lsl: float = 235) -> dict:
    """A board routing: paste, SMT (capacitors, resistors, the IC), reflow with a profile spec, AOI."""
    smt = [
        {"MaterialDefinitionID": f"{p}-CAP", "Quantity": 2, "ReferenceDesignator": ["C1", "C2"]},
        {"MaterialDefinitionID": f"{p}-RES", "Quantity": 1, "ReferenceDesignator": ["R1"]},
        {"MaterialDefinitionID": f"{p}-IC", "Quantity": 1, "ReferenceDesignator": [ic_on]},
    ]
    if extra_ref:
        smt.append({"MaterialDefinitionID": f"{p}-RES", "ReferenceDesignator": [extra_ref]})
    return {
        "ID": f"RT-{p}", "Description": "controller board",
        "OperationsSegment": [
            {"ID": "PASTE", "Sequence": 10, "EquipmentSpecification": [{"EquipmentClassID": "printer"}],
             "MaterialSpecification": [{"MaterialDefinitionID": f"{p}-PASTE", "MaterialUse": "Consumable",
                                        "Quantity": 0.5, "UnitOfMeasure": "g"}]},
            {"ID": "SMT", "Sequence": 20, "EquipmentSpecification": [{"EquipmentClassID": "placement"}],
             "MaterialSpecification": smt},
            {"ID": "REFLOW", "Sequence": 30, "Parameter": [
                {"ID": "peak_temp", "UnitOfMeasure": "C", "LowerLimit": lsl, "Target": 245,
                 "UpperLimit": 255}]},
            {"ID": "AOI", "Sequence": 40, "ReworkAllowed": True},
        ],
    }


def row_counts(store: Store) -> dict[str, int]:
    # audit_entry is left out: the audit log records every message a command ran for, even one
    # that found nothing to change (a second key for the same lot).
    with store.read() as session:
        return {name: session.scalar(select(func.count()).select_from(table))
                for name, table in SQLModel.metadata.tables.items() if name != "audit_entry"}
