// Feature popups: what is under the click (every layer of ours), the chosen feature's attributes
// with their Chinese titles and code-list labels (from /collections/{id}/schema), and for workflow
// layers the state, holder, deadline, overdue, history and the caller's transitions (workflow.js).

import {api, problemText} from "./api.js";
import {fill, h} from "./dom.js";
import {formatValue} from "./format.js";
import {LAYER_KEY} from "./style.js";
import {workflowSection} from "./workflow.js";

const SUPERVISION = new Set(["workflow_state", "holder", "holder_org", "state_since", "deadline", "overdue"]);
const TITLE_FIELDS = ["name_zh", "title_zh", "title", "name", "ship_name", "lot_name", "case_no", "application_no",
  "event_no", "hazard_no", "clue_no", "inspection_no", "incident_no", "task_no", "notice_no", "plate", "nobjnm", "objnam",
  "route_name_zh", "section_code", "label", "gauge_id", "cell_name"];
const PICK_RADIUS = 6;

export function featureTitle(properties = {}) {
  for (const name of TITLE_FIELDS) if (properties[name]) return String(properties[name]);
  return null;
}

export class Popups {
  constructor({map, layers, mode, onWritten}) {
    this.map = map;
    this.layers = layers; // registry layer id → tree entry (titles, workflow)
    this.mode = mode; // () → the active tool, if any (then clicks belong to it)
    this.onWritten = onWritten; // (layerId) → after a transition
    this.schemas = new Map();
    this.popup = new maplibregl.Popup({maxWidth: "420px", closeOnClick: false, className: "onemap-popup"});
  }

  attach() {
    this.map.on("click", (event) => {
      if (this.mode()) return;
      const found = this.featuresAt(event.point);
      if (found.length) this.open(found, event.lngLat);
      else this.popup.remove();
    });
    this.map.on("mousemove", (event) => {
      if (this.mode()) return;
      this.map.getCanvas().style.cursor = this.featuresAt(event.point).length ? "pointer" : "";
    });
  }

  /** Our features under a pixel, topmost first, one entry per registry layer and id. */
  featuresAt(point) {
    const box = [[point.x - PICK_RADIUS, point.y - PICK_RADIUS], [point.x + PICK_RADIUS, point.y + PICK_RADIUS]];
    const seen = new Set();
    const found = [];
    for (const feature of this.map.queryRenderedFeatures(box)) {
      const layerId = feature.layer?.metadata?.[LAYER_KEY];
      if (!layerId || feature.id === undefined || !this.layers.has(layerId)) continue;
      const key = `${layerId}/${feature.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({layerId, fid: feature.id, properties: feature.properties});
    }
    return found;
  }

  schema(layerId) {
    if (!this.schemas.has(layerId)) {
      const pending = api(`/collections/${layerId}/schema`);
      pending.catch(() => this.schemas.delete(layerId));
      this.schemas.set(layerId, pending);
    }
    return this.schemas.get(layerId);
  }

  open(found, lngLat) {
    this.found = found;
    this.body = h("div", {class: "popup-body"});
    const chooser = found.length > 1 ? h("select", {class: "popup-choose", "aria-label": "此处的要素 / features here",
      onchange: (e) => this.show(found[Number(e.target.value)])},
    found.map((f, i) => h("option", {value: String(i)},
      `${this.layers.get(f.layerId).title_zh}：${featureTitle(f.properties) || `#${f.fid}`}`))) : null;
    const root = h("div", {class: "popup"}, chooser ? h("div", {class: "popup-count"}, `此处 ${found.length} 个要素：`, chooser) : null, this.body);
    this.popup.setLngLat(lngLat).setDOMContent(root).addTo(this.map);
    return this.show(found[0]);
  }

  /** Open the popup of one feature (search results, tests). */
  async openFeature(layerId, fid, lngLat) {
    return this.open([{layerId, fid, properties: {}}], lngLat);
  }

  async show({layerId, fid}) {
    const layer = this.layers.get(layerId);
    const body = this.body;
    fill(body, h("p", {class: "hint"}, "读取中… / loading"));
    body.dataset.layer = layerId;
    body.dataset.fid = String(fid);
    try {
      const [item, schema] = await Promise.all([api(`/collections/${layerId}/items/${fid}`), this.schema(layerId)]);
      const props = item.properties || {};
      const heading = h("div", {class: "popup-head"},
        h("div", {class: "popup-layer"}, layer.title_zh, h("span", {class: "en"}, ` ${layer.title_en}`)),
        h("h3", {}, featureTitle(props) || `#${fid}`));
      const parts = [heading];
      if (layer.workflow) {
        parts.push(await workflowSection({layerId, fid, schema, properties: props,
          onDone: () => { this.onWritten(layerId); this.show({layerId, fid}); }}));
      }
      parts.push(this.attributes(layer, props, schema));
      if (layerId === "supervision_overdue" && props.source_layer && this.layers.has(props.source_layer)) {
        parts.push(h("button", {type: "button", class: "link", onclick: () => this.show({layerId: props.source_layer, fid: props.source_fid})},
          "打开原事项 / open the item"));
      }
      if (body === this.body) fill(body, parts);
    } catch (error) {
      if (body === this.body) fill(body, h("p", {class: "error"}, `读取失败：${problemText(error)}`));
    }
  }

  attributes(layer, props, schema) {
    const rows = [];
    for (const [name, spec] of Object.entries(schema.properties || {})) {
      if (spec["x-ogc-role"] === "primary-geometry" || name === "geometry") continue;
      if (layer.workflow && SUPERVISION.has(name)) continue;
      const value = props[name];
      if (value === null || value === undefined || value === "") continue;
      rows.push(h("tr", {dataset: {field: name}}, h("th", {title: spec.description || name}, spec.title || name),
        h("td", {}, formatValue(value, spec))));
    }
    return h("table", {class: "attributes"}, h("tbody", {}, rows));
  }
}
