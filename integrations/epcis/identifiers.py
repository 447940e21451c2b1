"""Identifiers in EPCIS documents: GS1 Digital Link URIs where a part has a GTIN, the plant's own
URIs otherwise (stations, lines, containers, things without GTIN data).

- a serialized unit of a part with a GTIN: `{digital_link_base}/01/{GTIN-14}/21/{serial}` (SGTIN)
- a lot of a part with a GTIN (a quantity class): `{digital_link_base}/01/{GTIN-14}/10/{lot}` (LGTIN)
- a container whose code is an 18-digit SSCC: `{digital_link_base}/00/{SSCC}`
- anything else: `{id_base}:{kind}:{key}` for a URN base, `{id_base}/{kind}/{key}` for an http base,
  the key percent-encoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from traceability.history.facts import ContainerRef, LotRef, UnitRef


def gtin14(gtin: str | None) -> str | None:
    """A GTIN-8/12/13/14 as the 14 digits Digital Link uses; None when it is not one."""
    if not gtin or not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return None
    return gtin.zfill(14)


@dataclass(frozen=True)
class Identifiers:
    id_base: str
    digital_link_base: str

    def _own(self, kind: str, key: str) -> str:
        sep = ":" if self.id_base.startswith("urn:") else "/"
        return f"{self.id_base}{sep}{kind}{sep}{quote(key, safe='')}"

    def unit(self, u: UnitRef) -> str:
        g = gtin14(u.gtin)
        if g:
            return f"{self.digital_link_base}/01/{g}/21/{quote(u.serial, safe='')}"
        return self._own("unit", u.serial)

    def lot(self, lot: LotRef) -> str:
        g = gtin14(lot.gtin)
        if g:
            return f"{self.digital_link_base}/01/{g}/10/{quote(lot.code, safe='')}"
        return self._own("lot", lot.code)

    def container(self, c: ContainerRef) -> str:
        if len(c.code) == 18 and c.code.isdigit():
            return f"{self.digital_link_base}/00/{c.code}"
        return self._own("container", c.code)

    def station(self, code: str) -> str:
        return self._own("station", code)

    def line(self, code: str) -> str:
        return self._own("line", code)

    def parse(self, uri: str) -> tuple[str, str]:
        """(kind, key) of an identifier this plant issued: unit, lot, container, station, line."""
        for ai, kind in (("/21/", "unit"), ("/10/", "lot")):
            if uri.startswith(self.digital_link_base + "/01/") and ai in uri:
                return kind, unquote(uri.rsplit(ai, 1)[1])
        if uri.startswith(self.digital_link_base + "/00/"):
            return "container", uri.rsplit("/", 1)[1]
        sep = ":" if self.id_base.startswith("urn:") else "/"
        if uri.startswith(self.id_base + sep):
            kind, _, key = uri[len(self.id_base) + 1:].partition(sep)
            return kind, unquote(key)
        raise ValueError(f"not an identifier of this plant: {uri}")
