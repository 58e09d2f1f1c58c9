// The command-centre dashboard: loads the figures (/dashboard/api/summary, /organisations, /series)
// into the headline numbers, charts and tables, refreshes them every half minute, keeps the vehicle
// map live, and lets a person sign in with an access token (kept for this tab only).

import { getJSON, setToken, token } from "./api.js";
import * as charts from "./charts.js";
import { COUNT_COLUMNS, fillTable, formatInstant, formatNumber, setFigure } from "./tables.js";
import { VehicleMap } from "./vehicle_map.js";

const FIGURES_SECONDS = 30;
const VEHICLE_SECONDS = 5;
const ORGANISATIONS = 10;
const DAYS = 30;

const message = document.querySelector('[data-testid="message"]');

function showMessage(text) {
  message.textContent = text;
  message.hidden = !text;
}

function renderSummary(summary) {
  const totals = summary.totals;
  for (const name of ["items", "open", "overdue", "closed"]) {
    setFigure(`total-${name}`, formatNumber(totals[name]));
  }
  fillTable("domains", summary.by_domain, (g) => g.key, [["name", (g) => g.name_zh], ...COUNT_COLUMNS]);
  fillTable("states", summary.by_state, (g) => g.key, [["name", (g) => g.name_zh], ...COUNT_COLUMNS]);
  fillTable("regions", summary.by_region, (g) => g.key ?? "", [["name", (g) => g.name_zh], ...COUNT_COLUMNS]);
  charts.drawDomains(summary.by_domain);
  charts.drawStates(summary.by_state);
  charts.drawRegions(summary.by_region);
  const caller = summary.caller;
  setFigure("caller", caller && caller.name !== "anonymous"
    ? `已登录 / signed in: ${caller.display_name || caller.name}` : "匿名访问 / anonymous");
}

function renderOrganisations(body) {
  fillTable("organisations", body.organisations, (row) => row.name, [
    ["rank", (row) => String(row.rank)],
    ["name", (row) => row.name],
    ["overdue", (row) => formatNumber(row.overdue), "overdue"],
    ["open", (row) => formatNumber(row.open)],
    ["max_hours_overdue", (row) => (row.max_hours_overdue === null ? "—" : formatNumber(row.max_hours_overdue))],
  ]);
  charts.drawOrganisations(body.organisations);
}

function renderSeries(body) {
  setFigure("series-days", String(body.days));
  setFigure("series-total-created", formatNumber(body.totals.created));
  setFigure("series-total-closed", formatNumber(body.totals.closed));
  fillTable("series", [...body.series].reverse(), (d) => d.day, [
    ["day", (d) => d.day], ["created", (d) => formatNumber(d.created)], ["closed", (d) => formatNumber(d.closed)],
  ]);
  charts.drawSeries(body.series);
}

let loads = 0;

async function loadFigures() {
  try {
    const [summary, organisations, series] = await Promise.all([
      getJSON("dashboard/api/summary"),
      getJSON(`dashboard/api/organisations?limit=${ORGANISATIONS}`),
      getJSON(`dashboard/api/series?days=${DAYS}`),
    ]);
    renderSummary(summary);
    renderOrganisations(organisations);
    renderSeries(series);
    setFigure("as-of", formatInstant(summary.as_of));
    const data = document.body.dataset;
    data.asOfSummary = summary.as_of;
    data.asOfOrganisations = organisations.as_of;
    data.asOfSeries = series.as_of;
    loads += 1;
    data.figuresLoaded = String(loads);
    showMessage("");
  } catch (error) {
    showMessage(`统计数据加载失败 / figures not loaded: ${error.message}`);
  }
}

function wireSignIn(vehicleMap) {
  const form = document.querySelector('[data-testid="signin-form"]');
  const input = form.elements.namedItem("token");
  const signOut = form.elements.namedItem("signout");
  const showState = () => { signOut.hidden = !token(); input.value = ""; };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    showState();
    await Promise.all([loadFigures(), vehicleMap.refresh()]);
  });
  signOut.addEventListener("click", async () => {
    setToken("");
    showState();
    await Promise.all([loadFigures(), vehicleMap.refresh()]);
  });
  showState();
}

async function main() {
  const vehicleMap = new VehicleMap(document.getElementById("vehicle-map"), VEHICLE_SECONDS, showMessage);
  window.onemapDashboard = { vehicleMap, refresh: loadFigures };
  wireSignIn(vehicleMap);
  await loadFigures();
  window.setInterval(loadFigures, FIGURES_SECONDS * 1000);
  try {
    await vehicleMap.start();
  } catch (error) {
    showMessage(`地图加载失败 / map not loaded: ${error.message}`);
  }
}

main();
