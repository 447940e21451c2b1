"""A simulated SMT + box-build line driving the real ingestion paths (CFX, Modbus, REST hooks)."""
