// The planners' map (交通一张图): boots the MapLibre map on the one-map style for the signed-in
// caller and wires the panels and tools. `window.onemap` exposes the map and the parts for tests
// and for the browser console (`onemap.map`, `onemap.idle()`, `onemap.ready`).

import {api, ApiError, problemText, read, setToken, token, transformRequest} from "./api.js";
import {renderAuth} from "./auth.js";
import {Basemap} from "./basemap.js";
import {ChartView, styleReady} from "./chart.js";
import {toast} from "./dom.js";
import {Filters} from "./filters.js";
import {Measure} from "./measure.js";
import {OversizeRoute} from "./oversize.js";
import {Popups} from "./popup.js";
import {Search} from "./search.js";
import {CHART_MIN_ZOOM, fetchStyle, hideLayers, indexStyle, legendOf, limitChartZoom, refreshLayers} from "./style.js";
import {LayerTree} from "./tree.js";

const onemap = window.onemap = {ready: false, started: performance.now()};
const OVERDUE_LAYER = "supervision_overdue";
const STYLE = "/styles/onemap";
// The province overview stops short of zoom 6, where the dense business point layers begin (thousands of
// enterprises, vehicles, alerts): at province scale they are clutter, and drawing them costs about half a
// second of the first render in software rendering. One step in shows them.
const OVERVIEW_MAX_ZOOM = 5.9;
const anonymousAtStart = !token();

/** The answer the page's head asked for early, if it asked with the token still in use. */
function early(name) {
  const asked = window.onemapEarly;
  return asked && asked.token === (token() || null) ? asked[name].then((response) => read(response)) : null;
}

async function loadConfig() {
  try {
    return await (early("config") || api("/map/config"));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) { // a stale token: continue as a visitor
      setToken("");
      toast("登录已失效，请重新登录 / the token is no longer valid", "error");
      return api("/map/config");
    }
    throw error;
  }
}

/** Resolves at the map's next `idle` (at once when it is idle now). */
function idle(map) {
  return new Promise((resolve) => {
    if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) resolve();
    else map.once("idle", () => resolve());
  });
}

class Modes {
  constructor(map, tools) {
    this.map = map;
    this.tools = tools;
    this.current = null;
  }

  async set(name) {
    const previous = this.current;
    if (previous === name) name = null;
    this.current = name;
    for (const button of document.querySelectorAll("[data-tool]")) {
      button.setAttribute("aria-pressed", String(button.dataset.tool === name));
    }
    if (previous) await this.tools[previous].stop();
    // a tool's panel floats over the map's right side: keep what the map centres on clear of it
    const width = Number.parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--tool")) || 340;
    this.map.setPadding({top: 0, bottom: 0, left: 0, right: name ? width + 16 : 0});
    if (name) await this.tools[name].start();
  }
}

function wireTabs(filters) {
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.addEventListener("click", () => {
      for (const other of document.querySelectorAll("[data-tab]")) {
        const on = other === tab;
        other.setAttribute("aria-selected", String(on));
        document.getElementById(`tab-${other.dataset.tab}`).hidden = !on;
      }
      if (tab.dataset.tab === "filters") filters.loadOrganisations();
    });
  }
}

function wireStatus(map) {
  const pos = document.getElementById("status-pos");
  const show = (lngLat) => {
    pos.textContent = `经度 ${lngLat.lng.toFixed(5)}  纬度 ${lngLat.lat.toFixed(5)}  缩放 ${map.getZoom().toFixed(1)} 级`;
  };
  map.on("mousemove", (event) => show(event.lngLat));
  map.on("moveend", () => show(map.getCenter()));
}

