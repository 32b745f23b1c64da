"""What OpenStreetMap exports have in common, for the road, waterway and
crossing importers: tags as columns (Overpass/osmtogeojson GeoJSON, the HOT
export tool's GeoPackage and Shapefile, Geofabrik's ``fclass``) or packed in
``other_tags`` (GDAL's OSM driver, ``"surface"=>"asphalt","bridge"=>"yes"``),
and ids under several names (``osm_id``, ``@id`` as ``way/123``, ``id``).

Each tag is read once per batch as a column of strings (None when absent):
:func:`tag`. Values follow the OSM wiki; a value list (``asphalt;gravel``)
counts as its first value.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo.io.fields import Batch, identifier
from geo.io.importer import Options, put_source

OSM_SOURCE = "openstreetmap"
OSM_IDS = ("osm_id", "@id", "osm_way_id", "osm_node_id", "full_id")
YES = frozenset({"yes", "true", "1", "t", "y"})
_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


def _blank(v) -> bool:
    return v is None or bool(pd.isna(v)) or str(v).strip() == ""


class Tags:
    """The OSM tags of one batch: each read as a column of strings (None when
    absent) from its own column or from ``other_tags`` (parsed once)."""

    def __init__(self, b: Batch, opts: Options):
        self.b, self.opts = b, opts
        col = b.col(opts.column(b.frame.columns, "other_tags"))
        self.packed: list[dict[str, str]] = (
            [{} for _ in range(len(b))]
            if col is None
            else [dict(_HSTORE.findall(v)) if isinstance(v, str) else {} for v in col]
        )

    def _raw(self, key: str, aliases: tuple[str, ...]) -> list:
        col = self.b.col(self.opts.column(self.b.frame.columns, key, *aliases))
        values = [None] * len(self.b) if col is None else col.tolist()
        return [self.packed[i].get(key) if _blank(v) else v for i, v in enumerate(values)]

    def get(self, key: str, *aliases: str) -> np.ndarray:
        """One tag per row, lower-cased and stripped, first of a ``;`` list; None when absent.

        Parameters
        ----------
        key : str
            The OSM key (``highway``, ``surface``…), also looked up in ``other_tags``.
        *aliases : str
            Other column names holding it (Geofabrik's ``fclass``).

        Returns
        -------
        numpy.ndarray of object
        """
        raw = self._raw(key, aliases)
        return np.array([None if _blank(v) else str(v).split(";")[0].strip().lower() for v in raw], dtype=object)

    def text(self, key: str, max_len: int, *aliases: str) -> np.ndarray:
        """A free-text tag (``name``, ``ref``) as written; too long → the row is rejected.

        Parameters
        ----------
        key : str
        max_len : int
        *aliases : str

        Returns
        -------
        numpy.ndarray of object
        """
        values = np.array([None if _blank(v) else str(v).strip() for v in self._raw(key, aliases)], dtype=object)
        self.b.reject(
            np.fromiter((v is not None and len(v) > max_len for v in values), bool, len(values)),
            key,
            f"{key} is longer than {max_len} characters",
        )
        return values


def is_yes(values: np.ndarray, also: frozenset[str] = frozenset()) -> np.ndarray:
    """OSM's yes-like values (``yes``, ``true``, ``1``, and ``also``) as booleans.

    Parameters
    ----------
    values : numpy.ndarray of object
        From :func:`tag`.
    also : frozenset of str
        Further values meaning yes (``viaduct`` for ``bridge``).

    Returns
    -------
    numpy.ndarray of bool
    """
    return np.fromiter((v is not None and (v in YES or v in also) for v in values), bool, len(values))


def put_ids(b: Batch, opts: Options, named: tuple[str, ...] = OSM_IDS, source: str = OSM_SOURCE) -> None:
    """``source`` + ``source_id``: from the first of the producer's id columns
    ``named`` (then ``source`` is the producer's, e.g. ``openstreetmap``; an
    ``@id`` of ``way/123`` keeps its type, so a node and a way with the same
    number stay apart), else from an ``id``/``fid`` column or the row number
    (then the file's own source).

    Parameters
    ----------
    b : Batch
    opts : Options
    named : tuple of str
        The producer's id columns, in order of preference.
    source : str
        The producer's name.

    Returns
    -------
    None
    """
    cols = b.frame.columns
    id_col = opts.column(cols, "source_id", *named) or opts.column(cols, "id", "fid")
    if id_col is None:
        put_source(b, opts, np.array([str(r) for r in b.rows], dtype=object))
        return
    producer = id_col.lower() in named and "source_id" not in opts.mapping
    put_source(b, opts, identifier(b, b.col(id_col), id_col), source if producer else None)


def folded(values: np.ndarray, table: dict[str, str]) -> np.ndarray:
    """Each value through ``table`` (None where it has no entry).

    Parameters
    ----------
    values : numpy.ndarray of object
    table : dict of str to str

    Returns
    -------
    numpy.ndarray of object
    """
    return np.array([table.get(v) if v is not None else None for v in values], dtype=object)
