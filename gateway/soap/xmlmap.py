"""Plain dicts to and from XSD-validated XML, by local element names (document/literal payloads).

Validation has already fixed the shape, so the mapping stays dumb: a leaf is its text (pydantic
converts the type), a complex element a dict, a repeated element a list.
"""

from __future__ import annotations

from typing import Any

from lxml import etree


def to_dict(element: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        value: Any = to_dict(child) if len(child) else (child.text or "")
        if name in out:
            prior = out[name]
            out[name] = [*prior, value] if isinstance(prior, list) else [prior, value]
        else:
            out[name] = value
    return out


def from_dict(namespace: str, name: str, data: dict[str, Any]) -> etree._Element:
    """An element `name` whose children follow `data`'s order (match the XSD sequence); None is left out."""
    element = etree.Element(f"{{{namespace}}}{name}", nsmap={None: namespace})
    _fill(element, namespace, data)
    return element


def _fill(parent: etree._Element, namespace: str, data: dict[str, Any]) -> None:
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            child = etree.SubElement(parent, f"{{{namespace}}}{key}")
            if isinstance(item, dict):
                _fill(child, namespace, item)
            elif isinstance(item, bool):
                child.text = "true" if item else "false"
            else:
                child.text = item.isoformat() if hasattr(item, "isoformat") else str(item)
