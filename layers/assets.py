"""Local URLs of every script and stylesheet the pages load.

Folium points at CDNs by default; field offices are often offline, so every
element we use is re-pointed at ``/static`` (served by ``api.routers.pages``;
vendor files come from ``frontend/install_assets.sh``).
"""

from __future__ import annotations

STATIC_URL = "/static"
VENDOR = f"{STATIC_URL}/vendor"

LEAFLET_JS = [("leaflet", f"{VENDOR}/leaflet/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", f"{VENDOR}/leaflet/leaflet.css")]
CLUSTER_JS = [("markercluster_js", f"{VENDOR}/markercluster/leaflet.markercluster.js")]
CLUSTER_CSS = [
    ("markercluster_css", f"{VENDOR}/markercluster/MarkerCluster.css"),
    ("markercluster_default_css", f"{VENDOR}/markercluster/MarkerCluster.Default.css"),
]
HEAT_JS = [("leaflet_heat", f"{VENDOR}/heat/leaflet-heat.js")]
VECTORGRID_JS = [("leaflet_vectorgrid", f"{VENDOR}/vectorgrid/Leaflet.VectorGrid.bundled.min.js")]
PEACEMAP_JS = [("peacemap_js", f"{STATIC_URL}/js/peacemap.js")]
PEACEMAP_CSS = [("peacemap_css", f"{STATIC_URL}/css/peacemap.css")]
WORKLIST_JS = [("worklist_js", f"{STATIC_URL}/js/worklist.js")]
