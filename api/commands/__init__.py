"""Sub-commands of ``peacemap``; each module exposes ``command``."""
