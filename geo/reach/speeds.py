"""How fast one moves where (docs/reach.md#speeds): the documented defaults of
the friction surface built when no friction raster is loaded, and the one
place to override them (:class:`Speeds`).

These are planning assumptions, not measurements: typical speeds of a
mission vehicle on each class of road and of walking off road, of the order
used by global accessibility surfaces (Weiss et al. 2018, *Nature* 553;
their friction surface is what ``peacemap import friction`` loads when a
mission has it), slowed for the roads of the Central African Republic. Each
can be changed per deployment through :class:`Speeds` (the travel-time API's
``road_speed`` and ``offroad_speed`` parameters).

- **Roads** (km/h, dry season, on the class's best surface):
  :data:`ROAD_KMH`, times the surface factor :data:`SURFACE_FACTOR`
  (gravel 0.7, earth 0.5 of paved). A road without a ``surface`` is taken
  to have its class's usual one (:data:`USUAL_SURFACE`). ``path`` is a
  footpath: walking speed, whatever its surface.
- **Rainy season**: roads slow by :data:`RAINY_FACTOR` of their surface
  (paved 0.9, gravel 0.7, earth 0.4); earth tracks (:data:`RAINY_CLOSED`)
  close, leaving only walking; walking off road slows to
  :data:`RAINY_OFFROAD_FACTOR` (0.8).
- **Off road** (walking, km/h) per IGBP land-cover class:
  :data:`OFFROAD_KMH`; :data:`DEFAULT_OFFROAD_KMH` where there is no land
  cover. Water classes (0, 17) are barriers.
- **Water**: rivers, canals, lakes and reservoirs are barriers crossed only
  at crossings; streams and wetlands are not barriers but cap walking at
  :data:`STREAM_KMH` and :data:`WETLAND_KMH`. A seasonal water body counts
  in the rainy season only.
- **Crossings**: a bridge keeps the speed of what crosses it; a ferry
  (waiting included) and a ford are crossed at :data:`CROSSING_KMH`. A
  crossing opens the water cells within :data:`CROSSING_REACH_M` of it
  (13 of the 15 OpenStreetMap ferry terminals of the south-west CAR extract
  lie within 1 km of a Natural Earth 1:10m river line; the other two, 7.5 km
  away, are on rivers that map does not draw).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geo import vocab
from geo.errors import InvalidInput
from geo.rasters.legend import IGBP, WATER

ROAD_KMH = {
    "motorway": 100.0,
    "trunk": 80.0,
    "primary": 70.0,
    "secondary": 55.0,
    "tertiary": 45.0,
    "unclassified": 35.0,
    "residential": 25.0,
    "service": 20.0,
    "track": 25.0,
    "path": 5.0,
}
SURFACE_FACTOR = {"paved": 1.0, "gravel": 0.7, "earth": 0.5}
USUAL_SURFACE = {
    "motorway": "paved",
    "trunk": "paved",
    "primary": "paved",
    "secondary": "gravel",
    "tertiary": "gravel",
    "unclassified": "earth",
    "residential": "gravel",
    "service": "gravel",
    "track": "earth",
    "path": "earth",
}
WALKED = frozenset({"path"})  # classes travelled on foot: no surface factor
RAINY_FACTOR = {"paved": 0.9, "gravel": 0.7, "earth": 0.4}
RAINY_CLOSED = frozenset({("track", "earth")})
RAINY_OFFROAD_FACTOR = 0.8
OFFROAD_KMH = {
    1: 3.0,
    2: 1.5,
    3: 3.0,
    4: 2.5,
    5: 2.5,
    6: 2.5,
    7: 3.5,
    8: 3.0,
    9: 3.5,
    10: 4.0,
    11: 1.0,
    12: 3.5,
    13: 5.0,
    14: 3.5,
    15: 1.0,
    16: 3.0,
}
DEFAULT_OFFROAD_KMH = 3.0
BARRIER_WATER = frozenset({"river", "canal", "lake", "reservoir"})
STREAM_KMH = 1.5
WETLAND_KMH = 1.0
CROSSING_KMH = {"ferry": 2.0, "ford": 2.0}  # a bridge keeps the speed of what crosses it
CROSSING_REACH_M = 1500.0
MAX_KMH = 200.0  # the fastest a friction raster may say (geo.rasters.checks.MIN_FRICTION)


def friction_of(kmh):
    """Minutes per metre at ``kmh`` (the Malaria Atlas Project's friction unit).

    Parameters
    ----------
    kmh : float or numpy.ndarray

    Returns
    -------
    float or numpy.ndarray
    """
    return 60.0 / (1000.0 * kmh)


def _checked(table: dict, known, what: str, field_name: str) -> dict:
    for key, kmh in table.items():
        if key not in known:
            raise InvalidInput(f"{what} {key!r} is not one of {', '.join(map(str, known))}", field=field_name)
        if not (0 < kmh <= MAX_KMH):
            raise InvalidInput(f"{what} {key}: {kmh:g} km/h is not > 0 and ≤ {MAX_KMH:g}", field=field_name)
    return dict(table)


@dataclass(frozen=True)
class Speeds:
    """The speeds in use: the defaults above, with ``road_kmh`` (per road
    class, on the class's best surface, dry season) and ``offroad_kmh`` (per
    IGBP class) overriding some of them."""

    road_kmh: dict[str, float] = field(default_factory=dict)
    offroad_kmh: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "road_kmh", {**ROAD_KMH, **_checked(self.road_kmh, vocab.ROAD_CLASSES, "road class", "road_speed")}
        )
        land = [c for c in IGBP if c not in WATER]
        object.__setattr__(
            self,
            "offroad_kmh",
            {**OFFROAD_KMH, **_checked(self.offroad_kmh, land, "land-cover class", "offroad_speed")},
        )

    def road(self, highway: str, surface: str | None, season: str) -> float:
        """km/h on a road of this class and surface in ``season`` (0: closed).

        Parameters
        ----------
        highway : str
        surface : str or None
            None: the class's usual surface.
        season : str
            ``dry`` or ``rainy``.

        Returns
        -------
        float
        """
        surface = surface or USUAL_SURFACE[highway]
        if highway in WALKED:
            return self.road_kmh[highway] * (RAINY_OFFROAD_FACTOR if season == "rainy" else 1.0)
        if season == "rainy" and (highway, surface) in RAINY_CLOSED:
            return 0.0
        kmh = self.road_kmh[highway] * SURFACE_FACTOR[surface]
        return kmh * (RAINY_FACTOR[surface] if season == "rainy" else 1.0)

    def key(self) -> tuple:
        """A hashable form (cache keys)."""
        return tuple(sorted(self.road_kmh.items())), tuple(sorted(self.offroad_kmh.items()))


def parse_speeds(items: list[str] | None, field_name: str, integer_keys: bool = False) -> dict:
    """``["primary=50", …]`` → ``{"primary": 50.0}`` (the API's repeatable speed parameters).

    Parameters
    ----------
    items : list of str, optional
    field_name : str
        Named in the refusal.
    integer_keys : bool
        Keys are land-cover codes.

    Returns
    -------
    dict
    """
    out: dict = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        try:
            kmh = float(value)
            name = int(key) if integer_keys else key.strip()
        except ValueError:
            raise InvalidInput(f"{field_name} {item!r}: expected CLASS=KMH", field=field_name) from None
        if not sep:
            raise InvalidInput(f"{field_name} {item!r}: expected CLASS=KMH", field=field_name)
        out[name] = kmh
    return out
