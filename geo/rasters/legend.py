"""The IGBP land-cover legend, as MODIS land-cover products use it (MCD12Q1
type 1 and MCD12C1): the only land-cover codes a land-cover raster may hold
(:mod:`geo.rasters.checks`) and the keys of the off-road speeds
(:mod:`geo.reach.speeds`).

MCD12C1 codes water 0, MCD12Q1 17; both are water here. 255 ("unclassified"
in MCD12Q1) must be the file's nodata value to be accepted.
"""

from __future__ import annotations

IGBP = {
    0: "Water",
    1: "Evergreen needleleaf forest",
    2: "Evergreen broadleaf forest",
    3: "Deciduous needleleaf forest",
    4: "Deciduous broadleaf forest",
    5: "Mixed forest",
    6: "Closed shrublands",
    7: "Open shrublands",
    8: "Woody savannas",
    9: "Savannas",
    10: "Grasslands",
    11: "Permanent wetlands",
    12: "Croplands",
    13: "Urban and built-up",
    14: "Cropland/natural vegetation mosaic",
    15: "Snow and ice",
    16: "Barren or sparsely vegetated",
    17: "Water bodies",
}
WATER = frozenset({0, 17})
