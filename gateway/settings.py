"""Settings from the environment (prefix TRACEBRIDGE_), one section per integration."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from devices.cfx.settings import CfxSettings
from devices.modbus.settings import ModbusSettings
from gateway.events.settings import EventsSettings
from gateway.graph.settings import GraphQLSettings
from gateway.security.settings import SecuritySettings
from integrations.epcis.settings import EpcisSettings
from integrations.erp.settings import ErpSettings
from integrations.plm.settings import PlmSettings
from integrations.wms.settings import WmsSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACEBRIDGE_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///./tracebridge.db"
    # Unset: events stay in-process (embedded mode). Set: events and CFX go through RabbitMQ.
    amqp_url: str | None = None
    max_body_bytes: int = Field(default=8 * 1024 * 1024, gt=0)
    modbus: ModbusSettings = Field(default_factory=ModbusSettings)  # TRACEBRIDGE_MODBUS_*
    events: EventsSettings = Field(default_factory=EventsSettings)  # TRACEBRIDGE_EVENTS_*
    security: SecuritySettings = Field(default_factory=SecuritySettings)  # TRACEBRIDGE_AUTH_*, _JWT_*
    plm: PlmSettings = Field(default_factory=PlmSettings)  # TRACEBRIDGE_PLM_*
    wms: WmsSettings = Field(default_factory=WmsSettings)  # TRACEBRIDGE_WMS_*
    graphql: GraphQLSettings = Field(default_factory=GraphQLSettings)  # TRACEBRIDGE_GRAPHQL_*
    erp: ErpSettings = Field(default_factory=ErpSettings)  # TRACEBRIDGE_ERP_*
    cfx: CfxSettings = Field(default_factory=CfxSettings)  # TRACEBRIDGE_CFX_*
    epcis: EpcisSettings = Field(default_factory=EpcisSettings)  # TRACEBRIDGE_EPCIS_*

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if self.environment == "production" and self.database_url.startswith("sqlite"):
            raise ValueError(
                "TRACEBRIDGE_DATABASE_URL: SQLite is for one machine; use PostgreSQL in production")
        if self.environment == "production" and not self.security.auth_required:
            raise ValueError("TRACEBRIDGE_AUTH_REQUIRED: authentication cannot be off in production")
        return self
