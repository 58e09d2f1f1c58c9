// Ask for the map's configuration and style while the other scripts load (main.js takes the answers).
// A classic script of its own (not inline) so the page's Content-Security-Policy allows no inline script.
(() => {
  const base = document.querySelector('meta[name="onemap-base"]').content;
  const token = sessionStorage.getItem("onemap.token");
  const init = {headers: token ? {Accept: "application/json", Authorization: "Bearer " + token} : {Accept: "application/json"}};
  window.onemapEarly = {token, config: fetch(`${base}map/config`, init), style: fetch(`${base}styles/onemap`, init)};
})();
