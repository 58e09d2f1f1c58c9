// The dashboard's charts, drawn with ECharts (served locally as /static/vendor/echarts.min.js and
// loaded as a classic script, so it is `window.echarts`). One chart per container, kept and re-fed.

const COLOURS = { overdue: "#e60012", open: "#f5a623", closed: "#7fb77e", created: "#1f6fb2" };
const charts = new Map();

function chart(id) {
  let found = charts.get(id);
  if (!found) {
    const element = document.getElementById(id);
    found = window.echarts.init(element, null, { renderer: "canvas" });
    charts.set(id, found);
  }
  return found;
}

window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

const TEXT = { color: "#d6e2f0" };
// Tooltips drawn on the canvas: ECharts' HTML tooltips carry inline style attributes, which the
// pages' Content-Security-Policy (style-src 'self') refuses.
const RICH = { renderMode: "richText" };
const AXIS = { axisLabel: TEXT, axisLine: { lineStyle: { color: "#4b6584" } }, splitLine: { lineStyle: { color: "#22364f" } } };

/** Stacked horizontal bars of the open backlog per group: overdue (red) and open within the deadline. */
function openBacklog(id, groups, label) {
  // every group gets its own labelled bar: the chart grows with the number of groups
  document.getElementById(id).style.height = `${Math.max(260, 22 * groups.length + 70)}px`;
  chart(id).resize();
  const series = [
    ["超期 overdue", (g) => g.overdue, COLOURS.overdue],
    ["办理中未超期 open, in time", (g) => g.open - g.overdue, COLOURS.open],
  ].map(([name, value, color]) => ({
    name, type: "bar", stack: "open", itemStyle: { color }, data: groups.map(value).reverse(),
  }));
  chart(id).setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    legend: { textStyle: TEXT, top: 0 },
    tooltip: { ...RICH, trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1, ...AXIS },
    yAxis: { type: "category", data: groups.map(label).reverse(), ...AXIS, axisLabel: { ...TEXT, interval: 0 } },
    series,
  }, true);
}

/** The groups with open items, most open first; beyond `most`, the rest as one "others" bar. */
function withOpenItems(groups, most) {
  const open = groups.filter((g) => g.open > 0).sort((a, b) => b.open - a.open);
  if (open.length <= most) {
    return open;
  }
  const rest = open.slice(most - 1);
  const others = { name_zh: `其他 ${rest.length} 项 / ${rest.length} others`, open: 0, overdue: 0 };
  for (const g of rest) {
    others.open += g.open;
    others.overdue += g.overdue;
  }
  return [...open.slice(0, most - 1), others];
}

export function drawDomains(groups) {
  openBacklog("chart-domains", withOpenItems(groups, 12), (g) => g.name_zh);
}

export function drawStates(groups) {
  openBacklog("chart-states", withOpenItems(groups, 12), (g) => g.name_zh);
}

export function drawRegions(groups) {
  openBacklog("chart-regions", withOpenItems(groups, 12), (g) => g.name_zh);
}

export function drawOrganisations(rows) {
  const shown = rows.filter((row) => row.overdue > 0);
  chart("chart-organisations").setOption({
    animation: false,
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    tooltip: { ...RICH, trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1, ...AXIS },
    yAxis: { type: "category", data: shown.map((row) => row.name).reverse(), ...AXIS },
    series: [{ name: "超期 overdue", type: "bar", itemStyle: { color: COLOURS.overdue },
               label: { show: true, position: "right", color: "#fff" },
               data: shown.map((row) => row.overdue).reverse() }],
  }, true);
}

export function drawSeries(days) {
  chart("chart-series").setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    legend: { textStyle: TEXT, top: 0 },
    tooltip: { ...RICH, trigger: "axis" },
    xAxis: { type: "category", data: days.map((d) => d.day.slice(5)), ...AXIS },
    yAxis: { type: "value", minInterval: 1, ...AXIS },
    series: [
      { name: "新增 created", type: "line", smooth: true, itemStyle: { color: COLOURS.created },
        data: days.map((d) => d.created) },
      { name: "办结 closed", type: "line", smooth: true, itemStyle: { color: COLOURS.closed },
        data: days.map((d) => d.closed) },
    ],
  }, true);
}
