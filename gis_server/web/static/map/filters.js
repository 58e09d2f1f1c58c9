// Filters over the workflow layers: domain, workflow state, overdue only, holding organisation
// and a time window on `state_since`. State and overdue are in every workflow layer's tiles, so
// they become MapLibre filters directly; organisation and time window are not in the tiles, so
// each visible workflow layer is asked once through CQL2 (`/items?filter=…`) for the ids that
// match, and the map filters on the features' ids.

import {api, problemText} from "./api.js";
import {bilingual, fill, h, toast} from "./dom.js";

const PAGE = 10000;

function quote(text) {
  return `'${String(text).replaceAll("'", "''")}'`;
}

/** A China calendar day's start as an RFC 3339 UTC instant. */
function dayStart(day) {
  return new Date(`${day}T00:00:00+08:00`).toISOString().replace(".000Z", "Z");
}

function nextDay(day) {
  const date = new Date(`${day}T00:00:00+08:00`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().replace(".000Z", "Z");
}

/** The CQL2 text for the organisation and time window, or "" when neither is set. */
export function cqlOf({organisation, from, to}) {
  const parts = [];
  if (organisation) parts.push(`holder_org = ${quote(organisation)}`);
  if (from) parts.push(`state_since >= TIMESTAMP('${dayStart(from)}')`);
  if (to) parts.push(`state_since < TIMESTAMP('${nextDay(to)}')`);
  return parts.join(" AND ");
}

async function matchingIds(layerId, cql) {
  const ids = [];
  for (let offset = 0; ; offset += PAGE) {
    const query = new URLSearchParams({filter: cql, "filter-lang": "cql2-text", properties: "workflow_state",
      skipGeometry: "true", limit: String(PAGE), offset: String(offset)});
    const page = await api(`/collections/${layerId}/items?${query}`);
    for (const feature of page.features) ids.push(feature.id);
    if (page.features.length < PAGE) return ids;
  }
}

export class Filters {
  constructor(container, {map, config, index, tree}) {
    this.container = container;
    this.map = map;
    this.config = config;
    this.index = index;
    this.tree = tree;
    this.state = {domain: "", states: new Set(), overdue: false, organisation: "", from: "", to: ""};
    this.workflowLayers = config.domains.flatMap((d) => d.layers).filter((l) => l.workflow);
    this.organisationsLoaded = false;
    this.appliedDomain = "";
  }

  stateChoices() {
    const names = new Map();
    for (const layer of this.workflowLayers) {
      for (const state of layer.workflow.states) {
        if (!names.has(state.id)) names.set(state.id, new Set());
        names.get(state.id).add(state.name_zh);
      }
    }
    return [...names].map(([id, zh]) => ({id, label: [...zh].join(" / ")}));
  }

  render() {
    const domains = this.config.domains.filter((d) => !d.base && d.layers.some((l) => !l.chart));
    this.domainSelect = h("select", {name: "domain"}, h("option", {value: ""}, "全部业务域 / all"),
      domains.map((d) => h("option", {value: d.id}, d.title_zh)));
    this.stateBoxes = this.stateChoices().map((s) => h("label", {class: "state"},
      h("input", {type: "checkbox", value: s.id, dataset: {state: s.id}}), s.label));
    this.overdueBox = h("input", {type: "checkbox", name: "overdue"});
    this.organisationSelect = h("select", {name: "organisation"}, h("option", {value: ""}, "全部单位 / all"));
    this.fromInput = h("input", {type: "date", name: "from"});
    this.toInput = h("input", {type: "date", name: "to"});
    this.summary = h("p", {class: "hint"});
    const form = h("form", {class: "filters", onsubmit: (e) => { e.preventDefault(); this.submit(); }},
      h("label", {class: "field"}, bilingual("业务域", "domain"), this.domainSelect),
      h("fieldset", {}, h("legend", {}, bilingual("办理状态", "workflow state")), h("div", {class: "states"}, this.stateBoxes)),
      h("label", {class: "check"}, this.overdueBox, bilingual("只看超期事项", "overdue only")),
      h("label", {class: "field"}, bilingual("办理单位", "holding organisation"), this.organisationSelect),
      h("fieldset", {}, h("legend", {}, bilingual("进入当前状态的时间", "in its state since")),
        h("label", {class: "field"}, "自 from", this.fromInput), h("label", {class: "field"}, "至 to", this.toInput)),
      h("div", {class: "buttons"}, h("button", {type: "submit", class: "primary"}, "应用筛选"),
        h("button", {type: "button", onclick: () => this.reset()}, "清除")),
      this.summary);
    fill(this.container, form);
  }

  /** The organisations come from the workflow items the caller may read (asked when first shown). */
  async loadOrganisations() {
    if (this.organisationsLoaded) return;
    this.organisationsLoaded = true;
    try {
      const body = await api("/map/organisations");
      for (const name of body.organisations) this.organisationSelect.append(h("option", {value: name}, name));
    } catch (error) {
      toast(`单位列表读取失败：${problemText(error)}`, "error");
    }
  }

  read() {
    this.state = {
      domain: this.domainSelect.value,
      states: new Set(this.stateBoxes.map((l) => l.querySelector("input")).filter((b) => b.checked).map((b) => b.value)),
      overdue: this.overdueBox.checked,
      organisation: this.organisationSelect.value,
      from: this.fromInput.value,
      to: this.toInput.value,
    };
  }

  async submit() {
    this.read();
    if (this.state.domain !== this.appliedDomain) {
      this.tree.showOnlyDomain(this.state.domain);
      this.appliedDomain = this.state.domain;
    }
    try {
      await this.apply();
    } catch (error) {
      toast(`筛选失败：${problemText(error)}`, "error");
    }
  }

  reset() {
    for (const label of this.stateBoxes) label.querySelector("input").checked = false;
    this.domainSelect.value = "";
    this.overdueBox.checked = false;
    this.organisationSelect.value = "";
    this.fromInput.value = "";
    this.toInput.value = "";
    this.submit();
  }

  active() {
    const s = this.state;
    return s.states.size > 0 || s.overdue || Boolean(s.organisation || s.from || s.to);
  }

  /** Set the filters of every workflow layer's style layers (also after the style was replaced). */
  async apply() {
    const parts = [];
    if (this.state.states.size) parts.push(["in", ["get", "workflow_state"], ["literal", [...this.state.states]]]);
    if (this.state.overdue) parts.push(["==", ["get", "overdue"], true]);
    const cql = cqlOf(this.state);
    let matched = 0;
    for (const layer of this.workflowLayers) {
      const layerParts = [...parts];
      if (cql && this.tree.visible.get(layer.id)) {
        const ids = await matchingIds(layer.id, cql);
        matched += ids.length;
        layerParts.push(["in", ["id"], ["literal", ids]]);
      } else if (cql) {
        layerParts.push(false);
      }
      const entry = this.index.get(layer.id);
      for (const styleLayer of entry?.styleLayers || []) {
        if (!this.map.getLayer(styleLayer)) continue;
        const original = entry.filters[styleLayer];
        const combined = layerParts.length ? ["all", ...(original ? [original] : []), ...layerParts] : original;
        this.map.setFilter(styleLayer, combined);
      }
    }
    this.summary.textContent = this.active()
      ? `已对 ${this.workflowLayers.length} 个办理类图层应用筛选${cql ? `（单位/时间条件匹配 ${matched} 项）` : ""}`
      : "未设置筛选 / no filter";
  }
}
