// Tianditu (天地图) as an optional basemap under our own layers — only when the platform has a key
// (ONEMAP_TIANDITU_KEY). Without a key this module adds nothing and no request leaves the machine.

import {bilingual, h} from "./dom.js";

const KINDS = {
  vec: {zh: "天地图矢量", en: "Tianditu map", layers: ["vec", "cva"]},
  img: {zh: "天地图影像", en: "Tianditu imagery", layers: ["img", "cia"]},
};
const SOURCE = "tianditu";

function tiles(layer, key) {
  return [0, 1, 2, 3, 4, 5, 6, 7].map((n) => `https://t${n}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile`
    + `&VERSION=1.0.0&LAYER=${layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(key)}`);
}

export class Basemap {
  constructor({map, config}) {
    this.map = map;
    this.key = config.tianditu?.key || null;
    this.kind = this.key ? "vec" : "none";
  }

  /** The basemap choice for the layer panel (nothing without a key). */
  control() {
    if (!this.key) return null;
    const choices = [["none", "无底图", "none"], ...Object.entries(KINDS).map(([id, k]) => [id, k.zh, k.en])];
    return h("details", {class: "domain basemap", open: true}, h("summary", {}, h("strong", {}, "底图"), h("span", {class: "en"}, " basemap")),
      h("div", {class: "basemap-choices"}, choices.map(([id, zh, en]) => h("label", {class: "check"},
        h("input", {type: "radio", name: "basemap", value: id, checked: id === this.kind, onchange: () => this.set(id)}),
        bilingual(zh, en)))));
  }

  set(kind) {
    this.kind = kind;
    this.apply();
  }

  /** (Re)draw the chosen basemap just above the background (also after the style was replaced). */
  apply() {
    for (const suffix of ["0", "1"]) {
      if (this.map.getLayer(`${SOURCE}-${suffix}`)) this.map.removeLayer(`${SOURCE}-${suffix}`);
      if (this.map.getSource(`${SOURCE}-${suffix}`)) this.map.removeSource(`${SOURCE}-${suffix}`);
    }
    if (!this.key || this.kind === "none") return;
    const layers = this.map.getStyle().layers;
    const below = layers.find((layer) => layer.type !== "background")?.id;
    KINDS[this.kind].layers.forEach((layer, i) => {
      const id = `${SOURCE}-${i}`;
      this.map.addSource(id, {type: "raster", tiles: tiles(layer, this.key), tileSize: 256, maxzoom: 18,
        attribution: "© 天地图 / Tianditu"});
      this.map.addLayer({id, type: "raster", source: id}, below);
    });
  }
}
