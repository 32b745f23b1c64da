"""PostgreSQL's binary COPY format as :mod:`geo.analysis.wire` decodes it:
the file signature and the field kinds. Apart from the decoder so that
writing a statement (:mod:`geo.analysis.read`) does not import numba, which
the decoder compiles with (a server's cold start, bench/README.md)."""

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
# Field kinds of :func:`geo.analysis.wire.decode_copy`: how each field's bytes are read.
INT, FLOAT, BOOL, VAR = 0, 1, 2, 3
