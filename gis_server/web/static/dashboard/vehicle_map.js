// The map panel: the one map's own style and vector tiles (/styles/onemap, trimmed to the base
// geography, restricted zones and overdue items) with the dangerous-goods vehicles' latest positions
// on top as a GeoJSON source, refreshed every few seconds from /dashboard/api/vehicles.
// MapLibre is served locally (/static/vendor/maplibre-gl.js, `window.maplibregl`).

import { authHeaders, getJSON } from "./api.js";
import { formatInstant, formatNumber, setFigure } from "./tables.js";

/** MVT layers of the one map shown under the vehicles. */
const KEEP = new Set(["prefectures", "cities", "roads", "river_area", "river_centerline",
                      "rt_restricted_zones", "supervision_overdue"]);
const JILIN = [[121.6, 40.85], [131.3, 46.35]];
const SOURCE = "vehicles";
const EMPTY = { type: "FeatureCollection", features: [] };
const BLANK_STYLE = { version: 8, sources: {}, layers: [{ id: "background", type: "background",
                                                          paint: { "background-color": "#f4f2ee" } }] };

function withCollections(url, names) {
  const [path, query = ""] = url.split("?");
  const params = query.split("&").filter((p) => p !== "");
  const asked = params.find((p) => p.startsWith("collections="));
  const kept = asked ? asked.slice("collections=".length).split(",").filter((id) => names.has(id)) : [...names];
  const rest = params.filter((p) => !p.startsWith("collections="));
  return `${path}?${[`collections=${kept.join(",")}`, ...rest].join("&")}`;
}

/** The composite style with only the kept MVT layers, each vector source asking only for those. */
export function panelStyle(style) {
  const isVector = (layer) => layer.source && style.sources[layer.source]?.type === "vector";
  const layers = style.layers.filter((layer) => !isVector(layer) || KEEP.has(layer["source-layer"]));
  const used = new Map();
  for (const layer of layers.filter(isVector)) {
    if (!used.has(layer.source)) {
      used.set(layer.source, new Set());
    }
    used.get(layer.source).add(layer["source-layer"]);
  }
  const sources = {};
  for (const [id, source] of Object.entries(style.sources)) {
    if (source.type !== "vector") {
      sources[id] = source;
    } else if (used.has(id)) {
      sources[id] = { ...source, tiles: (source.tiles || []).map((url) => withCollections(url, used.get(id))) };
    }
  }
  return { ...style, sources, layers: layers.filter((layer) => !layer.source || sources[layer.source]) };
}

async function loadStyle() {
  try {
    return panelStyle(await getJSON("styles/onemap"));
  } catch (error) {
    console.warn("一张图样式不可用，使用空白底图 / one-map style unavailable, blank background:", error.message);
    return BLANK_STYLE;
  }
}

function popupHtml(p) {
  const row = (label, value) => `<tr><th>${label}</th><td>${value ?? "—"}</td></tr>`;
  const escape = (value) => String(value ?? "—").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<table class="popup">${[
    row("车牌 / plate", escape(p.plate)),
    row("状态 / status", p.online ? "在线 / on line" : "离线 / off line"),
    row("最后上报 / last report", escape(formatInstant(p.time))),
    row("速度 / speed", `${escape(p.speed_kmh)} km/h`),
    row("危险货物类别 / class", escape(p.goods_class_zh || p.goods_class)),
    row("常运货物 / goods", escape(p.goods_name_zh)),
    row("车辆类型 / type", escape(p.vehicle_type_zh || p.vehicle_type)),
    row("运输企业 / carrier", escape(p.enterprise_code)),
  ].join("")}</table>`;
}

export class VehicleMap {
  constructor(container, refreshSeconds, onError) {
    this.container = container;
    this.refreshSeconds = refreshSeconds;
    this.onError = onError;
    this.map = null;
    this.refreshes = 0;
    this.timer = null;
    this.last = EMPTY;
  }

  async start() {
    const style = await loadStyle();
    const maplibregl = window.maplibregl;
    this.map = new maplibregl.Map({
      container: this.container,
      style,
      bounds: JILIN,
      attributionControl: { compact: true },
      localIdeographFontFamily: style.metadata?.["onemap:localIdeographFontFamily"] || "sans-serif",
      transformRequest: (url) => ({ url, headers: authHeaders(url) }),
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    await new Promise((resolve) => this.map.once("load", resolve));
    this.map.addSource(SOURCE, { type: "geojson", data: this.last, promoteId: "plate" });
    this.map.addLayer({
      id: "vehicles-points", type: "circle", source: SOURCE,
      paint: {
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 5, 3, 10, 6],
        "circle-color": ["case", ["get", "online"], "#ff7a00", "#8a99a8"],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1,
      },
    });
    this.map.on("click", "vehicles-points", (event) => {
      const feature = event.features?.[0];
      if (feature) {
        new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(feature.geometry.coordinates)
          .setHTML(popupHtml(feature.properties)).addTo(this.map);
      }
    });
    this.map.on("mouseenter", "vehicles-points", () => { this.map.getCanvas().style.cursor = "pointer"; });
    this.map.on("mouseleave", "vehicles-points", () => { this.map.getCanvas().style.cursor = ""; });
    await this.refresh();
    this.timer = window.setInterval(() => this.refresh(), this.refreshSeconds * 1000);
  }

  /** Fetch the latest positions and hand them to the map's GeoJSON source. */
  async refresh() {
    try {
      const collection = await getJSON("dashboard/api/vehicles");
      this.last = collection;
      this.map?.getSource(SOURCE)?.setData(collection);
      this.refreshes += 1;
      setFigure("vehicles-count", formatNumber(collection.numberMatched));
      setFigure("vehicles-online", formatNumber(collection.online));
      setFigure("vehicles-updated", formatInstant(collection.as_of));
      this.container.dataset.refreshes = String(this.refreshes);
    } catch (error) {
      this.onError(`车辆位置刷新失败 / vehicle positions not refreshed: ${error.message}`);
    }
  }

  /** The plates and positions now in the source (what tests compare). */
  positions() {
    return this.last.features.map((f) => ({ plate: f.properties.plate, coordinates: f.geometry.coordinates,
                                            time: f.properties.time }));
  }

  stop() {
    window.clearInterval(this.timer);
  }
}
