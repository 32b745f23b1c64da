/* The field-office QIP plotter: place a site, see what is around it, save it
 * through a POST to the QIP list, and show the server's validation errors next
 * to the field they name. Every URL comes from the page's config (cfg.urls,
 * route name -> URL, made by the server). */
(function () {
  "use strict";
  var pm = window.peacemap, cfg = window.PEACEMAP_QIP;
  pm.setMessages(cfg.messages);
  var map = L.map("pm-map", { preferCanvas: true });
  L.control.scale().addTo(map);
  pm.languageControl(map, cfg.language);
  if (cfg.bounds) map.fitBounds([[cfg.bounds[1], cfg.bounds[0]], [cfg.bounds[3], cfg.bounds[2]]]);
  else map.setView([0, 20], 4);

  var overlays = {};
  cfg.context.forEach(function (spec) {
    var group = L.featureGroup().addTo(map);
    pm.remoteLayer(map, group, spec);
    overlays[spec.name] = group;
  });
  var qipGroup = L.featureGroup().addTo(map);
  var qips = pm.remoteLayer(map, qipGroup, cfg.qips);
  var nearbyGroup = L.featureGroup().addTo(map);
  overlays[pm.t("QIPs")] = qipGroup;
  overlays[pm.t("Within {km} km", { km: pm.num(cfg.nearRadiusM / 1000) })] = nearbyGroup;
  var layerControl = L.control.layers(null, overlays, { collapsed: false }).addTo(map);

  var placeForm = document.getElementById("pm-place");
  var form = document.getElementById("pm-qip-form");
  var site = null, marker = null, ring = null;
  form.elements.key.value = pm.getKey();

  var NEARBY = [
    { key: "incidents", label: pm.t("incidents"), url: cfg.urls["incidents-list"], colour: "#d73027", dated: true, title: "location_name" },
    { key: "qips", label: pm.t("QIPs"), url: cfg.urls["qips-list"], colour: "#3182bd", title: "title" },
    { key: "agreements", label: pm.t("local agreements"), url: cfg.urls["agreements-list"], colour: "#1a9850", title: "name" },
    { key: "engagements", label: pm.t("engagements"), url: cfg.urls["engagements-list"], colour: "#7570b3", dated: true, title: "kind" },
  ];

  function bboxAround(latlng, metres) {
    var dLat = metres / 111320, dLon = metres / (111320 * Math.max(0.01, Math.cos(latlng.lat * Math.PI / 180)));
    var c = function (v, lim) { return Math.max(-lim, Math.min(lim, v)).toFixed(5); };
    return [c(latlng.lng - dLon, 180), c(latlng.lat - dLat, 90), c(latlng.lng + dLon, 180), c(latlng.lat + dLat, 90)].join(",");
  }
  function distance(latlng, f) {
    if (!f.geometry) return Infinity;
    if (f.geometry.type === "Point") return latlng.distanceTo(L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]));
    return 0; // areas and tracks: the bbox query already found them touching the 10 km square
  }
  function showError(field, message) {
    var el = form.querySelector('[data-error="' + field + '"]') || placeForm.querySelector('[data-error="' + field + '"]') ||
      form.querySelector('[data-error="form"]');
    el.textContent = message;
    var wrap = el.closest(".pm-field");
    if (wrap) wrap.classList.add("pm-invalid");
  }
  function clearErrors() {
    document.querySelectorAll("[data-error]").forEach(function (el) { el.textContent = ""; });
    document.querySelectorAll(".pm-invalid").forEach(function (el) { el.classList.remove("pm-invalid"); });
  }

  function nearby(latlng) {
    var box = document.getElementById("pm-nearby");
    var counts = document.getElementById("pm-nearby-counts");
    var warning = document.getElementById("pm-qip-warning");
    box.hidden = false;
    counts.innerHTML = "<li>" + pm.esc(pm.t("Loading…")) + "</li>";
    warning.hidden = true;
    nearbyGroup.clearLayers();
    var bbox = bboxAround(latlng, cfg.nearRadiusM);
    var jobs = NEARBY.map(function (n) {
      var q = new URLSearchParams({ bbox: bbox, limit: "1000" });
      if (n.dated) { q.set("start", cfg.window.start); q.set("end", cfg.window.end); }
      return pm.json(n.url + "?" + q).then(function (fc) {
        var near = fc.features.filter(function (f) { return distance(latlng, f) <= cfg.nearRadiusM; });
        near.forEach(function (f) {
          var l = L.geoJSON(f, {
            pointToLayer: function (_, ll) { return L.circleMarker(ll, { radius: 6, color: "#222", weight: 1, fillColor: n.colour, fillOpacity: 0.9 }); },
            style: { color: n.colour, weight: 1, fillOpacity: 0.15 },
          });
          l.bindPopup(pm.esc(n.label) + ": " + pm.esc((f.properties || {})[n.title] || f.id));
          nearbyGroup.addLayer(l);
        });
        return { n: n, near: near };
      }).catch(function (err) { return { n: n, near: [], error: err.message }; });
    });
    Promise.all(jobs).then(function (results) {
      counts.innerHTML = results.map(function (r) {
        var what = { n: r.near.length, what: r.n.label, error: r.error, start: cfg.window.start, end: cfg.window.end };
        return '<li data-nearby="' + r.n.key + '">' + pm.esc(r.error ? r.n.label + ": " + pm.t("could not load: {error}", what)
          : pm.t(r.n.dated ? "{n} {what} ({start} to {end})" : "{n} {what}", what)) + "</li>";
      }).join("");
      var close = results[1].near.filter(function (f) { return distance(latlng, f) <= cfg.overlapRadiusM; });
      if (close.length) {
        warning.hidden = false;
        warning.textContent = pm.t(close.length > 1 ? "Warning: {n} other QIPs lie within {km} km: {list}"
          : "Warning: one other QIP lies within {km} km: {list}", {
          n: close.length, km: pm.num(cfg.overlapRadiusM / 1000), list: close.map(function (f) {
            return f.properties.title + " (" + pm.vocab(f.properties.status) + ", " + pm.num(distance(latlng, f) / 1000, 1) + " km)";
          }).join("; ") });
      }
    });
    communities(latlng);
  }

  function communities(latlng) {
    var list = document.getElementById("pm-nearby-communities");
    list.innerHTML = "<li>" + pm.esc(pm.t("Loading…")) + "</li>";
    var q = new URLSearchParams(cfg.communities.params);
    q.set("bbox", bboxAround(latlng, 3 * cfg.nearRadiusM));
    q.set("limit", String(cfg.communities.limit));
    pm.json(cfg.communities.url + "?" + q)
      .catch(function () { return pm.json(cfg.urls["communities-list"] + "?" + new URLSearchParams({ bbox: q.get("bbox"), limit: "500" })); })
      .then(function (fc) {
        var near = fc.features.map(function (f) { return { f: f, d: distance(latlng, f) }; })
          .sort(function (a, b) { return a.d - b.d; }).slice(0, 5);
        list.innerHTML = near.length ? near.map(function (x) {
          var p = x.f.properties;
          var score = p.gap_score === undefined || p.gap_score === null ? pm.t("no gap score")
            : pm.t(p.rank ? "gap score {score} (rank {rank})" : "gap score {score}", { score: pm.num(p.gap_score, 2), rank: p.rank });
          return "<li>" + pm.esc(p.name) + " — " + pm.num(x.d / 1000, 1) + " km, " + pm.esc(score) +
            (p.reasons && p.reasons.length ? '<div class="pm-reasons">' + pm.esc(p.reasons.join("; ")) + "</div>" : "") + "</li>";
        }).join("") : "<li>" + pm.esc(pm.t("no community within {km} km", { km: pm.num(3 * cfg.nearRadiusM / 1000) })) + "</li>";
      })
      .catch(function (err) { list.innerHTML = "<li>" + pm.esc(pm.t("could not load: {error}", { error: err.message })) + "</li>"; });
  }

  function place(latlng) {
    clearErrors();
    site = latlng;
    placeForm.elements.lat.value = latlng.lat.toFixed(5);
    placeForm.elements.lon.value = latlng.lng.toFixed(5);
    if (marker) { marker.setLatLng(latlng); ring.setLatLng(latlng); }
    else {
      ring = L.circle(latlng, { radius: cfg.nearRadiusM, color: "#444", weight: 1, dashArray: "4 4", fill: false, interactive: false }).addTo(map);
      marker = L.marker(latlng, { icon: L.divIcon({ className: "pm-new-site", html: "<span>" + pm.esc(pm.t("NEW")) + "</span>", iconSize: null }) }).addTo(map);
    }
    nearby(latlng);
  }

  // ---- suggest sites (GET qip-suggestions): the office, a travel-time limit, n ----
  var suggestForm = document.getElementById("pm-suggest-form");
  var suggestList = document.getElementById("pm-suggestions");
  var suggestNote = document.getElementById("pm-suggest-note");
  var suggestGroup = L.featureGroup().addTo(map);
  layerControl.addOverlay(suggestGroup, pm.t("Suggested sites"));
  pm.json(cfg.urls["sites-list"] + "?" + new URLSearchParams({ limit: "1000" })).then(function (fc) {
    var order = { field_office: 0, hq: 1 };
    var sites = fc.features.slice().sort(function (a, b) {
      var ka = order[a.properties.kind] === undefined ? 2 : order[a.properties.kind];
      var kb = order[b.properties.kind] === undefined ? 2 : order[b.properties.kind];
      return ka - kb || String(a.properties.name).localeCompare(String(b.properties.name));
    });
    suggestForm.elements.site.innerHTML = sites.map(function (f) {
      return '<option value="' + pm.esc(f.id) + '">' + pm.esc(f.properties.name + " (" + pm.vocab(f.properties.kind) + ")") + "</option>";
    }).join("");
  }).catch(function (err) { showError("suggest", pm.t("could not load the mission sites: {error}", { error: err.message })); });

  function choose(f, li) {
    suggestList.querySelectorAll("li").forEach(function (x) { x.classList.remove("pm-chosen"); });
    if (li) li.classList.add("pm-chosen");
    var c = f.geometry.coordinates, p = f.properties;
    place(L.latLng(c[1], c[0]));
    map.setView(L.latLng(c[1], c[0]), Math.max(map.getZoom(), 10));
    if (!form.elements.title.value.trim()) form.elements.title.value = pm.t("QIP at {name}", { name: p.name });
    if (p.beneficiaries !== null && p.beneficiaries !== undefined) form.elements.beneficiaries.value = p.beneficiaries;
    if (p.sector) form.elements.sector.value = p.sector;
    if (p.budget_usd !== null && p.budget_usd !== undefined) form.elements.budget_usd.value = p.budget_usd;
  }

  suggestForm.addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    var q = new URLSearchParams({ site: suggestForm.elements.site.value, max_hours: suggestForm.elements.max_hours.value,
      n: suggestForm.elements.n.value, as_of: cfg.window.end, sector: form.elements.sector.value });
    if (form.elements.budget_usd.value.trim() !== "") q.set("budget_usd", form.elements.budget_usd.value.trim());
    suggestList.innerHTML = "<li>" + pm.esc(pm.t("looking…")) + "</li>";
    suggestGroup.clearLayers();
    pm.json(cfg.urls["qip-suggestions"] + "?" + q).then(function (fc) {
      var c = fc.considered || {};
      suggestNote.hidden = false;
      suggestNote.textContent = pm.t("{n} communities within {hours} h of {office} in the {season} season; {qips} of them have an active QIP within 5 km.", {
        n: c.within_max_hours || 0, hours: pm.num(fc.max_hours, 1), office: fc.office.label, season: pm.vocab(fc.season), qips: c.active_qip_within_5_km || 0 });
      if (!fc.features.length) { suggestList.innerHTML = "<li>" + pm.esc(pm.t("no community to suggest: try a longer trip")) + "</li>"; return; }
      suggestList.innerHTML = "";
      fc.features.forEach(function (f) {
        var p = f.properties, li = document.createElement("li");
        li.dataset.communityId = p.community_id;
        li.innerHTML = "<strong>" + pm.esc(p.name) + "</strong> — " + pm.esc(pm.t("gap score {score}", { score: pm.num(p.gap_score, 2) })) +
          ", " + pm.esc(pm.num(p.travel_hours, 1)) + ' h <button type="button">' + pm.esc(pm.t("Use this site")) + "</button>" +
          '<div class="pm-reasons">' + p.reasons.map(pm.esc).join("<br>") + "</div>";
        li.querySelector("button").addEventListener("click", function () { choose(f, li); });
        suggestList.appendChild(li);
        var m = L.marker(L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]), {
          icon: L.divIcon({ className: "pm-suggestion", html: "<span>" + p.order + "</span>", iconSize: null }),
          title: p.name,
        });
        m.on("click", function () { choose(f, li); });
        suggestGroup.addLayer(m);
      });
    }).catch(function (err) {
      suggestList.innerHTML = "";
      showError("suggest", err.message);
    });
  });

  map.on("click", function (e) { place(e.latlng); });
  placeForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var lat = Number(placeForm.elements.lat.value), lon = Number(placeForm.elements.lon.value);
    if (placeForm.elements.lat.value === "" || placeForm.elements.lon.value === "" || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
      showError("location", pm.t("enter a latitude between -90 and 90 and a longitude between -180 and 180"));
      return;
    }
    var ll = L.latLng(lat, lon);
    map.setView(ll, Math.max(map.getZoom(), 10));
    place(ll);
  });

  function properties() {
    var p = { status: "proposed" };
    ["title", "sector", "implementing_partner", "funded_by", "start_on", "end_on"].forEach(function (k) {
      var v = form.elements[k].value.trim();
      if (v) p[k] = v;
    });
    ["budget_usd", "beneficiaries"].forEach(function (k) {
      var v = form.elements[k].value.trim();
      if (v !== "") p[k] = Number(v);
    });
    return p;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    document.getElementById("pm-saved").hidden = true;
    if (!site) { showError("location", pm.t("place the project on the map first")); return; }
    var key = form.elements.key.value.trim() || pm.getKey();
    if (!key) { showError("key", pm.t("an editor key is needed to save")); return; }
    var feature = { type: "Feature", geometry: { type: "Point", coordinates: [Number(site.lng.toFixed(6)), Number(site.lat.toFixed(6))] },
      properties: properties() };
    fetch(cfg.urls["qips-list"], { method: "POST", body: JSON.stringify(feature),
      headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: "Bearer " + key } })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) { return { resp: resp, body: body }; });
      })
      .then(function (r) {
        if (r.resp.status === 201) {
          pm.setKey(key);
          var saved = document.getElementById("pm-saved");
          var bbox = bboxAround(site, 20000);
          saved.hidden = false;
          var link = cfg.urls["map-page"] + "?" + new URLSearchParams({ layers: "admin-areas,qips,sites,communities", bbox: bbox });
          saved.innerHTML = pm.esc(pm.t("Saved QIP #{id}", { id: r.body.id })) + ' — <a href="' + pm.esc(link) + '">' +
            pm.esc(pm.t("see it on the map")) + "</a>";
          qips.reload();
          return;
        }
        if (r.resp.status === 401 || r.resp.status === 403) { showError("key", r.body.detail || pm.t("this key may not save QIPs")); return; }
        var errors = r.body.errors || [{ field: r.body.field, message: r.body.detail }];
        errors.forEach(function (er) {
          var name = String(er.field || "form").replace(/^body\./, "").replace(/^properties\./, "").split(".")[0];
          showError(name, er.message || r.body.detail || pm.t("invalid value"));
        });
      })
      .catch(function (err) { showError("form", pm.t("could not reach the server: {error}", { error: err.message })); });
  });
})();
