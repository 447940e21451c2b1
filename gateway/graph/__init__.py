"""The GraphQL genealogy API (strawberry): as-built, where-used, recall scope, work-order progress.

Resolvers read through `traceability.genealogy` and the set-based `traceability.records` readers,
batched per request by DataLoaders (context.py), so a request's statement count does not grow
with the number of units it returns.
"""
