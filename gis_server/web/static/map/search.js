// The search box: GET /search?q= (names, plates, case/application/event numbers, stakes
// `G12 K1023+500`, coordinates) → a list; choosing a result flies the map there, marks the place
// and, for a feature, opens its popup.

import {api, problemText} from "./api.js";
import {fill, h} from "./dom.js";

const MARK_SOURCE = "onemap-search";

export class Search {
  constructor({map, form, input, list, popups}) {
    this.map = map;
    this.form = form;
    this.input = input;
    this.list = list;
    this.popups = popups;
    this.results = [];
  }

  attach() {
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.run(this.input.value); });
    this.input.addEventListener("keydown", (event) => { if (event.key === "Escape") this.list.hidden = true; });
    document.addEventListener("click", (event) => { if (!this.form.contains(event.target)) this.list.hidden = true; });
  }

  async run(text) {
    const q = text.trim();
    if (q.length < 2) return;
    fill(this.list, h("li", {class: "hint"}, "搜索中… / searching"));
    this.list.hidden = false;
    try {
      const body = await api(`/search?${new URLSearchParams({q})}`);
      this.results = body.results;
      if (!body.results.length) {
        fill(this.list, h("li", {class: "hint"}, body.message || `未找到“${q}” / nothing found`));
        return;
      }
      fill(this.list, body.results.map((result, i) => h("li", {},
        h("button", {type: "button", class: "result", dataset: {index: String(i), collection: result.collection || "",
          fid: result.fid === null ? "" : String(result.fid)}, onclick: () => this.choose(result)},
        h("strong", {}, result.title), " ", h("span", {class: "muted"}, result.collection_title),
        result.field_title && result.value !== result.title ? h("div", {class: "muted"}, `${result.field_title}：${result.value}`) : null))));
    } catch (error) {
      fill(this.list, h("li", {class: "error"}, problemText(error)));
    }
  }

  mark(center) {
    const data = {type: "Feature", geometry: {type: "Point", coordinates: center}, properties: {}};
    if (this.map.getSource(MARK_SOURCE)) {
      this.map.getSource(MARK_SOURCE).setData(data);
      return;
    }
    this.map.addSource(MARK_SOURCE, {type: "geojson", data});
    this.map.addLayer({id: MARK_SOURCE, type: "circle", source: MARK_SOURCE,
      paint: {"circle-radius": 11, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#0b4f8a", "circle-stroke-width": 3}});
  }

  choose(result) {
    this.list.hidden = true;
    const [minx, miny, maxx, maxy] = result.bbox;
    this.map.fitBounds([[minx, miny], [maxx, maxy]], {padding: 60, maxZoom: 16, duration: 600});
    this.mark(result.center);
    if (result.kind === "feature" && result.fid !== null && this.popups.layers.has(result.collection)) {
      this.map.once("moveend", () => this.popups.openFeature(result.collection, result.fid, result.center));
    }
  }
}
