"""Pulling released work orders from the ERP's SOAP API (a simulator on 127.0.0.1) with zeep."""

from __future__ import annotations

import pytest
import requests
from typer.testing import CliRunner

from gateway.cli import app as cli
from integrations.erp import inbound
from integrations.erp.client import ErpClient
from integrations.erp.pull import pull
from integrations.erp.settings import ErpSettings
from integrations.erp.simulator import ErpSimulator
from tests.erp_support import plant, written


def released(p, number, **over):
    order = {"ID": number, "Version": 1, "MaterialDefinitionID": p["part"],
             "Quantity": {"QuantityString": "120", "UnitOfMeasure": "EA"},
             "OperationsDefinitionVersion": "R1",
             "EndTime": "2026-12-20", "RequestState": "Released", "EquipmentID": "SMT-L1"}
    return {**order, **over}


@pytest.fixture
def erp(store, uid):
    p = plant(store, uid)
    with ErpSimulator(credentials=("mes", "s3cret")) as sim:
        client = ErpClient(ErpSettings(wsdl_url=sim.wsdl_url, username="mes", password="s3cret", timeout=5))
        yield sim, client, p
        client.close()


def test_pull_applies_new_orders_refuses_bad_ones_and_repeats_nothing(erp, store, uid):
    sim, client, p = erp
    sim.orders = [released(p, f"{uid}-WO-1"), released(p, f"{uid}-WO-2", MaterialDefinitionID=f"{uid}-NOPE"),
                  released(p, f"{uid}-WO-3", RequestState="Planned")]
    report = pull(store, client)
    assert (report.received, report.changed, report.unchanged) == (2, 1, 0)
    assert report.refused == [f"{uid}-WO-2 MaterialDefinitionID: unknown part '{uid}-NOPE'"]
    got = inbound.get(store, f"{uid}-WO-1").ProductionOrder
    assert (got.RequestState, got.Version, str(got.Quantity.QuantityString)) == ("Released", 1, "120.0")
    before = written(store, uid)
    again = pull(store, client)
    assert (again.changed, again.unchanged) == (0, 1)
    assert written(store, uid) == before


def test_a_newer_version_updates_and_an_older_one_is_ignored(erp, store, uid):
    sim, client, p = erp
    sim.orders = [released(p, f"{uid}-WO-1", Version=2)]
    pull(store, client)
    sim.orders = [released(p, f"{uid}-WO-1", Version=3, Quantity={"QuantityString": "150"})]
    assert pull(store, client).changed == 1
    sim.orders = [released(p, f"{uid}-WO-1", Version=1, Quantity={"QuantityString": "1"})]
    assert pull(store, client).unchanged == 1
    got = inbound.get(store, f"{uid}-WO-1").ProductionOrder
    assert (got.Version, str(got.Quantity.QuantityString)) == (3, "150.0")


def test_an_erp_failing_at_first_is_retried(erp, store, uid):
    sim, client, p = erp
    sim.orders, sim.fail_first = [released(p, f"{uid}-WO-1")], 2
    assert pull(store, client).changed == 1
    assert sim.calls == ["GetReleasedProductionOrders"] * 3


def test_an_erp_that_went_away_writes_nothing(erp, store, uid):
    sim, client, p = erp
    sim.orders = [released(p, f"{uid}-WO-1")]
    client.released_orders()  # the WSDL is read while it is up
    sim.stop()
    with pytest.raises(requests.ConnectionError):
        pull(store, client)
    assert written(store, uid) == (0, 0, 0)


def test_cli_sync(erp, database_url, uid, monkeypatch):
    sim, _, p = erp
    sim.orders = [released(p, f"{uid}-WO-1"), released(p, f"{uid}-WO-2")]
    monkeypatch.setenv("TRACEBRIDGE_DATABASE_URL", database_url)
    monkeypatch.setenv("TRACEBRIDGE_ERP_WSDL_URL", sim.wsdl_url)
    monkeypatch.setenv("TRACEBRIDGE_ERP_USERNAME", "mes")
    monkeypatch.setenv("TRACEBRIDGE_ERP_PASSWORD", "s3cret")
    result = CliRunner().invoke(cli, ["erp", "sync"])
    assert result.exit_code == 0, result.output
    assert "2 received, 2 changed, 0 unchanged, 0 refused" in result.output
    result = CliRunner().invoke(cli, ["erp", "sync", "--every", "0.05", "--duration", "0.2"])
    assert result.exit_code == 0, result.output
    assert "0 changed, 2 unchanged" in result.output


def test_wrong_credentials_are_refused_by_the_erp(erp, store, uid):
    sim, _, p = erp
    sim.orders = [released(p, f"{uid}-WO-1")]
    client = ErpClient(ErpSettings(wsdl_url=sim.wsdl_url, username="mes", password="wrong", timeout=5))
    with pytest.raises(requests.HTTPError, match="401"):
        pull(store, client)
    client.close()
    assert written(store, uid) == (0, 0, 0)
