// Drawing an oversize-transport route (大件运输路线): click points along the roads, the platform
// joins them along the road network (/map/route-plan → line + route codes); the application is
// submitted to per_oversize_applications (POST …/items, which wakes the route-check rule), checked
// (POST /permits/applications/{fid}/check) and its result shown on the map: failing bridges and
// closures as red points (also in the per_route_findings layer) and the summary text.

import {api, problemText} from "./api.js";
import {bilingual, fill, h, toast} from "./dom.js";
import {line, point, Sketch} from "./sketch.js";

export const APPLICATIONS = "per_oversize_applications";
export const FINDINGS = "per_route_findings";
const KIND_LABEL = {overweight: "超载", overheight: "超高", closure: "封闭", route: "路线"};

function today(offsetDays = 0) {
  const date = new Date(Date.now() + 8 * 3600e3 + offsetDays * 86400e3);
  return date.toISOString().slice(0, 10);
}

function applicationNo(adcode) {
  const stamp = new Date(Date.now() + 8 * 3600e3).toISOString().replace(/\D/g, "").slice(0, 14);
  return `DJ${adcode}${stamp}`;
}

function field(label, input) {
  return h("label", {class: "field"}, label, input);
}

export class OversizeRoute {
  constructor({map, panel, config, modes, onWritten}) {
    this.map = map;
    this.panel = panel;
    this.config = config;
    this.modes = modes;
    this.onWritten = onWritten;
    this.sketch = new Sketch(map, "onemap-route", "#7048e8");
    this.layer = config.domains.flatMap((d) => d.layers).find((l) => l.id === APPLICATIONS);
    this.points = [];
    this.plan = null;
    this.onClick = (event) => this.add([event.lngLat.lng, event.lngLat.lat]);
  }

  start() {
    this.points = [];
    this.plan = null;
    this.panel.hidden = false;
    if (!this.layer?.may_create) {
      fill(this.panel, h("h2", {}, bilingual("大件运输路线", "oversize route")),
        h("p", {class: "error"}, "请以大件运输许可申请人或受理经办人身份登录后使用 / sign in as an applicant or permit officer"),
        h("button", {type: "button", onclick: () => this.modes.set(null)}, "关闭"));
      return;
    }
    this.renderForm();
    this.map.on("click", this.onClick);
    this.map.getCanvas().style.cursor = "crosshair";
    this.sketch.clear();
  }

  stop() {
    this.map.off("click", this.onClick);
    this.map.getCanvas().style.cursor = "";
    this.sketch.clear();
    this.panel.hidden = true;
  }

  async schema() {
    this.schemaDoc ??= await api(`/collections/${APPLICATIONS}/schema`);
    return this.schemaDoc;
  }

  async renderForm() {
    const schema = await this.schema();
    const adcodes = schema.properties.adcode;
    const region = this.config.caller.region;
    const adcode = adcodes.enum.includes(region) ? region : adcodes.enum[0];
    const inputs = this.inputs = {
      application_no: h("input", {name: "application_no", required: true, maxlength: "32", value: applicationNo(adcode)}),
      applicant_code: h("input", {name: "applicant_code", required: true, minlength: "18", maxlength: "18",
        placeholder: "18 位统一社会信用代码"}),
      plate: h("input", {name: "plate", required: true, maxlength: "16", placeholder: "如 吉A·12345"}),
      cargo_zh: h("input", {name: "cargo_zh", maxlength: "64"}),
      gross_weight_t: h("input", {name: "gross_weight_t", type: "number", required: true, min: "0", max: "1000", step: "0.1"}),
      height_m: h("input", {name: "height_m", type: "number", required: true, min: "0", max: "10", step: "0.01"}),
      width_m: h("input", {name: "width_m", type: "number", required: true, min: "0", max: "10", step: "0.01"}),
      length_m: h("input", {name: "length_m", type: "number", required: true, min: "0", max: "100", step: "0.1"}),
      valid_from: h("input", {name: "valid_from", type: "date", required: true, value: today()}),
      valid_to: h("input", {name: "valid_to", type: "date", required: true, value: today(7)}),
      adcode: h("select", {name: "adcode"}, adcodes.enum.map((code) => h("option", {value: code, selected: code === adcode},
        adcodes["x-onemap-labels"]?.[code] || code))),
    };
    this.routeInfo = h("div", {class: "route-info", "aria-live": "polite"}, "在地图上沿道路依次点击起点、途经点和终点。");
    this.result = h("div", {class: "route-result", "aria-live": "polite"});
    this.submitButton = h("button", {type: "submit", class: "primary", disabled: true}, "提交申请并校核");
    const form = h("form", {class: "oversize-form", onsubmit: (e) => { e.preventDefault(); this.submit(); }},
      field("申请编号", inputs.application_no), field("申请人统一社会信用代码", inputs.applicant_code),
      field("牵引车号牌", inputs.plate), field("货物名称", inputs.cargo_zh),
      h("div", {class: "grid2"}, field("车货总质量（t）", inputs.gross_weight_t), field("总高（m）", inputs.height_m),
        field("总宽（m）", inputs.width_m), field("总长（m）", inputs.length_m),
        field("通行起始日期", inputs.valid_from), field("通行截止日期", inputs.valid_to)),
      field("受理地市（州）", inputs.adcode),
      h("div", {class: "buttons"}, this.submitButton,
        h("button", {type: "button", onclick: () => this.undo()}, "撤销上一点"),
        h("button", {type: "button", onclick: () => this.modes.set(null)}, "关闭")));
    fill(this.panel, h("h2", {}, bilingual("大件运输路线", "oversize-transport route")), this.routeInfo, form, this.result);
  }

