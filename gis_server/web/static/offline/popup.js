// A click on the offline map: the package's features under the cursor (a chooser when there are
// several) and the chosen one's properties as the tile carries them — there is no server to ask
// for more.

import {fill, h} from "../map/dom.js";

const PICK_RADIUS = 4;

function valueText(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "是" : "否";
  return String(value);
}

export class FeaturePopup {
  constructor({map, layers, titleOf}) {
    this.map = map;
    this.layers = layers; // () → style layer ids that may be picked
    this.titleOf = titleOf; // registry layer id → Chinese title
    this.popup = null;
    this.last = [];
  }

  attach() {
    this.map.on("click", (event) => this.open(event.point, event.lngLat));
  }

  pick(point) {
    const box = [[point.x - PICK_RADIUS, point.y - PICK_RADIUS], [point.x + PICK_RADIUS, point.y + PICK_RADIUS]];
    const layers = this.layers().filter((id) => this.map.getLayer(id));
    const seen = new Set();
    const found = [];
    for (const feature of this.map.queryRenderedFeatures(box, {layers})) {
      const key = `${feature.sourceLayer}/${feature.id ?? JSON.stringify(feature.properties)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(feature);
    }
    return found;
  }

  open(point, lngLat) {
    const features = this.pick(point);
    this.last = features.map((f) => ({layer: f.sourceLayer, id: f.id, properties: f.properties}));
    if (this.popup) this.popup.remove();
    if (!features.length) return;
    const body = h("div", {class: "popup"});
    const show = (index) => fill(body, this.chooser(features, index, show), this.details(features[index]));
    show(0);
    this.popup = new maplibregl.Popup({className: "onemap-popup", maxWidth: "360px"})
      .setLngLat(lngLat).setDOMContent(body).addTo(this.map);
  }

  chooser(features, index, show) {
    if (features.length < 2) return null;
    const options = features.map((feature, i) => h("option", {value: String(i), selected: i === index},
      `${this.titleOf(feature.sourceLayer)} ${feature.properties.name || feature.properties.name_zh || feature.id || ""}`));
    return h("div", {class: "popup-count"}, `此处有 ${features.length} 个要素 / ${features.length} features here `,
      h("select", {onchange: (event) => show(Number(event.target.value))}, options));
  }

  details(feature) {
    const rows = Object.entries(feature.properties).map(([key, value]) => h("tr", {}, h("th", {}, key), h("td", {}, valueText(value))));
    return [h("div", {class: "popup-layer"}, this.titleOf(feature.sourceLayer), " ", h("span", {class: "en"}, feature.sourceLayer)),
      h("h3", {}, valueText(feature.properties.name_zh || feature.properties.name || feature.properties.title_zh || feature.id)),
      h("table", {class: "attributes"}, h("tbody", {}, rows))];
  }
}
