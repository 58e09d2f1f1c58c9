// The layer tree: business domains (Chinese names, in their declared order) with their layers,
// a checkbox per domain and per layer, the chart layers in a closed sub-group, and each layer's
// legend as the style draws it (colour per category or workflow state, the red overdue ring).

import {bilingual, fill, h} from "./dom.js";

const PAINT_COLOUR = {fill: "fill-color", line: "line-color", circle: "circle-color", symbol: "icon-color"};

/** The colour a style layer paints with, when it is one plain colour. */
function plainColour(map, styleLayerId) {
  const layer = map.getLayer(styleLayerId);
  const property = layer && PAINT_COLOUR[layer.type];
  const value = property ? map.getPaintProperty(styleLayerId, property) : null;
  return typeof value === "string" ? value : null;
}

function swatch(geometry, colour, extraClass = "") {
  const kind = /Polygon/.test(geometry) || geometry === "polygon" ? "polygon"
    : /Line/.test(geometry) || geometry === "line" ? "line" : "point";
  return h("span", {class: `swatch ${kind} ${extraClass}`, style: {"--swatch": colour || "#7b8794"}, "aria-hidden": "true"});
}

function legendList(entry, geometry) {
  if (!entry) return null;
  const items = [];
  for (const item of entry.colours?.items || []) {
    items.push(h("li", {}, swatch(geometry, item.color), item.label_zh, item.label_en ? h("span", {class: "en"}, ` ${item.label_en}`) : null));
  }
  for (const item of entry.overdue?.items || []) {
    items.push(h("li", {class: "overdue"}, swatch("point", item.color, "ring"), "超期事项（红圈）", h("span", {class: "en"}, " overdue")));
  }
  if (!items.length) return null;
  const title = entry.colours?.title_zh ? h("div", {class: "legend-title"}, `按${entry.colours.title_zh}着色`) : null;
  return h("div", {class: "legend"}, title, h("ul", {}, items));
}

export class LayerTree {
  constructor(container, {map, config, index, legend, onChange = () => {}}) {
    this.container = container;
    this.map = map;
    this.config = config;
    this.index = index;
    this.legend = legend;
    this.onChange = onChange;
    this.visible = new Map();
    this.layers = new Map();
    for (const domain of config.domains) {
      for (const layer of domain.layers) {
        this.visible.set(layer.id, layer.visible);
        this.layers.set(layer.id, {...layer, domain: domain.id});
      }
    }
    this.boxes = new Map();
    this.domainBoxes = new Map();
    this.rows = new Map();
  }

  hiddenLayers() {
    return new Set([...this.visible].filter(([, on]) => !on).map(([id]) => id));
  }

  render() {
    const blocks = this.config.domains.map((domain) => this.domainBlock(domain));
    fill(this.container, h("p", {class: "hint"}, "勾选图层显示；点击地图要素查看属性与办理。"), blocks);
    this.updateZoomHints();
    this.map.on("zoomend", () => this.updateZoomHints());
  }

  domainBlock(domain) {
    const box = h("input", {type: "checkbox", dataset: {domain: domain.id}, onchange: (e) => this.setDomain(domain.id, e.target.checked)});
    this.domainBoxes.set(domain.id, box);
    const plain = domain.layers.filter((layer) => !layer.chart).map((layer) => this.layerRow(layer));
    const chart = domain.layers.filter((layer) => layer.chart).map((layer) => this.layerRow(layer));
    const chartGroup = chart.length ? h("details", {class: "chart-group"},
      h("summary", {}, bilingual("电子航道图图层", "chart layers (S-57)")), h("ul", {class: "layers"}, chart)) : null;
    const block = h("details", {class: "domain", open: true, dataset: {domain: domain.id}},
      h("summary", {}, h("label", {}, box, h("strong", {}, domain.title_zh)), h("span", {class: "en"}, domain.title_en)),
      h("ul", {class: "layers"}, plain), chartGroup);
    this.syncDomain(domain.id);
    return block;
  }

  layerRow(layer) {
    const box = h("input", {type: "checkbox", checked: this.visible.get(layer.id), dataset: {layer: layer.id},
      onchange: (e) => this.setVisible(layer.id, e.target.checked)});
    this.boxes.set(layer.id, box);
    const entry = this.legend.get(layer.id);
    const first = this.index.get(layer.id)?.styleLayers.find((id) => !id.endsWith("-overdue") && !id.endsWith("-label"));
    const colour = entry?.colours?.items?.[0]?.color || (first ? plainColour(this.map, first) : null);
    const legend = legendList(entry, layer.geometry);
    const row = h("li", {class: "layer", dataset: {layer: layer.id}},
      h("label", {title: `${layer.title_zh} / ${layer.title_en}（${layer.id}）`}, box, swatch(layer.geometry, colour),
        h("span", {class: "name"}, layer.title_zh), h("span", {class: "zoom-hint"}, `≥${layer.min_zoom}级`)),
      legend ? h("details", {class: "legend-box"}, h("summary", {}, "图例"), legend) : null);
    this.rows.set(layer.id, row);
    return row;
  }

  setVisible(layerId, on, {silent = false} = {}) {
    this.visible.set(layerId, on);
    const box = this.boxes.get(layerId);
    if (box) box.checked = on;
    for (const styleLayer of this.index.get(layerId)?.styleLayers || []) {
      if (this.map.getLayer(styleLayer)) this.map.setLayoutProperty(styleLayer, "visibility", on ? "visible" : "none");
    }
    this.syncDomain(this.layers.get(layerId)?.domain);
    if (!silent) this.onChange();
  }

  setDomain(domainId, on) {
    for (const layer of this.layers.values()) {
      if (layer.domain === domainId && (!layer.chart || !on)) this.setVisible(layer.id, on, {silent: true});
    }
    this.syncDomain(domainId);
    this.onChange();
  }

  /** Show only the business layers of one domain (the base geography stays); "" shows every domain. */
  showOnlyDomain(domainId) {
    for (const domain of this.config.domains) {
      if (domain.base) continue;
      const on = !domainId || domain.id === domainId;
      for (const layer of domain.layers) if (!layer.chart) this.setVisible(layer.id, on, {silent: true});
    }
    this.onChange();
  }

  syncDomain(domainId) {
    const box = this.domainBoxes.get(domainId);
    if (!box) return;
    const states = [...this.layers.values()].filter((l) => l.domain === domainId).map((l) => this.visible.get(l.id));
    box.checked = states.some(Boolean);
    box.indeterminate = states.some(Boolean) && !states.every(Boolean);
  }

  /** Re-apply every layer's visibility (after the style was replaced). */
  apply() {
    for (const [id, on] of this.visible) this.setVisible(id, on, {silent: true});
  }

  updateZoomHints() {
    const zoom = this.map.getZoom();
    for (const [id, row] of this.rows) {
      const layer = this.layers.get(id);
      const out = zoom < layer.min_zoom;
      row.classList.toggle("out-of-zoom", out);
      row.title = out ? `放大到 ${layer.min_zoom} 级以上显示 / visible from zoom ${layer.min_zoom}` : "";
    }
  }
}
