"""Set-based reads of what the store holds, for many keys at once (one statement per call).

Each function takes every key a caller needs (unit ids, lot codes, ...) and answers with a dict,
so an API layer batches per request (GraphQL DataLoaders) and never queries once per row.
"""
