/* Test probe, injected before any page script (Playwright add_init_script):
 * listens to the map's documented events (frontend/static/js/peacemap.js) and
 * keeps what the tests wait on. Production code knows nothing of it.
 *   pmProbe.ready       a fetch has run and none is in flight
 *   pmProbe.last[key]   the detail of the layer's last peacemap:layerload
 */
(function () {
  var probe = (window.pmProbe = { ready: false, seen: false, busy: {}, last: {} });
  function settle() {
    probe.ready = probe.seen && !Object.keys(probe.busy).some(function (k) { return probe.busy[k]; });
  }
  document.addEventListener("peacemap:layerloading", function (e) {
    probe.seen = true;
    probe.busy[e.detail.key] = true;
    settle();
  });
  document.addEventListener("peacemap:layerload", function (e) {
    probe.busy[e.detail.key] = false;
    probe.last[e.detail.key] = e.detail;
    settle();
  });
  document.addEventListener("peacemap:layererror", function (e) {
    probe.busy[e.detail.key] = false;
    settle();
  });
})();
