/* The worklist beside the map (layers/worklist.py): the under-engaged
 * communities of the view as the server ranks, filters and sorts them
 * (the "worklist" route, its URL from the page); the CSV download is the same request with
 * f=csv. It follows the view and the date window; a row's name zooms the map
 * to the community and opens its popup; the reasons open under the row.
 * Keyboard: every control is a button, select or input in tab order; sort
 * buttons carry aria-sort on their column header; the reasons toggle
 * aria-expanded. Emits peacemap:worklistload {returned, matched} on document.
 */
(function () {
  "use strict";
  var pm = window.peacemap;
  var COLUMNS = [  // [column, msgid, numeric digits or null for text]
    ["rank", "Rank", 0], ["name", "Name", null], ["gap_score", "Score", 2],
    ["days_since_engagement", "Days since engagement", 0], ["travel_hours", "Travel hours", 1],
    ["constituencies_not_heard", "Constituencies not heard", null],
  ];

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function clampBbox(b) {
    var c = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)).toFixed(5); };
    return [c(b.getWest(), -180, 180), c(b.getSouth(), -90, 90), c(b.getEast(), -180, 180), c(b.getNorth(), -90, 90)].join(",");
  }

  pm.worklist = function (map, opts) {
    var state = { sort: "rank", rows: [], columns: [], matched: 0, loads: 0, error: null };
    pm.worklistState = state;
    var panel = el("aside", { id: "pm-worklist", class: "pm-worklist", "aria-labelledby": "pm-worklist-title" });
    panel.innerHTML =
      '<header><h2 id="pm-worklist-title"></h2><button type="button" class="pm-wl-toggle" aria-expanded="true" ' +
      'aria-controls="pm-worklist-body"></button></header><div id="pm-worklist-body">' +
      '<form class="pm-wl-filters"><label><span data-t="Admin area"></span><select name="admin_area"><option value=""></option></select></label>' +
      '<label><span data-t="Minimum pressure (share of the highest)"></span><input name="min_pressure_norm" type="number" min="0" max="1" step="0.05" value="0"></label>' +
      '<label class="pm-wl-constituency" hidden><span data-t="Constituency not reached"></span><select name="constituency"><option value=""></option></select></label>' +
      '<label class="pm-wl-check"><input name="never_engaged" type="checkbox"> <span data-t="Never engaged only"></span></label></form>' +
      '<div class="pm-wl-actions"><button type="button" class="pm-wl-csv"></button> <a class="pm-wl-brief" hidden></a></div>' +
      '<p class="pm-wl-status" role="status" aria-live="polite"></p>' +
      '<table class="pm-wl-table"><thead><tr></tr></thead><tbody></tbody></table></div>';
    panel.querySelectorAll("[data-t]").forEach(function (s) { s.textContent = pm.t(s.dataset.t); });
    panel.querySelector("h2").textContent = pm.t("Under-engaged communities in view");
    var toggle = panel.querySelector(".pm-wl-toggle");
    toggle.textContent = "⟩";
    toggle.setAttribute("aria-label", pm.t("Show or hide the worklist"));
    var form = panel.querySelector("form"), status = panel.querySelector(".pm-wl-status");
    var tbody = panel.querySelector("tbody"), headRow = panel.querySelector("thead tr");
    var csv = panel.querySelector(".pm-wl-csv"), brief = panel.querySelector(".pm-wl-brief");
    csv.textContent = pm.t("Download CSV");
    brief.textContent = pm.t("Area brief");
    form.elements.admin_area.options[0].textContent = pm.t("any");
    form.elements.constituency.options[0].textContent = pm.t("any");
    opts.constituencies.forEach(function (c) { form.elements.constituency.appendChild(el("option", { value: c }, pm.vocab(c))); });
    document.body.appendChild(panel);
    document.body.classList.add("pm-has-worklist");
    map.invalidateSize({ animate: false });

    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "⟩" : "⟨";
      panel.classList.toggle("pm-wl-collapsed", !open);
      map.invalidateSize({ animate: false });
    });

    pm.json(opts.areasUrl + "?limit=1000").then(function (fc) {
      fc.features.sort(function (a, b) {
        return a.properties.level - b.properties.level || a.properties.name.localeCompare(b.properties.name);
      }).forEach(function (f) {
        form.elements.admin_area.appendChild(el("option", { value: f.id }, f.properties.name + " (" + f.properties.level + ")"));
      });
    }).catch(function (err) { console.error("peacemap worklist areas", err); });

    function query(extra) {
      var p = new URLSearchParams(opts.params);
      p.set("bbox", clampBbox(map.getBounds()));
      p.set("sort", state.sort);
      ["admin_area", "constituency"].forEach(function (k) { if (form.elements[k].value) p.set(k, form.elements[k].value); });
      var pressure = Number(form.elements.min_pressure_norm.value);
      if (pressure > 0) p.set("min_pressure_norm", String(Math.min(1, pressure)));
      if (form.elements.never_engaged.checked) p.set("never_engaged", "true");
      Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
      return p;
    }
    function fmt(row, col) {
      var v = row[col[0]];
      if (v === null || v === undefined) return col[0] === "days_since_engagement" ? pm.t("never") : "—";
      // Never engaged: every constituency unheard, said in three words (as the area brief does) instead of eight.
      if (col[0] === "constituencies_not_heard" && v.length === opts.constituencies.length) return pm.t("No constituency heard");
      if (Array.isArray(v)) return v.map(pm.vocab).join(", ");
      return col[2] === null ? String(v) : pm.num(v, col[2]);
    }
    function header() {
      headRow.innerHTML = "";
      COLUMNS.filter(function (c) { return state.columns.indexOf(c[0]) >= 0; }).forEach(function (c) {
        var th = el("th", { scope: "col", "data-col": c[0] });
        var name = state.sort.replace(/^-/, "");
        th.setAttribute("aria-sort", name !== c[0] ? "none" : state.sort[0] === "-" ? "descending" : "ascending");
        var b = el("button", { type: "button", class: "pm-wl-sort" }, pm.t(c[1]));
        if (name === c[0]) b.appendChild(el("span", { class: "pm-wl-arrow", "aria-hidden": "true" }, state.sort[0] === "-" ? " ▼" : " ▲"));
        b.addEventListener("click", function () {
          state.sort = name === c[0] && state.sort[0] !== "-" ? "-" + c[0] : c[0];
          load();
        });
        th.appendChild(b);
        headRow.appendChild(th);
      });
      headRow.appendChild(el("th", { scope: "col" }, pm.t("Why")));
    }
    function show(row) {
      var latlng = L.latLng(row.lat, row.lon);
      map.setView(latlng, Math.max(map.getZoom(), 11), { animate: false });
      var feature = { type: "Feature", id: row.community_id, properties: row };
      L.popup({ className: "pm-wl-popup" }).setLatLng(latlng).setContent(pm.popupHtml(opts.popup, feature)).openOn(map);
    }
    function render() {
      header();
      tbody.innerHTML = "";
      var shown = COLUMNS.filter(function (c) { return state.columns.indexOf(c[0]) >= 0; });
      state.rows.forEach(function (row) {
        var tr = el("tr", { "data-community": row.community_id });
        shown.forEach(function (c) {
          var td = el("td", { "data-col": c[0], class: c[2] === null ? "" : "pm-num" });
          if (c[0] === "name") {
            var b = el("button", { type: "button", class: "pm-wl-name" }, row.name);
            b.addEventListener("click", function () { show(row); });
            td.appendChild(b);
          } else td.textContent = fmt(row, c);
          tr.appendChild(td);
        });
        var why = el("td");
        var id = "pm-wl-why-" + row.community_id;
        var more = el("button", { type: "button", class: "pm-wl-more", "aria-expanded": "false", "aria-controls": id,
          "aria-label": pm.t("Show reasons") + ": " + row.name }, "+");
        why.appendChild(more);
        tr.appendChild(why);
        var detail = el("tr", { id: id, class: "pm-wl-reasons", hidden: "" });
        var cell = el("td", { colspan: String(shown.length + 1) }), list = el("ul");
        row.reasons.forEach(function (r) { list.appendChild(el("li", {}, r)); });
        cell.appendChild(list);
        detail.appendChild(cell);
        more.addEventListener("click", function () {
          var open = more.getAttribute("aria-expanded") !== "true";
          more.setAttribute("aria-expanded", String(open));
          more.textContent = open ? "−" : "+";
          detail.hidden = !open;
        });
        tbody.appendChild(tr);
        tbody.appendChild(detail);
      });
      status.textContent = state.rows.length ? pm.t("{n} of {matched} under-engaged communities",
        { n: pm.num(state.rows.length, 0), matched: pm.num(state.matched, 0) }) : pm.t("No under-engaged community in view.");
      var area = form.elements.admin_area.value;
      brief.hidden = !(area && opts.briefUrl);
      if (area && opts.briefUrl) {
        brief.href = opts.briefUrl.replace("{id}", encodeURIComponent(area)) + "?as_of=" + opts.params.as_of +
          "&window_days=" + opts.params.window_days;
      }
    }
    var controller = null, timer = null;
    function load() {
      if (controller) controller.abort();
      var mine = (controller = new AbortController());
      status.textContent = pm.t("Loading…");
      pm.json(opts.url + "?" + query({ limit: String(opts.limit) }).toString(), { signal: mine.signal }).then(function (body) {
        state.rows = body.rows; state.columns = body.columns; state.matched = body.numberMatched; state.error = null;
        panel.querySelector(".pm-wl-constituency").hidden = body.columns.indexOf("constituencies_not_heard") < 0;
        render();
        state.loads += 1;
        document.dispatchEvent(new CustomEvent("peacemap:worklistload", { detail: { returned: state.rows.length, matched: state.matched } }));
      }).catch(function (err) {
        if (err && err.name === "AbortError") return;
        if (err && err.status === 503 && err.retryAfter > 0) { setTimeout(load, err.retryAfter * 1000); return; }
        state.error = String((err && err.message) || err);
        status.textContent = pm.t("could not load: {error}", { error: state.error });
      });
    }
    state.reload = load;
    state.csvUrl = function () { return opts.url + "?" + query({ f: "csv" }).toString(); };
    csv.addEventListener("click", function () {
      pm.api(state.csvUrl(), { headers: { Accept: "text/csv" } }).then(function (resp) { return resp.blob(); }).then(function (blob) {
        var a = el("a", { href: URL.createObjectURL(blob), download: "worklist-" + opts.params.as_of + ".csv" });
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      });
    });
    form.addEventListener("change", load);
    form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
    map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 300); });
    setTimeout(load, 0);
    return state;
  };
})();
