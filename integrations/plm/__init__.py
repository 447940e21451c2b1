"""PLM integration: routings with revisions, per-operation BOM and parameter specs."""
