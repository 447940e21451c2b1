"""The gateway: the FastAPI application (REST, GraphQL, SOAP endpoints), its settings and the CLI.

It is the composition root: engines, buses and clients are built here from `Settings`, in the
app's lifespan or in a CLI command, never at import time.
"""
