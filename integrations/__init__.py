"""Adapters to the plant's business systems (ERP, PLM, WMS): hooks in, clients out."""
