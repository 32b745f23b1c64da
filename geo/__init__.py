"""The domain core: models, database, queries, analysis and file formats.

Nothing here imports FastAPI or ``api``: the same code serves the HTTP API,
the command line, the tests and the benchmarks.
"""
