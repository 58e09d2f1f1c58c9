// The workflow part of a popup: state (Chinese name), holder, deadline, overdue, the history, and
// a button for exactly each transition the signed-in caller may make now (GET …/workflow lists
// them). A transition asks for what it requires — fields (typed from the layer's schema),
// evidence files (uploaded as attachments first) and the comment — and is sent with If-Match.

import {api, problemText, token} from "./api.js";
import {bilingual, fill, h, toast} from "./dom.js";
import {formatHours, formatTime, formatValue} from "./format.js";

function inputFor(name, spec = {}, current) {
  const labels = spec["x-onemap-labels"];
  if (Array.isArray(spec.enum)) {
    return h("select", {name}, h("option", {value: ""}, "请选择 / choose"),
      spec.enum.map((code) => h("option", {value: String(code), selected: String(code) === String(current ?? "")},
        labels?.[code] ? `${labels[code]}（${code}）` : String(code))));
  }
  if (spec.format === "date") return h("input", {type: "date", name, value: current || ""});
  if (spec.format === "date-time") return h("input", {type: "datetime-local", name});
  if (spec.type === "number" || spec.type === "integer") {
    return h("input", {type: "number", name, step: spec.type === "integer" ? "1" : "any", value: current ?? ""});
  }
  if (spec.type === "boolean") return h("input", {type: "checkbox", name, checked: Boolean(current)});
  return h("input", {type: "text", name, value: current ?? "", maxlength: spec.maxLength || undefined});
}

function valueOf(input, spec = {}) {
  if (input.type === "checkbox") return input.checked;
  const raw = input.value.trim();
  if (raw === "") return null;
  if (spec.type === "integer") return Number.parseInt(raw, 10);
  if (spec.type === "number") return Number(raw);
  if (spec.format === "date-time") return new Date(raw).toISOString();
  return raw;
}

function historyList(steps) {
  return h("ol", {class: "history"}, steps.map((step) => h("li", {},
    h("span", {class: "when"}, formatTime(step.at)), " ",
    h("strong", {}, step.transition ? step.transition.name_zh : "创建 / created"), " ",
    step.from ? `${step.from.name_zh} → ` : "", step.to?.name_zh || "", " ",
    h("span", {class: "who"}, `${step.actor || ""}${step.actor_org ? `（${step.actor_org}）` : ""}`),
    step.late ? h("span", {class: "late"}, " 超期办理") : null,
    step.comment ? h("div", {class: "comment"}, step.comment) : null)));
}

async function upload(layerId, fid, name, file) {
  const query = new URLSearchParams({name, filename: file.name});
  const {headers} = await api(`/collections/${layerId}/items/${fid}/attachments?${query}`,
    {method: "POST", body: file, contentType: file.type || "application/octet-stream", full: true});
  return (headers.get("Location") || "").split("/").pop();
}

function transitionForm({layerId, fid, etag, transition, schema, properties, onDone, onCancel}) {
  const inputs = [];
  const rows = [];
  for (const need of transition.requires || []) {
    if (need.kind === "field") {
      const spec = schema.properties?.[need.name] || {};
      const input = inputFor(need.name, spec, properties[need.name]);
      input.required = !need.present;
      inputs.push({need, input, spec});
      rows.push(h("label", {class: "field"}, `${need.title_zh || spec.title || need.name}${need.present ? "" : " *"}`, input));
    } else if (need.kind === "attachment") {
      const input = h("input", {type: "file", name: need.name, required: !need.present});
      inputs.push({need, input});
      rows.push(h("label", {class: "field"}, `附件 ${need.name}${need.present ? "（已上传）" : " *"}`, input));
    }
  }
  const needsComment = transition.comment_required;
  const comment = h("textarea", {name: "comment", rows: 2, required: needsComment});
  rows.push(h("label", {class: "field"}, needsComment ? "办理意见 *" : "办理意见（可选）", comment));
  const message = h("p", {class: "error", hidden: true});
  const submit = h("button", {type: "submit", class: "primary"}, `确认：${transition.name_zh}`);
  const form = h("form", {class: "transition-form", dataset: {transition: transition.id}},
    h("div", {class: "form-title"}, bilingual(`${transition.name_zh} → ${transition.to.name_zh}`, transition.name_en)),
    rows, message, h("div", {class: "buttons"}, submit, h("button", {type: "button", onclick: onCancel}, "取消")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.hidden = true;
    try {
      const values = {};
      const attachments = [];
      for (const {need, input, spec} of inputs) {
        if (need.kind === "field") {
          const value = valueOf(input, spec);
          if (value !== null && String(value) !== String(properties[need.name] ?? "")) values[need.name] = value;
        } else if (input.files?.length) {
          attachments.push(await upload(layerId, fid, need.name, input.files[0]));
        }
      }
      const body = {transition: transition.id, values, attachments};
      if (comment.value.trim()) body.comment = comment.value.trim();
      const headers = etag ? {"If-Match": etag} : {};
      const done = await api(`/collections/${layerId}/items/${fid}/workflow`, {method: "POST", body, headers});
      toast(`已办理：${transition.name_zh}，当前状态 ${done.state.name_zh}`);
      onDone(done);
    } catch (error) {
      message.textContent = problemText(error);
      message.hidden = false;
      submit.disabled = false;
    }
  });
  return form;
}

/** The workflow section of a feature's popup. */
export async function workflowSection({layerId, fid, schema, properties, onDone}) {
  const base = `/collections/${layerId}/items/${fid}/workflow`;
  const [{data: view, headers}, history] = await Promise.all([api(base, {full: true}), api(`${base}/history`)]);
  const etag = headers.get("ETag");
  const stateLabels = schema.properties?.workflow_state || {};
  const actions = h("div", {class: "actions"});
  const showButtons = () => {
    if (!view.transitions.length) {
      fill(actions, h("p", {class: "hint"}, token() ? "您当前没有可办理的操作 / nothing you may do now"
        : "登录后可办理 / sign in to act on this item"));
      return;
    }
    fill(actions, h("div", {class: "hint"}, "可办理 / you may:"), view.transitions.map((t) => h("button", {
      type: "button", class: "transition", dataset: {transition: t.id}, title: t.name_en || t.id,
      onclick: () => fill(actions, transitionForm({layerId, fid, etag, transition: t, schema, properties,
        onDone, onCancel: showButtons}))}, `${t.name_zh} → ${t.to.name_zh}`)));
  };
  showButtons();
  const overdue = view.overdue
    ? h("span", {class: "overdue-badge"}, `超期 ${formatHours(view.hours_overdue || 0)} / overdue`) : null;
  return h("section", {class: "workflow", dataset: {state: view.state.id}},
    h("div", {class: "state-line"}, h("span", {class: "state-badge", dataset: {state: view.state.id}},
      view.state.name_zh || formatValue(view.state.id, stateLabels)), overdue),
    h("dl", {class: "supervision"},
      h("dt", {}, "当前办理人"), h("dd", {}, view.holder || "—"),
      h("dt", {}, "办理单位"), h("dd", {}, view.holder_org || "—"),
      h("dt", {}, "进入状态"), h("dd", {}, formatTime(view.since)),
      h("dt", {}, "办理期限"), h("dd", {}, view.deadline ? formatTime(view.deadline) : "—")),
    actions,
    h("details", {class: "history-box"}, h("summary", {}, `办理历史（${history.history.length} 步）/ history`),
      historyList(history.history)));
}
