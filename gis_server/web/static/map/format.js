// How values read on the map: code lists by their Chinese labels, times in China time, units,
// kilometres and square kilometres.

const TIME = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  hour12: false,
});

export function formatTime(value) {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : TIME.format(date);
}

/** A property value as a person reads it, from its JSON-schema entry (`x-onemap-labels`, unit, format). */
export function formatValue(value, schema = {}) {
  if (value === null || value === undefined || value === "") return "—";
  const labels = schema["x-onemap-labels"];
  if (labels && Object.prototype.hasOwnProperty.call(labels, String(value))) return `${labels[String(value)]}（${value}）`;
  if (typeof value === "boolean") return value ? "是 / yes" : "否 / no";
  if (schema.format === "date-time") return formatTime(value);
  const unit = schema["x-ogc-unit"];
  if (typeof value === "number") {
    const text = Number.isInteger(value) ? String(value) : value.toLocaleString("zh-CN", {maximumFractionDigits: 3});
    return unit ? `${text} ${unit}` : text;
  }
  return unit ? `${value} ${unit}` : String(value);
}

export function formatKm(metres) {
  return metres >= 1000 ? `${(metres / 1000).toFixed(3)} km` : `${metres.toFixed(1)} m`;
}

export function formatKm2(squareMetres) {
  return squareMetres >= 1e5 ? `${(squareMetres / 1e6).toFixed(3)} km²` : `${squareMetres.toFixed(0)} m²`;
}

/** Whole hours as "N 小时" or "N 天 M 小时". */
export function formatHours(hours) {
  const whole = Math.round(hours);
  return whole >= 48 ? `${Math.floor(whole / 24)} 天 ${whole % 24} 小时` : `${whole} 小时`;
}
