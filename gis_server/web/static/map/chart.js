// The chart view (航道图): the Songhua pilot chart drawn with the S-52 styles
// (/styles/enc-day|enc-dusk|enc-night, mariner settings as query parameters), and the safety-depth
// control: the style's safety depth and safety contour, and /enc/safety's unsafe depth areas at
// the current water level with every bridge's clearance now.

import {api, problemText} from "./api.js";
import {bilingual, fill, h, toast} from "./dom.js";
import {CHART_MIN_ZOOM} from "./style.js";

const PALETTES = [["day", "白天", "day"], ["dusk", "黄昏", "dusk"], ["night", "夜间", "night"]];
const UNSAFE = "onemap-unsafe";
const BRIDGES = "onemap-bridges";
// Sensible settings for the Songhua reach (docs/enc.md): channel 1.5–6 m.
const SHALLOW = 2;
const DEEP = 6;

/** Resolves once the map's current style has loaded (at once when it already has). */
export function styleReady(map) {
  return new Promise((resolve) => {
    if (map.isStyleLoaded()) {
      resolve();
      return;
    }
    const done = () => {
      clearInterval(timer);
      map.off("style.load", done);
      resolve();
    };
    map.on("style.load", done);
    const timer = setInterval(() => map.isStyleLoaded() && done(), 50);
  });
}

export class ChartView {
  constructor({map, panel, config, modes}) {
    this.map = map;
    this.panel = panel;
    this.config = config;
    this.modes = modes;
    this.palette = "day";
    this.safetyDepth = 2.5;
    this.airDraft = null;
    this.active = false;
  }

  styleUrl() {
    const depth = this.safetyDepth;
    const params = new URLSearchParams({safety_depth: String(depth), safety_contour: String(depth),
      shallow_contour: String(Math.min(SHALLOW, depth)), deep_contour: String(Math.max(DEEP, depth))});
    return `/styles/enc-${this.palette}?${params}`;
  }

