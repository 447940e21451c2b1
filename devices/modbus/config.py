"""The register map as typed models: devices, their registers, and the checks that span registers.

Field names are the config file's keys (`[[device]]`, `[[device.register]]`); see
docs/modbus.example.toml. Single-field rules live on the fields so a refusal points at the key;
rules across registers and devices (overlaps, duplicate names) are `cross_checks`, which returns
problems located the same way (a path of keys and indexes) so the loader can name the line.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from devices.modbus.decoding import DataType, Order, word_count

Function = Literal["holding", "input", "coil", "discrete"]
BIT_FUNCTIONS = ("coil", "discrete")
# The protocol's per-request limits: 125 registers (FC 3/4), 2000 bits (FC 1/2).
MAX_REGISTERS_PER_READ = 125
MAX_BITS_PER_READ = 2000

Loc = tuple[str | int, ...]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Register(_Strict):
    """One value on a device: where it sits, how to decode it, what it means in the plant."""

    parameter: str = Field(min_length=1, max_length=64)  # ProcessParameter.name
    function: Function = "holding"
    # Declared before `address`: the address check needs the type's width.
    type: DataType | None = Field(default=None, validate_default=True)
    address: int = Field(ge=0, le=65535)
    word_order: Order = "big"
    byte_order: Order = "big"
    scale: float = 1.0
    offset: float = 0.0
    unit: str = Field(default="", max_length=16)  # engineering unit, e.g. "degC"
    change_only: bool = False
    deadband: float = Field(default=0.0, ge=0)  # engineering units; > 0 implies change_only

    @field_validator("type")
    @classmethod
    def _type_fits_function(cls, value: DataType | None, info: ValidationInfo) -> DataType:
        function = info.data.get("function", "holding")
        if function in BIT_FUNCTIONS:
            if value not in (None, "bool"):
                raise ValueError(f'a {function} is a single bit: use type = "bool" (or leave it out)')
            return "bool"
        if value is None:
            raise ValueError(f"required for {function} registers: int16, uint16, int32, uint32 or float32")
        if value == "bool":
            raise ValueError(f'"bool" is for coils and discrete inputs, not {function} registers')
        return value

    @field_validator("address")
    @classmethod
    def _fits_address_space(cls, value: int, info: ValidationInfo) -> int:
        data_type = info.data.get("type")
        if data_type and value + word_count(data_type) - 1 > 65535:
            raise ValueError(f"{data_type} at {value} runs past register 65535")
        return value

    @field_validator("scale")
    @classmethod
    def _scale_not_zero(cls, value: float) -> float:
        if value == 0:
            raise ValueError("0 would store every reading as the offset")
        return value

    @property
    def width(self) -> int:
        """Registers (or bits) this value occupies."""
        return word_count(self.type or "uint16")

    @property
    def last_address(self) -> int:
        return self.address + self.width - 1

    @property
    def filtered(self) -> bool:
        """Whether unchanged values are dropped before storing."""
        return self.change_only or self.deadband > 0


class Device(_Strict):
    """A Modbus TCP server (a PLC, an oven controller) polled on its own schedule, at one station."""

    name: str = Field(min_length=1, max_length=200)  # DeviceStatus.source
    host: str = Field(min_length=1)
    port: int = Field(default=502, ge=1, le=65535)
    device_id: int = Field(default=1, ge=0, le=255)  # the Modbus unit id
    station: str = Field(min_length=1, max_length=64)
    poll_interval: float = Field(default=1.0, gt=0, le=86400)  # seconds between cycle starts
    timeout: float = Field(default=2.0, gt=0, le=60)  # per request and per connect, seconds
    retry_initial: float = Field(default=0.5, gt=0)  # first reconnect delay, doubled up to retry_max
    retry_max: float = Field(default=30.0, gt=0)
    max_gap: int = Field(default=0, ge=0, le=MAX_REGISTERS_PER_READ)  # unmapped registers a read may span
    registers: list[Register] = Field(alias="register", min_length=1)


class PollerConfig(_Strict):
    """A config file: every device one `tracebridge poll` process reads."""

    devices: list[Device] = Field(alias="device", min_length=1)


def cross_checks(config: PollerConfig) -> list[tuple[Loc, str]]:
    """Rules across registers and devices, each problem located by its key path."""
    problems: list[tuple[Loc, str]] = []
    device_names: dict[str, int] = {}
    owners: dict[tuple[str, str], tuple[int, int]] = {}
    for d, device in enumerate(config.devices):
        if device.name in device_names:
            problems.append((("device", d, "name"),
                             f"{device.name!r} is already the name of device[{device_names[device.name]}]"))
        device_names.setdefault(device.name, d)
        if device.retry_max < device.retry_initial:
            problems.append((("device", d, "retry_max"),
                             f"{device.retry_max} is less than retry_initial ({device.retry_initial})"))
        seen: list[tuple[int, Register]] = []
        for r, reg in enumerate(device.registers):
            key = (device.station, reg.parameter)
            if key in owners:
                od, orr = owners[key]
                problems.append((("device", d, "register", r, "parameter"),
                                 f"{reg.parameter!r} at station {device.station!r} is already read by "
                                 f"device[{od}].register[{orr}]; one register per parameter and station"))
            owners.setdefault(key, (d, r))
            for other_index, other in seen:
                if other.function == reg.function and (reg.address <= other.last_address
                                                       and other.address <= reg.last_address):
                    problems.append((("device", d, "register", r, "address"),
                                     f"{reg.function} {reg.address}..{reg.last_address} overlaps "
                                     f"register[{other_index}] {other.parameter!r} "
                                     f"({other.address}..{other.last_address})"))
                    break
            seen.append((r, reg))
    return problems
