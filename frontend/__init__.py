"""The web pages' files: Jinja templates and static JS/CSS. Third-party map
assets are fetched into ``static/vendor`` by ``install_assets.sh`` (no CDN)."""

from pathlib import Path

FRONTEND_DIR = Path(__file__).resolve().parent
STATIC_DIR = FRONTEND_DIR / "static"
TEMPLATES_DIR = FRONTEND_DIR / "templates"
VENDOR_DIR = STATIC_DIR / "vendor"
# Natural Earth 1:50m (countries, rivers, lakes) for the offline basemap (geo/basemap.py).
NATURAL_EARTH = VENDOR_DIR / "naturalearth" / "world_50m.json"