  async enter() {
    this.active = false;
    this.render();
    this.panel.hidden = false;
    // over the reach first, then the chart style: its tiles are asked for at chart zooms only
    this.minZoom = this.map.getMinZoom();
    this.map.setMinZoom(CHART_MIN_ZOOM);
    const bounds = this.config.chart.bounds;
    if (bounds) this.map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], {padding: 30, duration: 0});
    await this.load();
  }

  render() {
    const palettes = PALETTES.map(([id, zh, en]) => h("label", {class: "check"},
      h("input", {type: "radio", name: "palette", value: id, checked: id === this.palette,
        onchange: () => { this.palette = id; this.load(); }}), bilingual(zh, en)));
    this.depthInput = h("input", {type: "number", name: "safety_depth", min: "0.1", max: "30", step: "0.1",
      value: String(this.safetyDepth)});
    this.airInput = h("input", {type: "number", name: "air_draft", min: "0.1", max: "100", step: "0.1",
      placeholder: "可选 / optional"});
    this.report = h("div", {class: "chart-report", "aria-live": "polite"});
    fill(this.panel, h("h2", {}, bilingual("电子航道图", "Songhua pilot chart")),
      h("p", {class: "hint"}, "丰满大坝—卧龙潭试点航段，按 S-52 显示；水位取各水尺最新读数。"),
      h("fieldset", {}, h("legend", {}, bilingual("配色", "palette")), palettes),
      h("form", {class: "chart-safety", onsubmit: (e) => { e.preventDefault(); this.applySafety(); }},
        h("label", {class: "field"}, bilingual("安全水深（米）", "safety depth, m"), this.depthInput),
        h("label", {class: "field"}, bilingual("船舶净空高度（米）", "air draft, m"), this.airInput),
        h("div", {class: "buttons"}, h("button", {type: "submit", class: "primary"}, "应用"),
          h("button", {type: "button", onclick: () => this.modes.set(null)}, "返回一张图"))),
      this.report);
  }

  /** The chart style for the current palette and mariner settings, then the unsafe-water overlay. A load
   * overtaken by a newer one (the palette or the safety depth changed meanwhile) stops where it is, so a
   * slow answer never replaces what the newer settings asked for. */
  async load() {
    const ticket = this.loadTicket = (this.loadTicket || 0) + 1;
    try {
      const style = await api(this.styleUrl());
      if (ticket !== this.loadTicket) return;
      this.map.setStyle(style, {diff: this.active});
      this.active = true;
      await styleReady(this.map);
      if (ticket !== this.loadTicket) return;
      await this.overlay(ticket);
    } catch (error) {
      toast(`航道图样式读取失败：${problemText(error)}`, "error");
    }
  }

  async applySafety() {
    const depth = Number(this.depthInput.value);
    if (!(depth > 0)) {
      toast("安全水深须为正数 / the safety depth must be positive", "error");
      return;
    }
    this.safetyDepth = depth;
    this.airDraft = this.airInput.value ? Number(this.airInput.value) : null;
    await this.load();
  }

  /** Unsafe depth areas and bridge clearances for the safety depth, now (dropped if `ticket`'s load was
   * overtaken meanwhile). */
  async overlay(ticket = this.loadTicket) {
    const params = new URLSearchParams({draft: String(this.safetyDepth)});
    if (this.airDraft) params.set("air_draft", String(this.airDraft));
    let report;
    try {
      report = await api(`/enc/safety?${params}`);
    } catch (error) {
      if (ticket === this.loadTicket) fill(this.report, h("p", {class: "error"}, problemText(error)));
      return;
    }
    if (ticket !== this.loadTicket) return;
    const bridges = {type: "FeatureCollection", features: report.bridges.map((b) => ({type: "Feature",
      geometry: {type: "Point", coordinates: b.location}, properties: {label: `净空 ${b.vertical_clearance_m} m`,
        safe: b.safe}}))};
    this.setSource(UNSAFE, report, () => {
      this.map.addLayer({id: UNSAFE, type: "fill", source: UNSAFE, paint: {"fill-color": "#e60012", "fill-opacity": 0.35}});
      this.map.addLayer({id: `${UNSAFE}-edge`, type: "line", source: UNSAFE, paint: {"line-color": "#e60012", "line-width": 1.5}});
    });
    this.setSource(BRIDGES, bridges, () => {
      this.map.addLayer({id: BRIDGES, type: "circle", source: BRIDGES, paint: {"circle-radius": 6,
        // red: too low for the air draft; green: clear; grey: no air draft given (not judged)
        "circle-color": ["case", ["==", ["get", "safe"], false], "#e60012", ["==", ["get", "safe"], true], "#2f9e44",
          "#868e96"],
        "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5}});
    });
    const level = report.water_level;
    fill(this.report,
      h("p", {}, `有效水深不足 ${report.required_depth_m} 米的水域：${report.numberReturned} 处（红色）`),
      level ? h("p", {class: "hint"}, `水位时刻 ${report.time}`) : null,
      h("table", {class: "attributes"}, h("thead", {}, h("tr", {}, h("th", {}, "桥梁"), h("th", {}, "当前净空"), h("th", {}, "净宽"))),
        h("tbody", {}, report.bridges.map((b) => h("tr", {class: b.safe === false ? "unsafe" : ""},
          h("td", {}, b.name), h("td", {}, `${b.vertical_clearance_m} m${b.safe === false ? "（不足）" : ""}`),
          h("td", {}, b.horizontal_clearance_m === null ? "—" : `${b.horizontal_clearance_m} m`))))));
  }

  setSource(id, data, addLayers) {
    if (this.map.getSource(id)) {
      this.map.getSource(id).setData(data);
      return;
    }
    this.map.addSource(id, {type: "geojson", data});
    addLayers();
  }

  leave() {
    this.active = false;
    this.panel.hidden = true;
    this.map.setMinZoom(this.minZoom ?? 0);
  }
}
