// Measuring distance and area: click points on the map, double-click (or 完成) to finish; each new
// point asks /map/measure for the geodesic length or area on the CGCS2000 (GRS 80) ellipsoid.

import {api, problemText} from "./api.js";
import {bilingual, fill, h} from "./dom.js";
import {formatKm, formatKm2} from "./format.js";
import {line, point, polygon, Sketch} from "./sketch.js";

export class Measure {
  constructor({map, panel, modes}) {
    this.map = map;
    this.panel = panel;
    this.modes = modes;
    this.sketch = new Sketch(map, "onemap-measure", "#d9480f");
    this.points = [];
    this.kind = "line";
    this.onClick = (event) => this.add([event.lngLat.lng, event.lngLat.lat]);
    this.onDouble = (event) => { event.preventDefault(); this.finish(); };
  }

  start(kind) {
    this.kind = kind;
    this.points = [];
    this.done = false;
    this.result = h("div", {class: "measure-result", "aria-live": "polite"}, "在地图上依次点击 / click points on the map");
    fill(this.panel, h("h2", {}, bilingual(kind === "line" ? "测量距离" : "测量面积", kind === "line" ? "distance" : "area")),
      h("p", {class: "hint"}, "单击添加点，双击结束；按测地线（CGCS2000 椭球）计算。"), this.result,
      h("div", {class: "buttons"}, h("button", {type: "button", onclick: () => this.finish()}, "完成"),
        h("button", {type: "button", onclick: () => this.start(this.kind)}, "重新测量"),
        h("button", {type: "button", onclick: () => this.modes.set(null)}, "关闭")));
    this.panel.hidden = false;
    this.map.doubleClickZoom.disable();
    this.map.on("click", this.onClick);
    this.map.on("dblclick", this.onDouble);
    this.map.getCanvas().style.cursor = "crosshair";
    this.sketch.clear();
  }

  stop() {
    this.map.off("click", this.onClick);
    this.map.off("dblclick", this.onDouble);
    this.map.doubleClickZoom.enable();
    this.map.getCanvas().style.cursor = "";
    this.sketch.clear();
    this.panel.hidden = true;
  }

  draw() {
    const features = this.points.map((p) => point(p));
    if (this.kind === "area" && this.points.length >= 3) features.unshift(polygon(this.points));
    else if (this.points.length >= 2) features.unshift(line(this.points));
    this.sketch.set(features);
  }

  async add(lonLat) {
    if (this.done) this.start(this.kind);
    const last = this.points[this.points.length - 1];
    if (last && last[0] === lonLat[0] && last[1] === lonLat[1]) return;
    this.points.push(lonLat);
    this.draw();
    await this.compute();
  }

  async compute() {
    const enough = this.kind === "line" ? 2 : 3;
    if (this.points.length < enough) return;
    const kind = this.kind === "line" ? "line" : "polygon";
    const points = this.points.map((p) => `${p[0].toFixed(7)},${p[1].toFixed(7)}`).join(";");
    try {
      const body = await api(`/map/measure?${new URLSearchParams({kind, points})}`);
      this.last = body;
      fill(this.result, kind === "line"
        ? [h("strong", {dataset: {metres: String(body.length_m)}}, formatKm(body.length_m)), `（${body.points} 个点）`]
        : [h("strong", {dataset: {squareMetres: String(body.area_m2)}}, formatKm2(body.area_m2)),
          ` 周长 ${formatKm(body.perimeter_m)}`]);
    } catch (error) {
      fill(this.result, h("span", {class: "error"}, problemText(error)));
    }
  }

  finish() {
    this.done = true;
  }
}
