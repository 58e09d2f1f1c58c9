// The one-map style (/styles/onemap): fetched for the signed-in caller, its chart layers hidden
// (the chart view draws them with the S-52 styles), and the look-ups the other modules need —
// which style layers and sources draw a registry layer, their original filters, the legend.

import {api} from "./api.js";

export const LAYER_KEY = "onemap:layer";
// Below this zoom the 30 km pilot chart is a few pixels: its layers are not drawn (nor their tiles asked for).
export const CHART_MIN_ZOOM = 9;

export function fetchStyle(path) {
  return api(path);
}

/** Start these registry layers hidden (chart layers; layers the tree keeps off). */
export function hideLayers(style, hidden) {
  for (const layer of style.layers) {
    const owner = layer.metadata?.[LAYER_KEY];
    if (owner && hidden.has(owner)) layer.layout = {...(layer.layout || {}), visibility: "none"};
  }
  return style;
}

/** The chart layers (`enc_*`) of the one map start at CHART_MIN_ZOOM. */
export function limitChartZoom(style, chartIds) {
  for (const layer of style.layers) {
    if (chartIds.has(layer.metadata?.[LAYER_KEY])) layer.minzoom = Math.max(layer.minzoom || 0, CHART_MIN_ZOOM);
  }
  return style;
}

/** Registry layer id → {styleLayers: [ids], sources: Set, filters: {styleLayerId: original filter}}. */
export function indexStyle(style) {
  const index = new Map();
  for (const layer of style.layers) {
    const owner = layer.metadata?.[LAYER_KEY];
    if (!owner) continue;
    if (!index.has(owner)) index.set(owner, {styleLayers: [], sources: new Set(), filters: {}});
    const entry = index.get(owner);
    entry.styleLayers.push(layer.id);
    entry.sources.add(layer.source);
    entry.filters[layer.id] = layer.filter ?? null;
  }
  return index;
}

/** Legend entries of the style's metadata, by registry layer id. */
export function legendOf(style) {
  const legend = new Map();
  for (const entry of style.metadata?.["onemap:legend"] || []) legend.set(entry.layer, entry);
  return legend;
}

/** Ask the server again for every tile of the sources drawing these layers (after a write moved
 * their data version; tiles are `no-cache`, so the browser revalidates and gets the new ones). */
export function refreshLayers(map, index, layerIds) {
  const sources = new Set();
  for (const id of layerIds) for (const source of index.get(id)?.sources || []) sources.add(source);
  for (const source of sources) if (map.getSource(source)) map.refreshTiles(source);
  return [...sources];
}
