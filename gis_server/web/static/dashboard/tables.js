// The figures as text: the headline numbers and the data tables under each chart. Every number a
// person reads carries a stable `data-testid` (headline figures) or `data-field` inside a row marked
// `data-testid="<table>-row"` with the group's key in `data-key` (tables), so tests read the page.

const NUMBER = new Intl.NumberFormat("zh-CN");

export function formatNumber(value) {
  return value === null || value === undefined ? "—" : NUMBER.format(value);
}

export function formatInstant(iso) {
  if (!iso) {
    return "—";
  }
  return new Date(iso).toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
}

/** Set the text of the element with this data-testid. */
export function setFigure(testid, text) {
  const element = document.querySelector(`[data-testid="${testid}"]`);
  if (element) {
    element.textContent = text;
  }
}

function cell(text, field, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (field) {
    td.dataset.field = field;
  }
  if (className) {
    td.className = className;
  }
  return td;
}

/**
 * Fill a table body: one row per item, `columns` = [[field, render(item) → text, className?], …].
 * The row is `data-testid="<name>-row"`, `data-key` = key(item).
 */
export function fillTable(name, items, key, columns) {
  const body = document.querySelector(`[data-testid="${name}-table"] tbody`);
  if (!body) {
    return;
  }
  const rows = items.map((item) => {
    const tr = document.createElement("tr");
    tr.dataset.testid = `${name}-row`;
    tr.dataset.key = key(item);
    for (const [field, render, className] of columns) {
      tr.append(cell(render(item), field, className));
    }
    return tr;
  });
  body.replaceChildren(...rows);
}

/** Items/open/overdue columns shared by the domain, state and region tables. */
export const COUNT_COLUMNS = [
  ["items", (g) => formatNumber(g.items)],
  ["open", (g) => formatNumber(g.open)],
  ["overdue", (g) => formatNumber(g.overdue), "overdue"],
];