async function boot() {
  const styled = (early("style") || fetchStyle(STYLE)).catch((error) => error); // beside the configuration
  const config = await loadConfig();
  renderAuth(document.getElementById("auth"), config.caller);
  const hidden = new Set(config.domains.flatMap((d) => d.layers).filter((l) => !l.visible).map((l) => l.id));
  let rawStyle = await styled;
  if (rawStyle instanceof Error || config.caller.anonymous !== anonymousAtStart) rawStyle = await fetchStyle(config.style);
  hideLayers(rawStyle, hidden);
  const chartLayers = config.domains.flatMap((d) => d.layers).filter((l) => l.chart);
  limitChartZoom(rawStyle, new Set(chartLayers.map((l) => l.id)));
  for (const layer of chartLayers) layer.min_zoom = Math.max(layer.min_zoom, CHART_MIN_ZOOM);
  const pristine = structuredClone(rawStyle);
  const index = indexStyle(rawStyle);
  const [minx, miny, maxx, maxy] = config.view.bounds;
  const map = new maplibregl.Map({
    container: "map", style: rawStyle, bounds: [[minx, miny], [maxx, maxy]],
    fitBoundsOptions: {padding: 20, maxZoom: OVERVIEW_MAX_ZOOM},
    hash: true, transformRequest, attributionControl: {compact: true}, fadeDuration: 0,
    localIdeographFontFamily: rawStyle.metadata?.["onemap:localIdeographFontFamily"] || "sans-serif",
  });
  Object.assign(onemap, {map, config, index, idle: () => idle(map), mapCreated: performance.now()});
  map.addControl(new maplibregl.NavigationControl({visualizePitch: false}), "top-left");
  map.addControl(new maplibregl.ScaleControl({unit: "metric"}), "bottom-right");
  map.once("idle", () => { onemap.firstIdle = performance.now(); });
  await styleReady(map);

  const layers = new Map(config.domains.flatMap((d) => d.layers.map((l) => [l.id, {...l, domain: d.id}])));
  const written = (layerIds) => {
    const ids = [...(Array.isArray(layerIds) ? layerIds : [layerIds]), OVERDUE_LAYER];
    onemap.refreshed = refreshLayers(map, index, ids);
  };
  const panel = document.getElementById("panel");
  const basemap = new Basemap({map, config});
  const tree = new LayerTree(document.getElementById("tab-layers"), {map, config, index, legend: legendOf(rawStyle)});
  const filters = new Filters(document.getElementById("tab-filters"), {map, config, index, tree});
  tree.onChange = () => filters.active() && filters.apply().catch((e) => toast(problemText(e), "error"));
  tree.render();
  const basemapControl = basemap.control();
  if (basemapControl) document.getElementById("tab-layers").prepend(basemapControl);
  basemap.apply();
  filters.render();
  wireTabs(filters);
  wireStatus(map);

  const tools = {};
  const modes = new Modes(map, tools);
  const popups = new Popups({map, layers, mode: () => modes.current, onWritten: written});
  popups.attach();
  const chart = new ChartView({map, panel, config, modes});
  const measure = new Measure({map, panel, modes});
  const route = new OversizeRoute({map, panel, config, modes, onWritten: written});
  Object.assign(tools, {
    "measure-line": {start: () => measure.start("line"), stop: () => measure.stop()},
    "measure-area": {start: () => measure.start("area"), stop: () => measure.stop()},
    oversize: {start: () => route.start(), stop: () => route.stop()},
    chart: {
      start: async () => {
        document.body.classList.add("chart-mode");
        onemap.savedView = {center: map.getCenter(), zoom: map.getZoom()};
        await chart.enter();
      },
      stop: async () => {
        chart.leave();
        document.body.classList.remove("chart-mode");
        map.setStyle(structuredClone(pristine), {diff: false});
        await styleReady(map);
        tree.apply();
        basemap.apply();
        if (filters.active()) await filters.apply();
        if (onemap.savedView) map.jumpTo(onemap.savedView);
      },
    },
  });
  for (const button of document.querySelectorAll("[data-tool]")) {
    button.setAttribute("aria-pressed", "false");
    if (button.dataset.tool === "chart" && !config.chart.available) button.hidden = true;
    button.addEventListener("click", () => modes.set(button.dataset.tool));
  }
  const search = new Search({map, form: document.getElementById("search"), input: document.getElementById("search-input"),
    list: document.getElementById("search-results"), popups});
  search.attach();
  Object.assign(onemap, {tree, filters, popups, search, modes, chart, measure, route, basemap});
  onemap.ready = true;
  document.body.dataset.ready = "true";
}

boot().catch((error) => {
  console.error(error);
  toast(`地图加载失败：${problemText(error)}`, "error");
});
