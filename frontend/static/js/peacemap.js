/* peacemap map glue.
 *
 * Layers carry a spec (layers/spec.py); when a layer is on, its features are
 * fetched as GeoJSON from the JSON API for the current view (bbox, limit,
 * date window) and drawn on canvas. Keys: with public read no key is needed;
 * otherwise the page asks once and keeps the key in sessionStorage. A 503
 * with Retry-After (the analysis warming up after a start, a busy server)
 * is retried after that delay; the layer says so meanwhile, and its
 * peacemap:layerload event comes only once it has loaded.
 *
 * A layer with vector tiles (spec.tilejson) whose view holds more features
 * than its limit draws every one of them from the tiles (Leaflet.VectorGrid
 * on canvas) instead of a page of GeoJSON.
 *
 * State: peacemap.layers[key] = {spec, group, returned, matched, loads, error,
 * tiles, reload()} per layer (what the legend shows; tiles: the VectorGrid
 * layer while one is drawn). Events, dispatched on `document` for pages that
 * embed the map (and for tests and benchmarks, which listen from outside):
 *   peacemap:layerloading  {key}                          a fetch started
 *   peacemap:layerload     {key, returned, matched, grid, tiles} features drawn
 *   peacemap:layererror    {key, error}                   a fetch failed
 *   peacemap:layerwaiting  {key, code, retryAfter}        503: retried after retryAfter s
 * A fetch superseded by a newer one (the view moved) ends without an event:
 * the newer one's event follows.
 */
