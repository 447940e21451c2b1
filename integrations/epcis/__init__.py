"""GS1 EPCIS 2.0 out: the store's history as EPCIS JSON-LD documents (docs/epcis.md).

The domain answers plain facts (`traceability.history`); this adapter names them with GS1
identifiers (Digital Link URIs where a part has a GTIN, per-plant URIs otherwise), CBV terms and
the EPCIS 2.0 event types, and serves them at `GET /api/v1/epcis/events`.
"""
