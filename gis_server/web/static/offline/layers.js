// The open package's layers: one row per layer of the package (Chinese title first, from the style's
// legend, else the manifest, else the tiles' vector_layers), a checkbox that shows or hides every
// style layer drawing it, and the legend's colours.

import {bilingual, fill, h} from "../map/dom.js";

const LAYER_KEY = "onemap:layer";
const PAINT_COLOUR = {fill: "fill-color", line: "line-color", circle: "circle-color", symbol: "text-color"};

/** Registry layer id → the ids of the style layers drawing it, in style order. */
export function styleLayersOf(style) {
  const index = new Map();
  for (const layer of style.layers || []) {
    const owner = layer.metadata?.[LAYER_KEY] || layer["source-layer"];
    if (!owner) continue;
    if (!index.has(owner)) index.set(owner, []);
    index.get(owner).push(layer.id);
  }
  return index;
}

/** The package's layers: [{id, title_zh, title_en, legend}] in the manifest's order. */
export function packageLayers(style, manifest, vectorLayers) {
  const legend = new Map((style.metadata?.["onemap:legend"] || []).map((entry) => [entry.layer, entry]));
  const declared = new Map((manifest?.layers || []).map((layer) => [layer.id, layer]));
  const ids = [...new Set([...declared.keys(), ...legend.keys(), ...(vectorLayers || []).map((layer) => layer.id)])];
  return ids.map((id) => {
    const entry = legend.get(id);
    const known = declared.get(id);
    return {id, title_zh: entry?.title_zh || known?.title_zh || id, title_en: entry?.title_en || known?.title_en || "",
      legend: entry || null};
  });
}

function colourOf(map, styleLayerIds) {
  for (const id of styleLayerIds) {
    const layer = map.getLayer(id);
    const property = layer && PAINT_COLOUR[layer.type];
    const value = property ? map.getPaintProperty(id, property) : null;
    if (typeof value === "string") return value;
  }
  return null;
}

function legendItems(entry) {
  const items = (entry?.colours?.items || []).map((item) => h("li", {},
    h("span", {class: "swatch point", style: {"--swatch": item.color}, "aria-hidden": "true"}),
    item.label_zh, item.label_en ? h("span", {class: "en"}, ` ${item.label_en}`) : null));
  return items.length ? h("ul", {class: "legend"}, items) : null;
}

export class LayerList {
  constructor(container, {map, layers, styleLayers}) {
    this.container = container;
    this.map = map;
    this.layers = layers;
    this.styleLayers = styleLayers;
    this.boxes = new Map();
  }

  render() {
    const rows = this.layers.map((layer) => this.row(layer));
    fill(this.container, h("h2", {}, bilingual("图层", "Layers")),
      rows.length ? h("ul", {class: "layers offline-layers"}, rows) : h("p", {class: "hint"}, "离线包中没有图层 / no layers"));
  }

  row(layer) {
    const drawn = this.styleLayers.get(layer.id) || [];
    const box = h("input", {type: "checkbox", checked: true, dataset: {layer: layer.id},
      onchange: (event) => this.setVisible(layer.id, event.target.checked)});
    this.boxes.set(layer.id, box);
    const colour = colourOf(this.map, drawn);
    return h("li", {class: "layer", dataset: {layer: layer.id}},
      h("label", {}, box, colour ? h("span", {class: "swatch point", style: {"--swatch": colour}, "aria-hidden": "true"}) : null,
        h("span", {class: "name"}, bilingual(layer.title_zh, layer.title_en))),
      legendItems(layer.legend));
  }

  setVisible(layerId, visible) {
    for (const id of this.styleLayers.get(layerId) || []) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
    }
    const box = this.boxes.get(layerId);
    if (box) box.checked = visible;
  }

  visible(layerId) {
    return this.boxes.get(layerId)?.checked ?? false;
  }
}
