"""ERP integration: work orders in (REST and SOAP hooks, SOAP pull), confirmations out."""
