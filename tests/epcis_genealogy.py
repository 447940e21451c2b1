"""Genealogy rebuilt from EPCIS documents alone, to compare with the store's traces.

A receiving system would do this: TransformationEvents give input -> output edges (one per
`tb:placements` entry), removal ObjectEvents take a placement back out, lot-to-sublot
TransformationEvents give lot families, AggregationEvents ADD/DELETE give what sits in which
container. Backward and forward walks then run over those edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from integrations.epcis.identifiers import Identifiers


@dataclass
class Placement:
    input: str
    designator: str | None
    outputs: list[str]
    active: bool = True


@dataclass
class Rebuilt:
    ids: Identifiers
    placements: dict[str, list[Placement]] = field(default_factory=dict)  # by eventID
    sublots: dict[str, set[str]] = field(default_factory=dict)  # lot class -> sublot classes
    contents: dict[str, set[str]] = field(default_factory=dict)  # container -> children

    def add(self, events: list[dict]) -> None:
        for e in sorted(events, key=lambda e: e["eventTime"]):
            kind = e["type"]
            if kind == "TransformationEvent" and "tb:placements" in e:
                self.placements[e["eventID"]] = [
                    Placement(input=p["tb:input"], designator=p.get("tb:referenceDesignator"),
                              outputs=list(e["outputEPCList"])) for p in e["tb:placements"]]
            elif kind == "TransformationEvent":
                for i in e.get("inputQuantityList", []):
                    self.sublots.setdefault(i["epcClass"], set()).update(
                        o["epcClass"] for o in e.get("outputQuantityList", []))
            elif kind == "ObjectEvent" and e.get("bizStep") == "removing":
                removed = [*e.get("epcList", []), *(q["epcClass"] for q in e.get("quantityList", []))]
                for p in self.placements.get(e["tb:transformationEvent"], []):
                    if p.active and p.input in removed and p.designator == e.get("tb:referenceDesignator"):
                        p.active = False
                        break
            elif kind == "AggregationEvent":
                children = self.contents.setdefault(e["parentID"], set())
                if e["action"] == "ADD":
                    children.update(e["childEPCs"])
                elif e["action"] == "DELETE":
                    children.difference_update(e["childEPCs"])

    def _active(self) -> list[Placement]:
        return [p for ps in self.placements.values() for p in ps if p.active]

    def backward(self, serial_uri: str) -> tuple[set[str], set[str]]:
        """(lot codes, child serials) in the as-built of the unit, at every level."""
        lots, units, todo, seen = set(), set(), [serial_uri], set()
        active = self._active()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for p in active:
                if node in p.outputs:
                    kind, key = self.ids.parse(p.input)
                    if kind == "lot":
                        lots.add(key)
                    else:
                        units.add(key)
                        todo.append(p.input)
        return lots, units

    def forward(self, lot_uri: str) -> tuple[set[str], set[str], set[str]]:
        """(lot family codes, serials containing it at any level, containers holding those)."""
        family, todo = set(), [lot_uri]
        while todo:
            lot = todo.pop()
            if lot not in family:
                family.add(lot)
                todo += sorted(self.sublots.get(lot, ()))
        active = self._active()
        units: set[str] = set()
        todo = [o for p in active if p.input in family for o in p.outputs]
        while todo:
            u = todo.pop()
            if u not in units:
                units.add(u)
                todo += [o for p in active if p.input == u for o in p.outputs]
        holders, todo = set(), [c for c, kids in self.contents.items() if kids & units]
        while todo:
            c = todo.pop()
            if c not in holders:
                holders.add(c)
                todo += [p for p, kids in self.contents.items() if c in kids]
        return ({self.ids.parse(x)[1] for x in family}, {self.ids.parse(x)[1] for x in units},
                {self.ids.parse(x)[1] for x in holders})
