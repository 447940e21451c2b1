"""What a WMS sends about material, in ISA-95 / B2MML material lot names (JSON), and the translation.

A reel or tray split from a lot is an ISA-95 material sublot; TraceBridge stores it as a lot whose
parent is the lot it came from, so forward traces of the lot include it.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from traceability.commands import ChangeLotStatus, IssueLot, ReceiveLot, SplitLot

Code = Field(min_length=1, max_length=64)

# Domain field -> WMS field, so refusals name what the WMS sent (`id` is the lot in the path).
FIELD_NAMES = {
    "part_number": "MaterialDefinitionID", "quantity": "Quantity", "supplier": "SupplierID",
    "supplier_lot": "SupplierLotID", "date_code": "DateCode", "parent_lot": "ParentMaterialLotID",
    "location": "StorageLocation", "received_at": "ReceiptDate", "new_lot": "MaterialSublotID",
    "to": "Station", "reason": "Reason",
}
RECEIPT_NAMES = {**FIELD_NAMES, "lot": "ID"}


class WmsMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MaterialLotReceipt(WmsMessage):
    """`POST /api/v1/wms/lots`: a lot (or reel) received, with its supplier data and date code."""

    ID: str = Code
    MaterialDefinitionID: str = Code
    Quantity: float = Field(ge=0)
    UnitOfMeasure: str | None = Field(default=None, max_length=16)
    SupplierID: str | None = Field(default=None, max_length=100)
    SupplierLotID: str | None = Field(default=None, max_length=64)
    DateCode: str | None = Field(default=None, max_length=16)
    StorageLocation: str | None = Field(default=None, max_length=64)
    ReceiptDate: AwareDatetime | None = None
    ParentMaterialLotID: str | None = Field(default=None, max_length=64)

    def command(self) -> ReceiveLot:
        return ReceiveLot(lot=self.ID, part_number=self.MaterialDefinitionID, quantity=self.Quantity,
                          supplier=self.SupplierID, supplier_lot=self.SupplierLotID,
                          date_code=self.DateCode, parent_lot=self.ParentMaterialLotID,
                          location=self.StorageLocation, received_at=self.ReceiptDate)


class LotSplit(WmsMessage):
    """`POST /api/v1/wms/lots/{id}/split`: a sublot (reel, tray) taken from the lot."""

    MaterialSublotID: str = Code
    Quantity: float = Field(gt=0)
    StorageLocation: str | None = Field(default=None, max_length=64)

    def command(self, lot: str) -> SplitLot:
        return SplitLot(lot=lot, new_lot=self.MaterialSublotID, quantity=self.Quantity,
                        location=self.StorageLocation)


class LotStatusChange(WmsMessage):
    """`/quarantine` and `/release`: the WMS's own decision on the lot, with its reason."""

    Reason: str = Field(default="", max_length=500)

    def command(self, lot: str, status: str) -> ChangeLotStatus:
        return ChangeLotStatus(lot=lot, status=status, reason=self.Reason)  # type: ignore[arg-type]


class LotIssue(WmsMessage):
    """`POST /api/v1/wms/lots/{id}/issue`: the lot moved to a line or a station."""

    Line: str | None = Field(default=None, max_length=64)
    Station: str | None = Field(default=None, max_length=64)
    IssueDate: AwareDatetime | None = None

    @model_validator(mode="after")
    def _somewhere(self) -> LotIssue:
        if not (self.Line or self.Station):
            raise ValueError("name the Line or the Station the lot is issued to")
        return self

    def command(self, lot: str) -> IssueLot:
        return IssueLot(lot=lot, to=self.Station or self.Line or "", issued_at=self.IssueDate)
