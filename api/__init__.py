"""HTTP API and command line: the outer layer over ``layers`` and ``geo``."""
