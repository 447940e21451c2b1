"""CBV 2.0 terms the export uses: business steps per operation, dispositions per result, and
UN/CEFACT unit codes with EPCIS measurement types for process values."""

from __future__ import annotations

# CBV 2.0 bizStep per operation code; an unknown code is "other". Override with
# TRACEBRIDGE_EPCIS_BIZSTEPS (JSON). Inspection and test steps are "inspecting".
DEFAULT_BIZSTEPS: dict[str, str] = {
    "PASTE": "assembling", "SMT": "assembling", "THT": "assembling", "ASSEMBLY": "assembling",
    "REFLOW": "assembling", "WAVE": "assembling", "SELECTIVE": "assembling", "PRESS": "assembling",
    "SPI": "inspecting", "AOI": "inspecting", "AXI": "inspecting", "XRAY": "inspecting",
    "ICT": "inspecting", "FCT": "inspecting", "TEST": "inspecting", "INSPECTION": "inspecting",
    "REWORK": "repairing", "REPAIR": "repairing", "PACK": "packing", "DEPANEL": "other",
}

# The CBV 2.0 bizStep and disposition vocabularies (bare terms), to refuse typos in settings.
BIZSTEPS = frozenset({
    "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
    "creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
    "disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting",
    "installing", "killing", "loading", "other", "packing", "picking", "receiving", "removing",
    "repackaging", "repairing", "replacing", "reserving", "retail_selling", "shipping",
    "staging_outbound", "stock_taking", "stocking", "storing", "transporting", "unloading", "unpacking",
    "void_shipping", "sensor_reporting", "sampling"
})

DISPOSITIONS = frozenset({
    "active", "container_closed", "damaged", "destroyed", "dispensed", "disposed", "encoded", "expired",
    "in_progress", "in_transit", "inactive", "no_pedigree_match", "non_sellable_other",
    "partially_dispensed", "recalled", "reserved", "retail_sold", "returned", "sellable_accessible",
    "sellable_not_accessible", "stolen", "unknown", "available", "completeness_verified",
    "completeness_inferred", "conformant", "container_open", "mismatch_instance", "mismatch_class",
    "mismatch_quantity", "needs_replacement", "non_conformant", "unavailable"
})

# An operation's result -> CBV disposition of the unit after it.
RESULT_DISPOSITION = {"pass": "conformant", "fail": "non_conformant", "scrapped": "destroyed",
                      "aborted": "unknown", None: "in_progress"}

# Engineering unit -> (EPCIS measurement type, UN/CEFACT Rec. 20 code).
MEASUREMENTS: dict[str, tuple[str, str]] = {
    "C": ("Temperature", "CEL"), "degC": ("Temperature", "CEL"), "K": ("Temperature", "KEL"),
    "s": ("Time", "SEC"), "ms": ("Time", "C26"), "min": ("Time", "MIN"),
    "A": ("ElectricCurrent", "AMP"), "mA": ("ElectricCurrent", "4K"),
    "V": ("Voltage", "VLT"), "mV": ("Voltage", "2Z"), "ohm": ("Resistance", "OHM"),
    "Ohm": ("Resistance", "OHM"), "kohm": ("Resistance", "B49"), "F": ("Capacitance", "FAR"),
    "uF": ("Capacitance", "4O"), "Hz": ("Frequency", "HTZ"), "W": ("Power", "WTT"),
    "N": ("Force", "NEW"), "Nm": ("Torque", "NU"), "mm": ("Length", "MMT"), "um": ("Length", "4H"),
    "Pa": ("Pressure", "PAL"), "kPa": ("Pressure", "KPA"), "bar": ("Pressure", "BAR"),
    "g": ("Mass", "GRM"), "mg": ("Mass", "MGM"), "%RH": ("RelativeHumidity", "P1"),
}

# Part unit of measure -> UN/CEFACT code for quantities of a lot.
QUANTITY_UOM = {"EA": None, "PCS": None, "KG": "KGM", "G": "GRM", "M": "MTR", "L": "LTR", "ML": "MLT"}
