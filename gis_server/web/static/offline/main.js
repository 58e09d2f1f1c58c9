// The offline map (离线地图): opens one offline package — a `.pmtiles` file picked on disk (read in
// the browser, no server), a PMTiles URL (`?package=<url>.pmtiles`, HTTP Range), or a package server
// (`?package=<base>` of `onemap package serve`) — and draws it with the package's own style, whose
// `package://` URLs `protocol.js` answers from the package. `window.offline` exposes the state for
// tests and the console: `offline.ready`, `offline.map`, `offline.source`, `offline.idle()`,
// `offline.error`.

import {bilingual, fill, h, toast} from "../map/dom.js";
import {LayerList, packageLayers, styleLayersOf} from "./layers.js";
import {FeaturePopup} from "./popup.js";
import {usePackage} from "./protocol.js";
import {openFile, openUrl, readJsonPart} from "./sources.js";

const STYLE_PART = "styles/onemap.json";
const MANIFEST_PART = "manifest.json";
const LOCAL_FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

const offline = window.offline = {ready: false, map: null, source: null, error: null};

/** Resolves at the map's next `idle` (at once when it is idle now). */
function idle(map) {
  return new Promise((resolve) => {
    if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) resolve();
    else map.once("idle", () => resolve());
  });
}

function styleLoaded(map) {
  return new Promise((resolve, reject) => {
    if (map.isStyleLoaded()) resolve();
    else {
      map.once("load", () => resolve());
      map.once("error", (event) => reject(event.error || new Error("地图加载失败 / the map failed to load")));
    }
  });
}

function status(message) {
  document.getElementById("status-msg").textContent = message;
}

function packageBounds(source, style, manifest) {
  const box = style.sources?.package?.bounds || manifest?.area?.bbox;
  if (Array.isArray(box) && box.length === 4) return [[box[0], box[1]], [box[2], box[3]]];
  const header = source.header;
  return header ? [[header.minLon, header.minLat], [header.maxLon, header.maxLat]] : null;
}

function describe(source, manifest) {
  const rows = [];
  const add = (zh, en, value) => { if (value !== undefined && value !== null && value !== "") rows.push(h("dt", {}, bilingual(zh, en)), h("dd", {}, String(value))); };
  add("范围", "area", manifest?.area?.name);
  add("缩放级别", "zooms", manifest?.zooms?.length ? `${Math.min(...manifest.zooms)}–${Math.max(...manifest.zooms)}` : null);
  add("瓦片数", "tiles", manifest?.tile_count?.toLocaleString("zh-CN"));
  add("格式", "format", manifest?.format);
  add("制作时间", "built", manifest?.built_at);
  add("制作人", "builder", manifest?.builder);
  const from = {file: "本机文件（不经服务器）/ a file on this computer", "pmtiles-url": "PMTiles 网址 / a PMTiles URL",
    server: "离线包服务 / a package server"}[source.kind];
  add("来源", "source", `${from}: ${source.label}`);
  const download = source.kind === "server" ? h("p", {}, h("a", {href: `${source.base}/file`, download: ""}, "下载离线包文件 / download the package file")) : null;
  return [h("h2", {}, bilingual("离线包", "Package")), h("dl", {class: "supervision"}, rows), download];
}

function wireStatus(map) {
  const pos = document.getElementById("status-pos");
  map.on("mousemove", (event) => {
    pos.textContent = `经度 ${event.lngLat.lng.toFixed(5)}  纬度 ${event.lngLat.lat.toFixed(5)}  缩放 ${map.getZoom().toFixed(1)} 级`;
  });
}

async function show(source) {
  offline.ready = false;
  delete document.body.dataset.ready;
  const style = await readJsonPart(source, STYLE_PART);
  const manifest = source.names.has(MANIFEST_PART) ? await readJsonPart(source, MANIFEST_PART) : null;
  usePackage(source);
  if (offline.map) offline.map.remove();
  document.getElementById("welcome").hidden = true;
  const bounds = packageBounds(source, style, manifest);
  const map = new maplibregl.Map({
    container: "map", style, fadeDuration: 0, attributionControl: {compact: true},
    ...(bounds ? {bounds, fitBoundsOptions: {padding: 20}} : {}),
    localIdeographFontFamily: style.metadata?.["onemap:localIdeographFontFamily"] || LOCAL_FONT,
  });
  Object.assign(offline, {map, source, style, manifest, idle: () => idle(map)});
  map.addControl(new maplibregl.NavigationControl({visualizePitch: false}), "top-left");
  map.addControl(new maplibregl.ScaleControl({unit: "metric"}), "bottom-right");
  await styleLoaded(map);
  const styleLayers = styleLayersOf(style);
  const layers = packageLayers(style, manifest, source.metadata?.vector_layers);
  const titles = new Map(layers.map((layer) => [layer.id, layer.title_zh]));
  const list = new LayerList(document.getElementById("layer-list"), {map, layers, styleLayers});
  list.render();
  const popup = new FeaturePopup({map, layers: () => [...styleLayers.values()].flat(), titleOf: (id) => titles.get(id) || id});
  popup.attach();
  fill(document.getElementById("package-info"), describe(source, manifest));
  document.getElementById("package-name").textContent = manifest?.area?.name || source.metadata?.name || source.label;
  wireStatus(map);
  Object.assign(offline, {layers, list, popup, styleLayers, error: null, ready: true});
  document.body.dataset.ready = "true";
  status(`已打开 / opened: ${source.label}`);
}

function failed(error) {
  console.error(error);
  offline.error = error.message || String(error);
  status(offline.error);
  toast(`离线包打开失败：${offline.error}`, "error");
}

function boot() {
  const input = document.getElementById("package-file");
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) openFile(file).then(show).catch(failed);
  });
  const asked = new URLSearchParams(location.search).get("package");
  if (asked) openUrl(asked).then(show).catch(failed);
}

boot();
