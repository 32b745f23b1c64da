"""CSV cells a spreadsheet will not run ("CSV injection", OWASP).

Excel, LibreOffice and Google Sheets read a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return as a formula, so a text field such as
``=HYPERLINK("http://evil.example","x")`` typed into an incident would run on
the planner's machine that opens our CSV. Every CSV the product writes passes
its text cells through :func:`escape_cell`, which prefixes ``'`` as OWASP
advises; numbers (a negative longitude) are not text and stay numbers.

The escape is reversible: a value that already starts with apostrophes before
a formula character gets one more, so :func:`unescape_cell` (used by the
generic importer when it reads a CSV back) returns exactly what was stored.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def _needs(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_START)


def escape_cell(value: Any) -> Any:
    """``'`` + ``value`` for a text cell a spreadsheet would read as a formula;
    any other value unchanged.

    Parameters
    ----------
    value : Any
        One cell as it is about to be written.

    Returns
    -------
    Any
        The cell to write.
    """
    if isinstance(value, str) and _needs(value):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`escape_cell` applied to its text columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows about to be written with ``to_csv``.

    Returns
    -------
    pandas.DataFrame
        The same rows; numeric columns untouched.
    """
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_object_dtype(out[name]) or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(escape_cell)
    return out


def unescape_column(s: pd.Series) -> pd.Series:
    """Undo :func:`escape_cell` on one column of text read from a CSV.

    Parameters
    ----------
    s : pandas.Series
        Raw cells (strings).

    Returns
    -------
    pandas.Series
        The cells with the one ``'`` our exports added removed.
    """
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return s
    escaped = s.astype(str).str.match(_ESCAPED).to_numpy(dtype=bool)
    if not escaped.any():
        return s
    out = s.copy()
    out[escaped] = s[escaped].str[1:]
    return out
