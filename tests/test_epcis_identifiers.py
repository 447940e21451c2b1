"""EPCIS identifiers and times: Digital Link where GTIN data exist, the plant's URIs otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from integrations.epcis.events import epcis_time, offset
from integrations.epcis.identifiers import Identifiers, gtin14
from traceability.history.facts import ContainerRef, LotRef, UnitRef

URN = Identifiers("urn:example:plant7", "https://id.example.com")
HTTP = Identifiers("https://plant7.example.com/id", "https://id.gs1.org")


def test_gtins_are_padded_to_14_digits_and_others_refused():
    assert gtin14("4012345000023") == "04012345000023"
    assert gtin14("40123455") == "00000040123455"
    assert gtin14("012345678905") == "00012345678905"
    assert gtin14("123") is None and gtin14("40123450000X") is None and gtin14(None) is None


def test_digital_link_for_serials_and_lots_with_gtin():
    unit = UnitRef(serial="SN 1/2", part_number="PRD", gtin="4012345000016")
    lot = LotRef(code="L-7", part_number="CAP", gtin="04012345000023", unit_of_measure="EA")
    assert URN.unit(unit) == "https://id.example.com/01/04012345000016/21/SN%201%2F2"
    assert URN.lot(lot) == "https://id.example.com/01/04012345000023/10/L-7"
    assert URN.parse(URN.unit(unit)) == ("unit", "SN 1/2")
    assert URN.parse(URN.lot(lot)) == ("lot", "L-7")


def test_plant_identifiers_without_gtin_as_urn_or_http():
    unit = UnitRef(serial="BRD:1", part_number="BRD", gtin=None)
    assert URN.unit(unit) == "urn:example:plant7:unit:BRD%3A1"
    assert HTTP.unit(unit) == "https://plant7.example.com/id/unit/BRD%3A1"
    assert URN.station("SMT-1") == "urn:example:plant7:station:SMT-1"
    assert HTTP.line("L 2") == "https://plant7.example.com/id/line/L%202"
    for ids in (URN, HTTP):
        assert ids.parse(ids.unit(unit)) == ("unit", "BRD:1")


def test_an_sscc_container_code_is_a_digital_link():
    assert URN.container(ContainerRef(code="106141412345678908", kind="pallet")) == (
        "https://id.example.com/00/106141412345678908")
    assert URN.container(ContainerRef(code="BOX-1", kind="box")) == "urn:example:plant7:container:BOX-1"
    with pytest.raises(ValueError):
        URN.parse("urn:other:plant:unit:X")


def test_event_time_is_utc_and_the_offset_follows_daylight_saving():
    berlin = ZoneInfo("Europe/Berlin")
    winter, summer = datetime(2026, 1, 15, 12, 0, tzinfo=UTC), datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    assert epcis_time(winter) == "2026-01-15T12:00:00.000Z"
    assert (offset(winter, berlin), offset(summer, berlin)) == ("+01:00", "+02:00")
    assert offset(winter, ZoneInfo("America/St_Johns")) == "-03:30"
    assert offset(winter, ZoneInfo("UTC")) == "+00:00"
