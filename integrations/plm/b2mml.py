"""A routing as PLM sends it: an ISA-95 operations definition in B2MML names (JSON), and its translation.

B2MML orders segments by dependencies; PLMs exporting routings carry an explicit `Sequence`, which
is what TraceBridge reads. `ReferenceDesignator` on a material specification and the limits on a
parameter (`LowerLimit`, `Target`, `UpperLimit`) are the properties ISA-95 leaves to the
implementation, named as B2MML names its own.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from traceability.commands import BomLine, DefineRouting, ObsoleteRouting, ParameterLimit, RoutingStep

# Domain field -> B2MML field: refusals name what the PLM sent.
FIELD_NAMES = {
    "part_number": "part", "revision": "revision", "status": "PublishedStatus",
    "operations": "OperationsSegment", "sequence": "Sequence", "code": "ID", "description": "Description",
    "station_type": "EquipmentSpecification", "allow_repeat": "ReworkAllowed",
    "materials": "MaterialSpecification", "materials.part_number": "MaterialDefinitionID",
    "reference_designators": "ReferenceDesignator", "quantity": "Quantity",
    "parameters": "Parameter", "name": "ID", "unit": "UnitOfMeasure",
    "lsl": "LowerLimit", "target": "Target", "usl": "UpperLimit", "required": "Required",
}


class B2MML(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MaterialSpecificationType(B2MML):
    MaterialDefinitionID: str = Field(min_length=1, max_length=64)
    MaterialUse: Literal["Consumed", "Consumable", "Produced"] = "Consumed"
    Quantity: float = Field(default=1, ge=0)
    UnitOfMeasure: str | None = Field(default=None, max_length=16)
    ReferenceDesignator: list[str] = Field(default_factory=list)


class EquipmentSpecificationType(B2MML):
    EquipmentClassID: str = Field(min_length=1, max_length=32)


class ParameterType(B2MML):
    ID: str = Field(min_length=1, max_length=64)
    UnitOfMeasure: str = Field(default="", max_length=16)
    LowerLimit: float | None = None
    Target: float | None = None
    UpperLimit: float | None = None
    Required: bool = True


class OperationsSegmentType(B2MML):
    ID: str = Field(min_length=1, max_length=32)
    Description: str = Field(default="", max_length=100)
    Sequence: int = Field(ge=0)
    EquipmentSpecification: list[EquipmentSpecificationType] = Field(default_factory=list, max_length=1)
    ReworkAllowed: bool = False
    MaterialSpecification: list[MaterialSpecificationType] = Field(default_factory=list)
    Parameter: list[ParameterType] = Field(default_factory=list)


class OperationsDefinition(B2MML):
    """`PUT /api/v1/plm/routings/{part}/{revision}`: the part and revision come from the path."""

    ID: str | None = Field(default=None, max_length=64)  # the PLM's own document id, informative
    Description: str = Field(default="", max_length=200)
    PublishedStatus: Literal["Draft", "Released"] = "Released"
    OperationsSegment: list[OperationsSegmentType] = Field(min_length=1)


class EngineeringChange(B2MML):
    """An ECO: new work orders may not be released on the revision from `EffectiveDate`."""

    ChangeNoticeID: str = Field(min_length=1, max_length=64)
    EffectiveDate: AwareDatetime

    def command(self, part: str, revision: str) -> ObsoleteRouting:
        return ObsoleteRouting(part_number=part, revision=revision, obsolete_from=self.EffectiveDate,
                               change_notice=self.ChangeNoticeID)


ECO_FIELD_NAMES = {"part_number": "part", "obsolete_from": "EffectiveDate", "change_notice": "ChangeNoticeID"}


def to_command(part: str, revision: str, doc: OperationsDefinition) -> DefineRouting:
    """Raises `Invalid` naming the domain field; rename it with FIELD_NAMES."""
    return DefineRouting(
        part_number=part, revision=revision, status=doc.PublishedStatus.lower(),  # type: ignore[arg-type]
        operations=[RoutingStep(
            sequence=seg.Sequence, code=seg.ID, description=seg.Description,
            station_type=seg.EquipmentSpecification[0].EquipmentClassID if seg.EquipmentSpecification else "",
            allow_repeat=seg.ReworkAllowed,
            materials=[BomLine(part_number=m.MaterialDefinitionID, quantity=m.Quantity,
                               reference_designators=m.ReferenceDesignator)
                       for m in seg.MaterialSpecification if m.MaterialUse != "Produced"],
            parameters=[ParameterLimit(name=p.ID, unit=p.UnitOfMeasure, lsl=p.LowerLimit, target=p.Target,
                                       usl=p.UpperLimit, required=p.Required) for p in seg.Parameter],
        ) for seg in doc.OperationsSegment],
    )


def from_content(operations: list[dict]) -> list[dict]:
    """Stored operations (`routing_content`) back in B2MML names."""
    return [{
        "ID": op["code"], "Sequence": op["sequence"], "ReworkAllowed": op["allow_repeat"],
        "EquipmentSpecification": [{"EquipmentClassID": op["station_type"]}] if op["station_type"] else [],
        "MaterialSpecification": [{
            "MaterialDefinitionID": m["part_number"], "MaterialUse": "Consumed",
            "Quantity": m["quantity"], "ReferenceDesignator": m["reference_designators"],
        } for m in op["materials"]],
        "Parameter": [{
            "ID": p["name"], "UnitOfMeasure": p["unit"], "LowerLimit": p["lsl"], "Target": p["target"],
            "UpperLimit": p["usl"], "Required": p["required"],
        } for p in op["parameters"]],
    } for op in operations]
