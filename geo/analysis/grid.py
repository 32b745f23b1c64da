"""Where the points are, for the compiled searches (:mod:`geo.analysis.kernels`):
a mission frame and a grid of columns.

- **Mission frame.** Earth-centred coordinates (:func:`geo.analysis.metric.ecef`)
  rotated so that the third axis points at the middle of the data. A rotation
  keeps every chord length (to ~1e-9 m, inside ``EPS_M``), so nothing the
  searches decide changes; what it buys is that a mission lies flat in the
  first two axes, where a two-dimensional grid separates its points well.
- **Column grid.** Square columns of ``cell`` metres over those two axes,
  each point in the column of its (u, v), points sorted by column. A chord is
  never shorter than its (u, v) projection, so the columns a box of
  half-side R covers hold every point within chord R: a conservative filter.
  Why columns and not a k-d tree: a search visits a handful of contiguous
  runs of points with no recursion and no allocation, which the kernels
  stream through; and a grid of a few hundred columns per side holds a whole
  mission, whatever the radius (the cell follows the radius; a far-away point
  only adds empty columns, up to ``MAX_COLUMNS``, where the cell grows).
  Points on the other side of the Earth project into the same columns; the
  chord test rejects them (correct, at most twice the work, for data spread
  over the globe).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.analysis.metric import ecef

MAX_COLUMNS = 1 << 22  # beyond this the cell grows (only for data spread over thousands of km)
MIN_CELL_M = 64.0


def mission_frame(xyz: np.ndarray) -> np.ndarray:
    """A rotation (3 × 3, rows u, v, w) whose w axis points at the mean of ``xyz``.

    Parameters
    ----------
    xyz : numpy.ndarray
        Earth-centred coordinates, shape (n, 3); may be empty.

    Returns
    -------
    numpy.ndarray
        Orthonormal rows; the identity when the points have no mean direction.
    """
    mean = np.asarray(xyz, float).reshape(-1, 3).mean(axis=0) if len(xyz) else np.zeros(3)
    norm = float(np.linalg.norm(mean))
    if norm < 1.0:  # no data, or spread evenly over the globe: any frame will do
        return np.eye(3)
    w = mean / norm
    east = np.cross([0.0, 0.0, 1.0], w)
    if np.linalg.norm(east) < 1e-9:  # the mean is at a pole
        east = np.array([0.0, 1.0, 0.0])
    u = east / np.linalg.norm(east)
    return np.vstack([u, np.cross(w, u), w])


def in_frame(xyz: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """Earth-centred coordinates in ``frame`` (C-contiguous (n, 3)).

    Parameters
    ----------
    xyz : numpy.ndarray
        Shape (n, 3).
    frame : numpy.ndarray
        A rotation from :func:`mission_frame`.

    Returns
    -------
    numpy.ndarray
    """
    return np.ascontiguousarray(np.asarray(xyz, float).reshape(-1, 3) @ frame.T)


CHUNK = 1 << 18  # points converted at a time by :func:`frame_coordinates` (bounds its temporaries)


def frame_coordinates(lon: np.ndarray, lat: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """Lon/lat points in ``frame`` (C-contiguous (n, 3)): :func:`in_frame` of
    :func:`~geo.analysis.metric.ecef`, a chunk at a time so that millions of
    track vertices never hold several full-size temporaries at once.

    Parameters
    ----------
    lon, lat : numpy.ndarray
    frame : numpy.ndarray

    Returns
    -------
    numpy.ndarray
    """
    lon, lat = np.asarray(lon, float).ravel(), np.asarray(lat, float).ravel()
    out = np.empty((len(lon), 3))
    for k in range(0, len(lon), CHUNK):
        out[k : k + CHUNK] = in_frame(ecef(lon[k : k + CHUNK], lat[k : k + CHUNK]), frame)
    return out


@dataclass(frozen=True)
class ColumnGrid:
    """Points sorted by column: column ``i·nv + j`` covers
    ``u0 + i·cell ≤ u < u0 + (i+1)·cell`` and the same in v; its points are
    ``starts[c] … starts[c+1]`` of ``x, y, z`` (frame coordinates, grid
    order); ``order`` maps a grid position back to the point's index."""

    u0: float
    v0: float
    cell: float
    nu: int
    nv: int
    starts: np.ndarray
    order: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray

    def __len__(self) -> int:
        return len(self.order)

    @classmethod
    def build(cls, xyz: np.ndarray, cell_m: float) -> ColumnGrid:
        """Grid ``xyz`` (frame coordinates) in columns of about ``cell_m`` metres.

        Parameters
        ----------
        xyz : numpy.ndarray
            Shape (n, 3), in a mission frame.
        cell_m : float
            The wished cell size; larger when the points spread so far that
            the grid would exceed ``MAX_COLUMNS``.

        Returns
        -------
        ColumnGrid
        """
        xyz = np.asarray(xyz, float).reshape(-1, 3)
        cell = max(float(cell_m), MIN_CELL_M)
        if len(xyz) == 0:
            empty = np.zeros(0)
            return cls(0.0, 0.0, cell, 1, 1, np.zeros(2, np.int64), np.zeros(0, np.int64), empty, empty, empty)
        lo, hi = xyz[:, :2].min(axis=0), xyz[:, :2].max(axis=0)
        span = hi - lo
        cell = max(cell, float(np.sqrt((span[0] + cell) * (span[1] + cell) / MAX_COLUMNS)))
        nu, nv = (np.floor(span / cell).astype(np.int64) + 1).tolist()
        column = np.floor((xyz[:, 0] - lo[0]) / cell).astype(np.int64) * nv + np.floor(
            (xyz[:, 1] - lo[1]) / cell
        ).astype(np.int64)
        order = np.argsort(column, kind="stable")
        starts = np.zeros(nu * nv + 1, np.int64)
        np.cumsum(np.bincount(column, minlength=nu * nv), out=starts[1:])
        x, y, z = (np.ascontiguousarray(xyz[order, k]) for k in range(3))
        return cls(float(lo[0]), float(lo[1]), cell, int(nu), int(nv), starts, order, x, y, z)

    def columns_of(self) -> np.ndarray:
        """The column of each point, in grid order.

        Returns
        -------
        numpy.ndarray of int64
        """
        return np.repeat(np.arange(self.nu * self.nv), np.diff(self.starts))