(function () {
  "use strict";
  var KEY = "peacemap.apiKey";
  var pm = (window.peacemap = window.peacemap || {});
  pm.layers = {};      // key -> {spec, group, returned, matched, loads, error, reload}
  // The page's language (layers/messages.py): texts by English msgid, vocabulary labels by code.
  pm.messages = { lang: "en", dir: "ltr", texts: {}, vocab: {} };
  pm.setMessages = function (m) { pm.messages = m; };
  /* The msgid in the page's language, `{name}` placeholders filled from `params`. */
  pm.t = function (msgid, params) {
    var text = pm.messages.texts[msgid] || msgid;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return params && params[name] !== undefined ? String(params[name]) : all;
    });
  };
  pm.num = function (v, digits) {
    return Number(v).toLocaleString(pm.messages.lang, { maximumFractionDigits: digits === undefined ? 2 : digits });
  };
  pm.vocab = function (v) { return pm.messages.vocab[v] || String(v).replace(/_/g, " "); };

  // ---- keys -------------------------------------------------------------
  pm.getKey = function () { return sessionStorage.getItem(KEY) || ""; };
  pm.setKey = function (k) { if (k) sessionStorage.setItem(KEY, k); else sessionStorage.removeItem(KEY); };
  var asking = null;
  pm.askKey = function (message) {
    if (asking) return asking;
    asking = new Promise(function (resolve) {
      var box = document.createElement("form");
      box.className = "pm-keybox";
      box.id = "pm-keybox";
      box.innerHTML = '<p></p><input type="password" name="key" autocomplete="off">' +
        '<button type="submit"></button>';
      box.elements.key.placeholder = pm.t("API key");
      box.querySelector("button").textContent = pm.t("Use key");
      box.querySelector("p").textContent = message;
      box.addEventListener("submit", function (e) {
        e.preventDefault();
        var k = box.elements.key.value.trim();
        if (!k) return;
        pm.setKey(k);
        box.remove();
        asking = null;
        resolve(k);
      });
      document.body.appendChild(box);
      box.elements.key.focus();
    });
    return asking;
  };
  /* fetch with the stored key; a 401 asks for a key and retries. */
  pm.api = function (url, init) {
    init = init || {};
    var headers = Object.assign({ Accept: "application/json", "Accept-Language": pm.messages.lang }, init.headers || {});
    var key = pm.getKey();
    if (key) headers.Authorization = "Bearer " + key;
    return fetch(url, Object.assign({}, init, { headers: headers })).then(function (resp) {
      if (resp.status === 401 && !init.noPrompt) {
        // Sent before a key was entered (several layers start at once; the slower ones answer
        // after the user has typed it): retry with that key rather than ask a second time.
        if (pm.getKey() && pm.getKey() !== key) return pm.api(url, init);
        var msg = pm.t(key ? "The key was refused. Enter a valid API key:" : "This server needs an API key to show data. Enter your key:");
        return pm.askKey(msg).then(function () { return pm.api(url, init); });
      }
      return resp;
    });
  };
  pm.json = function (url, init) {
    return pm.api(url, init).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (!resp.ok) {
          var err = new Error(body.detail || resp.statusText);
          err.status = resp.status; err.body = body;
          err.retryAfter = Number(resp.headers.get("Retry-After")) || 0;
          throw err;
        }
        return body;
      });
    });
  };

  // ---- styling ----------------------------------------------------------
  pm.esc = function (v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };
  function fmt(v, how) {
    if (v === null || v === undefined || v === "") return "—";
    if (Array.isArray(v)) {
      if (!v.length) return "—";
      return how === "list" ? "<ul>" + v.map(function (x) { return "<li>" + pm.esc(x) + "</li>"; }).join("") + "</ul>"
        : pm.esc(v.map(pm.vocab).join(", "));
    }
    if (how === "date") return pm.esc(String(v).slice(0, 10));
    if (typeof v === "number") return pm.esc(pm.num(v, Math.abs(v) >= 100 ? 0 : 2));
    if (typeof v === "boolean") return pm.t(v ? "yes" : "no");
    return pm.esc(pm.vocab(v));
  }
  pm.popupHtml = function (spec, feature) {
    var p = feature.properties || {};
    var head = spec.title && p[spec.title] ? p[spec.title] : spec.name;
    var rows = spec.popup.map(function (f) {
      return '<tr data-field="' + pm.esc(f[0]) + '"><th>' + pm.esc(f[1]) + "</th><td>" + fmt(p[f[0]], f[2]) + "</td></tr>";
    }).join("");
    var links = spec.links ? spec.links.map(function (l) {
      var id = feature.id !== undefined ? feature.id : p[l[2]];
      return id === undefined || id === null ? "" : '<a class="pm-popup-link" href="' + pm.esc(l[1].replace("{id}", encodeURIComponent(id))) +
        '">' + pm.esc(l[0]) + "</a>";
    }).join(" ") : "";
    return '<div class="pm-popup"><h3>' + pm.esc(pm.vocab(head)) + "</h3><table>" + rows + "</table>" + links + "</div>";
  };
  /* More in a popup once it is open: the entry of the feature (same id) in
   * spec.detail.url's list, rendered by pm.details[spec.detail.kind]. */
  pm.details = {};
  pm.popupDetail = function (spec, f, popup) {
    var d = spec.detail;
    if (!d._list) d._list = pm.json(d.url + (d.url.indexOf("?") < 0 ? "?" : "&") + "limit=10000");
    d._list.then(function (body) {
      var entry = (body[d.member] || []).filter(function (x) { return x.id === f.id; })[0];
      if (entry && pm.details[d.kind]) popup.setContent(pm.popupHtml(spec, f) + pm.details[d.kind](entry));
      emit("popupdetail", { key: spec.key, id: f.id, found: !!entry });
    }).catch(function (err) { console.error("peacemap detail " + spec.key, err); });
  };
  /* An agreement: incidents a month before and after signing, the rate ratio, and a bar per month. */
  pm.details["agreement-strain"] = function (a) {
    if (!a.assessed) return '<p class="pm-detail">' + pm.esc(a.reasons.join("; ")) + "</p>";
    var rr = a.rate_ratio || {}, n = function (v) { return v === null || v === undefined ? "—" : fmt(v); };
    var html = '<div class="pm-detail" data-detail="agreement-strain"><table>' +
      "<tr><th>" + pm.esc(pm.t("Incidents a month")) + "</th><td>" + pm.esc(pm.t("{before} before → {after} after",
        { before: n(a.incidents_per_month_before), after: n(a.incidents_per_month_after) })) + "</td></tr>" +
      "<tr><th>" + pm.esc(pm.t("Deaths a month")) + "</th><td>" + pm.esc(pm.t("{before} before → {after} after",
        { before: n(a.fatalities_per_month_before), after: n(a.fatalities_per_month_after) })) + "</td></tr>" +
      "<tr><th>" + pm.esc(pm.t("Rate ratio (95 %)")) + "</th><td>" + n(rr.estimate) + " [" + n(rr.low) + "–" + (rr.high === null ? "∞" : n(rr.high)) + "]</td></tr>" +
      "<tr><th>" + pm.esc(pm.t("Incidents involving a party")) + "</th><td>" +
      pm.esc(pm.t("{n} after signing", { n: n(a.party_incidents_after) })) + "</td></tr></table>";
    var months = a.months || [], w = 260, h = 70, max = 1;
    months.forEach(function (m) { max = Math.max(max, m.incidents_before + m.incidents_after); });
    var bw = w / Math.max(1, months.length), bars = "";
    months.forEach(function (m, i) {
      var hb = h * m.incidents_before / max, ha = h * m.incidents_after / max, x = (i * bw).toFixed(1);
      var title = pm.esc(pm.t("{month}: {before} before, {after} after signing", { month: m.month, before: m.incidents_before, after: m.incidents_after }));
      bars += '<g><title>' + title + "</title>" +
        '<rect class="pm-before" x="' + x + '" y="' + (h - hb).toFixed(1) + '" width="' + (bw - 1).toFixed(1) + '" height="' + hb.toFixed(1) + '" fill="#999"></rect>' +
        '<rect class="pm-after" x="' + x + '" y="' + (h - hb - ha).toFixed(1) + '" width="' + (bw - 1).toFixed(1) + '" height="' + ha.toFixed(1) + '" fill="#d73027"></rect></g>';
    });
    html += '<svg class="pm-chart" width="' + w + '" height="' + (h + 14) + '" role="img" aria-label="' + pm.esc(pm.t("Incidents per month")) + '">' + bars +
      '<text x="0" y="' + (h + 12) + '" font-size="10">' + pm.esc(months.length ? months[0].month : "") + "</text>" +
      '<text x="' + w + '" y="' + (h + 12) + '" font-size="10" text-anchor="end">' + pm.esc(months.length ? months[months.length - 1].month : "") + "</text></svg>";
    if (a.reasons.length) html += "<ul>" + a.reasons.map(function (r) { return "<li>" + pm.esc(r) + "</li>"; }).join("") + "</ul>";
    return html + "<p>" + pm.esc(pm.t("Grey: before signing; red: after.")) + "</p></div>";
  };
  pm.colour = function (rule, p) {
    if (rule.type === "fixed") return rule.colour;
    var v = p[rule.prop];
    if (rule.type === "categorical") return rule.colours[v] || rule.other;
    if (v === null || v === undefined) return rule.missing;
    for (var i = 0; i < rule.breaks.length; i++) {
      var upper = rule.breaks[i][0];
      if (upper === null || v <= upper) return rule.breaks[i][1];
    }
    return rule.missing;
  };
  function radius(r, p) {
    var v = r.prop ? Math.max(0, Number(p[r.prop]) || 0) : 0;
    return Math.min(r.max, r.base + r.per * Math.sqrt(v));
  }
  function metresPerPixel(map) {
    var lat = map.getCenter().lat * Math.PI / 180;
    return 40075016.686 * Math.cos(lat) / Math.pow(2, map.getZoom() + 8);
  }
  function fade(spec, p) {
    if (!spec.fadeProp || !p[spec.fadeProp]) return 1;
    var age = (Date.parse(spec.fadeEnd) - Date.parse(p[spec.fadeProp])) / 86400000;
    return Math.max(0.15, Math.min(1, 1 - age / spec.fadeDays));
  }

  // ---- drawing ----------------------------------------------------------
  function pointLayer(spec, f, latlng) {
    var p = f.properties || {};
    var colour = pm.colour(spec.colour, p);
    if (spec.glyph) {
      var text = spec.glyph[1][p[spec.glyph[0]]] || "?";
      return L.marker(latlng, {
        icon: L.divIcon({ className: "pm-glyph", iconSize: null,
          html: '<span style="background:' + colour + '">' + pm.esc(text) + "</span>" }),
        title: String(p[spec.title] || ""),
      });
    }
    return L.circleMarker(latlng, { radius: radius(spec.radius, p), color: "#333", weight: 1,
      fillColor: colour, fillOpacity: 0.85 });
  }
  function geoJsonLayer(map, spec, fc) {
    var buffers = [];
    // Canvas draws later features on top: put the first-ranked last.
    if (spec.topFirst) fc = Object.assign({}, fc, { features: fc.features.slice().reverse() });
    var layer = L.geoJSON(fc, {
      pointToLayer: function (f, latlng) { return pointLayer(spec, f, latlng); },
      style: function (f) {
        var p = f.properties || {};
        var colour = pm.colour(spec.colour, p);
        if (spec.kind === "line") return { color: colour, weight: 2, opacity: 0.9 * fade(spec, p) };
        return { color: "#555", weight: 1, fillColor: colour, fillOpacity: spec.fillOpacity };
      },
      onEachFeature: function (f, l) {
        if (spec.popup.length || spec.title) l.bindPopup(function () { return pm.popupHtml(spec, f); });
        if (spec.detail) l.on("popupopen", function (e) { pm.popupDetail(spec, f, e.popup); });
        if (spec.bufferProp && l.getLatLngs) {
          var p = f.properties || {};
          buffers.push({ metres: Number(p[spec.bufferProp]) || spec.bufferDefault,
            line: L.polyline(l.getLatLngs(), { color: pm.colour(spec.colour, p), opacity: 0.18 * fade(spec, p),
              lineCap: "round", lineJoin: "round", interactive: false }) });
        }
      },
    });
    if (!buffers.length) return layer;
    var both = L.layerGroup(buffers.map(function (b) { return b.line; }).concat([layer]));
    var resize = function () {
      var mpp = metresPerPixel(map);
      buffers.forEach(function (b) { b.line.setStyle({ weight: Math.max(2, 2 * b.metres / mpp) }); });
    };
    resize();
    map.on("zoomend", resize);
    both.on("remove", function () { map.off("zoomend", resize); });
    return both;
  }
  function gridLayer(spec, fc) {
    return L.geoJSON(fc, {
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        return L.circleMarker(latlng, { radius: Math.min(28, 4 + 2.2 * Math.sqrt(p.count)), color: "#333", weight: 1,
          fillColor: pm.colour(spec.colour, p), fillOpacity: 0.75 });
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindPopup('<div class="pm-popup"><h3>' + pm.esc(pm.t("{n} in this cell", { n: pm.num(p.count) })) +
          "</h3><p>" + pm.esc(pm.t("{deaths} deaths in this cell; the deadliest incident killed {max}.",
            { deaths: pm.num(p.deaths), max: pm.num(p.fatalities) })) + "</p><p>" + pm.esc(pm.t("Zoom in to see each incident.")) + "</p></div>");
      },
    });
  }
  function clusterLayer(spec, fc) {
    var mc = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50 });
    var markers = [];
    fc.features.forEach(function (f) {
      if (!f.geometry || f.geometry.type !== "Point") return;
      var c = f.geometry.coordinates;
      var m = pointLayer(spec, f, L.latLng(c[1], c[0]));
      m.bindPopup(function () { return pm.popupHtml(spec, f); });
      markers.push(m);
    });
    mc.addLayers(markers);
    return mc;
  }
  /* Weight 1 + deaths per incident; a grid cell (count, deaths) weighs the sum of its incidents'. */
  function heatLayer(spec, fc, grid) {
    var pts = [];
    fc.features.forEach(function (f) {
      if (!f.geometry || f.geometry.type !== "Point") return;
      var c = f.geometry.coordinates, p = f.properties || {};
      pts.push([c[1], c[0], grid ? p.count + p.deaths : 1 + (Number(p[spec.radius.prop]) || 0)]);
    });
    var weights = pts.map(function (x) { return x[2]; }).sort(function (a, b) { return a - b; });
    var top = weights.length ? weights[Math.floor(0.95 * (weights.length - 1))] : 1;
    return L.heatLayer(pts, { radius: 20, blur: 15, maxZoom: 10, minOpacity: 0.35, max: Math.max(1, top) });
  }

  /* The geography beneath the data (geo/basemap.py): lines and areas on a canvas of
   * their own below every data layer, names as text labels above them. */
  var CONTEXT_STYLE = {
    lake: { weight: 0.5, fillOpacity: 0.8 }, river: { weight: 1.4 }, road: { weight: 1.2, dashArray: "4 3" },
    admin: { weight: 1, dashArray: "2 3" }, country: { weight: 2.2 },
  };
  function contextPanes(map) {
    if (!map.getPane("pm-context")) {
      map.createPane("pm-context").style.zIndex = 250;  // under the overlay pane (400)
      map.createPane("pm-labels").style.zIndex = 450;   // names above the data, under popups
      map.getPane("pm-labels").style.pointerEvents = "none";
      map._pmContextRenderer = L.canvas({ pane: "pm-context" });
    }
    return map._pmContextRenderer;
  }
  function contextLayer(map, spec, fc) {
    var renderer = contextPanes(map);
    return L.geoJSON(fc, {
      pane: "pm-context",
      style: function (f) {
        var kind = f.properties.layer, colour = pm.colour(spec.colour, f.properties), st = CONTEXT_STYLE[kind] || {};
        return Object.assign({ renderer: renderer, color: colour, fillColor: colour, fill: kind === "lake", opacity: 0.9,
          interactive: false }, st);
      },
      pointToLayer: function (f, latlng) {
        var kind = f.properties.layer;
        return L.marker(latlng, { pane: "pm-labels", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "pm-label pm-label-" + kind, iconSize: null,
            html: (kind === "town" || kind === "village" ? "<i></i>" : "") + "<span>" + pm.esc(f.properties.name || "") + "</span>" }) });
      },
    });
  }

  /* Every feature of the view from vector tiles, styled as the GeoJSON points are. */
  function vectorTiles(map, spec, template, onLoad) {
    var style = {};
    style[spec.key] = function (p) {
      return { radius: radius(spec.radius, p), fill: true, fillColor: pm.colour(spec.colour, p), fillOpacity: 0.85,
        color: "#333", weight: 1 };
    };
    var headers = {};
    if (pm.getKey()) headers.Authorization = "Bearer " + pm.getKey();
    var layer = L.vectorGrid.protobuf(template, {
      vectorTileLayerStyles: style, rendererFactory: L.canvas.tile, interactive: true, maxNativeZoom: 22,
      getFeatureId: function (f) { return f.properties.id; }, fetchOptions: { headers: headers },
    });
    layer.on("click", function (e) {
      var p = e.layer.properties;
      var popup = L.popup().setLatLng(e.latlng).setContent(pm.popupHtml(spec, { properties: p })).openOn(map);
      // Wide-zoom tiles carry only what the symbols are drawn with: the feature's other fields by its id.
      pm.json(spec.url + "/" + encodeURIComponent(p.id)).then(function (f) {
        popup.setContent(pm.popupHtml(spec, f));
        emit("popupdetail", { key: spec.key, id: p.id, found: true });
      }).catch(function (err) { console.error("peacemap feature " + spec.key, err); });
    });
    layer.on("load", onLoad);
    return layer;
  }

  function setCount(key, text) {
    document.querySelectorAll('[data-count="' + key + '"]').forEach(function (el) { el.textContent = text; });
  }
  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent("peacemap:" + name, { detail: detail }));
  }
  function clampBbox(b) {
    var c = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)).toFixed(5); };
    return [c(b.getWest(), -180, 180), c(b.getSouth(), -90, 90), c(b.getEast(), -180, 180), c(b.getNorth(), -90, 90)].join(",");
  }

  /* Fill `group` from spec.data or the API whenever it is on the map. */
  pm.remoteLayer = function (map, group, spec) {
    var state = { spec: spec, group: group, returned: 0, matched: null, loads: 0, error: null, waiting: null, tiles: null };
    pm.layers[spec.key] = state;
    var controller = null, timer = null, loadedView = null, loadingView = null;

    function draw(fc, grid) {
      group.clearLayers();
      state.tiles = null;
      var layer = spec.context ? contextLayer(map, spec, fc) : spec.heat ? heatLayer(spec, fc, grid) : grid ? gridLayer(spec, fc) : spec.cluster ? clusterLayer(spec, fc)
        : geoJsonLayer(map, spec, fc);
      group.addLayer(layer);
      state.returned = (fc.features || []).length;
      state.matched = fc.numberMatched === undefined ? state.returned : fc.numberMatched;
      state.loads += 1;
      emit("layerload", { key: spec.key, returned: state.returned, matched: state.matched, grid: !!grid, tiles: false });
      var n = function (v) { return pm.num(v, 0); };
      setCount(spec.key, grid && spec.heat ? pm.t("{n} in view", { n: n(state.matched) })
        : grid ? pm.t("{n} in view, counted in {cells} cells — zoom in to see each", { n: n(state.matched), cells: n(state.returned) })
        : state.matched > state.returned ? pm.t("{shown} of {matched} shown — zoom in for all", { shown: n(state.returned), matched: n(state.matched) })
        : pm.t("{n} shown", { n: n(state.returned) }));
    }
    function withQuery(url, query) { return url + (url.indexOf("?") < 0 ? "?" : "&") + query; }
    var tileTemplate = null;  // from the layer's TileJSON, fetched once
    function drawTiles(matched, window) {
      var url = withQuery(tileTemplate, window);
      state.matched = matched;
      if (state.tiles && state.tiles.pmUrl === url) { return whenTilesLoaded(); }  // panning: VectorGrid follows the map
      group.clearLayers();
      state.tiles = vectorTiles(map, spec, url, whenTilesLoaded);
      state.tiles.pmUrl = url;
      group.addLayer(state.tiles);
    }
    function whenTilesLoaded() {
      state.returned = state.matched;
      state.loads += 1;
      emit("layerload", { key: spec.key, returned: state.returned, matched: state.matched, grid: false, tiles: true });
      setCount(spec.key, pm.t("{n} in view, every one drawn", { n: pm.num(state.matched, 0) }));
    }
    /* kind "image": one PNG for the whole area; its lon/lat bounds come in X-Image-Bounds. */
    function loadImage() {
      var query = new URLSearchParams(spec.params || {}).toString();
      if (query === loadedView || query === loadingView) return;
      if (controller) controller.abort();
      var mine = (controller = new AbortController());
      loadingView = query;
      emit("layerloading", { key: spec.key });
      pm.api(withQuery(spec.url, query), { signal: mine.signal })
        .then(function (resp) {
          if (!resp.ok) return resp.json().catch(function () { return {}; }).then(function (b) { throw new Error(b.detail || resp.statusText); });
          var b = (resp.headers.get("X-Image-Bounds") || "").split(",").map(Number);
          // As a data: URL (the page's CSP allows data: images), read from the response we already hold.
          return resp.blob().then(function (blob) {
            return new Promise(function (resolve, reject) {
              var reader = new FileReader();
              reader.onload = function () { resolve({ url: reader.result, b: b }); };
              reader.onerror = function () { reject(reader.error); };
              reader.readAsDataURL(blob);
            });
          });
        })
        .then(function (r) {
          loadedView = query; loadingView = null; state.error = null;
          group.clearLayers();
          group.addLayer(L.imageOverlay(r.url, [[r.b[1], r.b[0]], [r.b[3], r.b[2]]],
            { opacity: spec.fillOpacity, interactive: false, className: "pm-image-" + spec.key }));
          state.returned = 1; state.matched = 1; state.loads += 1;
          emit("layerload", { key: spec.key, returned: 1, matched: 1, grid: false });
          setCount(spec.key, "");
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") return;
          loadingView = null;
          state.error = String((err && err.message) || err);
          setCount(spec.key, "could not load: " + state.error);
          emit("layererror", { key: spec.key, error: state.error });
        });
    }
    function load() {
      if (!map.hasLayer(group)) return;
      if (spec.kind === "image") return loadImage();
      if (spec.data) { if (!state.loads) draw(spec.data); return; }
      var params = new URLSearchParams(spec.params || {});
      if (spec.viewport) params.set("bbox", clampBbox(map.getBounds().pad(0.1)));
      if (spec.limit) params.set("limit", String(spec.limit));
      if (spec.zoomParam) params.set("zoom", String(Math.round(map.getZoom())));
      var query = params.toString();
      if (query === loadedView || query === loadingView) return;
      if (controller) controller.abort();
      var mine = (controller = new AbortController());
      loadingView = query;
      emit("layerloading", { key: spec.key });
      // More features in view than `limit`: every one from vector tiles (or, for a heat map, the grid's
      // counts per cell), never a partial page.
      var first;
      if (spec.tilejson && !spec.heat) {
        var counted = new URLSearchParams(query);
        counted.set("limit", "1");
        first = pm.json(withQuery(spec.url, counted.toString()), { signal: mine.signal }).then(function (c) {
          if (c.numberMatched <= spec.limit) return null;
          var template = tileTemplate ? Promise.resolve(tileTemplate)
            : pm.json(spec.tilejson, { signal: mine.signal }).then(function (tj) { return (tileTemplate = tj.tiles[0]); });
          return template.then(function () { return { tiles: c.numberMatched }; });
        });
      } else if (spec.gridUrl) {
        var cells = new URLSearchParams(query);
        cells.delete("limit");  // the grid counts every feature of the view
        first = pm.json(withQuery(spec.gridUrl, cells.toString()), { signal: mine.signal }).then(function (g) {
          return spec.heat || g.numberMatched > spec.limit ? { fc: g, grid: true } : null;
        });
      } else {
        first = Promise.resolve(null);
      }
      first.then(function (r) {
          if (r) return r;
          return pm.json(withQuery(spec.url, query), { signal: mine.signal }).then(function (fc) { return { fc: fc, grid: false }; });
        })
        .then(function (r) {
          loadedView = query; loadingView = null; state.error = null; state.waiting = null;
          if (r.tiles !== undefined) drawTiles(r.tiles, new URLSearchParams(spec.params || {}).toString());
          else draw(r.fc, r.grid);
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") return;
          loadingView = null;
          if (err && err.status === 503 && err.retryAfter > 0) {
            state.waiting = err.body.code || "unavailable";
            setCount(spec.key, state.waiting === "warming_up" ? pm.t("analysis warming up after a start — shown when ready")
              : pm.t("server busy — retrying in {s} s", { s: err.retryAfter }));
            // Still loading: no layerload/layererror until the retry has an answer.
            emit("layerwaiting", { key: spec.key, code: state.waiting, retryAfter: err.retryAfter });
            setTimeout(load, err.retryAfter * 1000);
            return;
          }
          console.error("peacemap layer " + spec.key, err);
          state.error = String((err && err.message) || err);
          setCount(spec.key, pm.t("could not load: {error}", { error: state.error }));
          emit("layererror", { key: spec.key, error: state.error });
        });
    }
    function later() { clearTimeout(timer); timer = setTimeout(load, 250); }
    state.reload = function () { loadedView = loadingView = null; state.loads = 0; load(); };
    group.on("add", load);
    if (spec.viewport) map.on("moveend", later);
    // After the page script has run, so the map already has its final view.
    setTimeout(load, 0);
    return state;
  };

  // ---- controls ---------------------------------------------------------
  function onLayerKeys(map) {
    return Object.keys(pm.layers).filter(function (k) { return map.hasLayer(pm.layers[k].group); });
  }
  pm.legend = function (map, html) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "pm-legend leaflet-bar");
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    var sync = function () {
      var on = onLayerKeys(map);
      control.getContainer().querySelectorAll("[data-layer]").forEach(function (s) {
        s.hidden = on.indexOf(s.dataset.layer) < 0;
      });
    };
    map.on("overlayadd overlayremove", sync);
    setTimeout(sync, 0);
    return control;
  };
  /* The language menu: the choice is remembered (a cookie, read by the server) and the page reloads. */
  pm.languageControl = function (map, opts) {
    if (opts.choices.length < 2) return null;
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var label = L.DomUtil.create("label", "pm-language leaflet-bar");
      label.textContent = pm.t("Language") + " ";
      var select = document.createElement("select");
      select.name = "lang";
      opts.choices.forEach(function (c) {
        var o = document.createElement("option");
        o.value = c[0]; o.textContent = c[1]; o.selected = c[0] === opts.current;
        select.appendChild(o);
      });
      select.addEventListener("change", function () {
        document.cookie = "peacemap_lang=" + encodeURIComponent(select.value) + "; path=/; max-age=31536000; samesite=lax";
        location.reload();
      });
      label.appendChild(select);
      L.DomEvent.disableClickPropagation(label);
      return label;
    };
    control.addTo(map);
    return control;
  };
  pm.windowControl = function (map, opts) {
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var form = L.DomUtil.create("form", "pm-window leaflet-bar");
      form.method = "get";
      form.action = opts.page;
      form.innerHTML = '<label>' + pm.esc(pm.t("From")) + ' <input type="date" name="start" required></label>' +
        '<label>' + pm.esc(pm.t("to")) + ' <input type="date" name="end" required></label>' +
        '<input type="hidden" name="layers"><input type="hidden" name="bbox"><button type="submit">' + pm.esc(pm.t("Show")) + '</button>';
      form.elements.start.value = opts.start;
      form.elements.end.value = opts.end;
      form.addEventListener("submit", function () {
        form.elements.layers.value = onLayerKeys(map).join(",");
        form.elements.bbox.value = clampBbox(map.getBounds());
      });
      L.DomEvent.disableClickPropagation(form);
      return form;
    };
    control.addTo(map);
    return control;
  };
})();