  async add(lonLat) {
    this.points.push(lonLat);
    await this.replan();
  }

  async undo() {
    this.points.pop();
    await this.replan();
  }

  async replan() {
    const previous = this.plan;
    this.plan = null;
    if (this.submitButton) this.submitButton.disabled = true;
    if (this.points.length < 2) {
      this.sketch.set(this.points.map((p) => point(p, {radius: 4})));
      fill(this.routeInfo, this.points.length ? "已选起点，继续点击途经点或终点。" : "在地图上沿道路依次点击起点、途经点和终点。");
      return;
    }
    const points = this.points.map((p) => `${p[0].toFixed(7)},${p[1].toFixed(7)}`).join(";");
    try {
      this.plan = await api(`/map/route-plan?${new URLSearchParams({points})}`);
    } catch (error) {
      this.points.pop(); // the last click could not be joined to the route: take it back
      this.plan = previous;
      this.draw();
      this.routeInfo.prepend(h("p", {class: "error"}, `${problemText(error)}（已撤销该点 / point removed）`));
      return;
    }
    this.draw();
  }

  draw() {
    if (!this.plan) {
      this.sketch.set(this.points.map((p) => point(p, {radius: 4})));
      return;
    }
    const plan = this.plan;
    const ends = plan.properties.points;
    this.sketch.set([line(plan.geometry.coordinates), ...ends.map((p) => point([p.lon, p.lat], {label: p.reference}))]);
    fill(this.routeInfo, h("div", {}, h("strong", {}, "通行路线："), h("code", {class: "route-codes"}, plan.properties.route_codes)),
      h("div", {}, `里程 ${plan.properties.length_km.toFixed(1)} km，${ends[0].reference} → ${ends[ends.length - 1].reference}`));
    this.submitButton.disabled = false;
  }

  body() {
    const number = (name) => Number(this.inputs[name].value);
    const text = (name) => this.inputs[name].value.trim() || null;
    return {type: "Feature", geometry: this.plan.geometry, properties: {
      application_no: text("application_no"), applicant_code: text("applicant_code"), plate: text("plate"),
      cargo_zh: text("cargo_zh"), gross_weight_t: number("gross_weight_t"), height_m: number("height_m"),
      width_m: number("width_m"), length_m: number("length_m"), valid_from: text("valid_from"), valid_to: text("valid_to"),
      route_codes: this.plan.properties.route_codes, route_length_km: this.plan.properties.length_km,
      check_status: "unchecked", submitted_at: new Date().toISOString(), adcode: this.inputs.adcode.value,
      origin_zh: this.plan.properties.points[0].reference,
      destination_zh: this.plan.properties.points[this.plan.properties.points.length - 1].reference,
    }};
  }

  async submit() {
    if (!this.plan) return;
    this.submitButton.disabled = true;
    fill(this.result, h("p", {class: "hint"}, "提交并校核中… / submitting and checking"));
    try {
      const created = await api(`/collections/${APPLICATIONS}/items`, {method: "POST", body: this.body(),
        contentType: "application/geo+json", full: true});
      const fid = Number((created.headers.get("Location") || "").split("/").pop());
      const report = await api(`/permits/applications/${fid}/check`, {method: "POST"});
      this.show(report);
      this.onWritten([APPLICATIONS, FINDINGS]);
      this.inputs.application_no.value = applicationNo(this.inputs.adcode.value);
    } catch (error) {
      fill(this.result, h("p", {class: "error"}, `提交失败：${problemText(error)}`));
    } finally {
      this.submitButton.disabled = !this.plan;
    }
  }

  show(report) {
    const passed = report.check_status === "passed";
    const problems = report.problems || [];
    const marks = problems.filter((p) => p.lon !== null && p.lon !== undefined)
      .map((p) => point([p.lon, p.lat], {label: `${KIND_LABEL[p.kind] || p.kind}：${p.name_zh || p.bridge_code || p.event_no || ""}`,
        colour: "#e60012", radius: 7}));
    this.sketch.set([...this.sketch.data.features.filter((f) => f.geometry.type !== "Point" || !f.properties.colour), ...marks]);
    fill(this.result,
      h("div", {class: `check-status ${passed ? "passed" : "failed"}`, dataset: {status: report.check_status, fid: String(report.fid)}},
        `申请 ${report.application_no}：${passed ? "校核通过 / passed" : report.check_status === "failed" ? "校核不通过 / failed" : "未校核 / not checked"}`),
      report.check_summary ? h("pre", {class: "check-summary"}, report.check_summary) : null,
      problems.length ? h("ul", {class: "problems"}, problems.map((p) => h("li", {dataset: {kind: p.kind, bridge: p.bridge_code || ""}},
        h("strong", {}, KIND_LABEL[p.kind] || p.kind), " ", p.message))) : null,
      h("p", {class: "hint"}, `途经桥梁 ${report.bridges_on_route ?? "—"} 座`));
    this.result.scrollIntoView({block: "nearest"});
  }
}
