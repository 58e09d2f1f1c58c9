// Signing in with a bearer token: a small box in the header checks the token against
// /map/session, keeps it in sessionStorage (this tab only) and reloads the map so the layers,
// styles and tiles follow the caller's roles. Anonymous callers see the public layers read-only.

import {api, problemText, setToken, token} from "./api.js";
import {fill, h} from "./dom.js";

export function renderAuth(container, caller) {
  if (!caller.anonymous) {
    fill(container,
      h("span", {class: "who", title: (caller.roles || []).join(", ")}, caller.display_name || caller.name,
        caller.organisation ? h("span", {class: "en"}, ` ${caller.organisation}`) : null),
      h("button", {type: "button", class: "sign-out", onclick: () => { setToken(""); location.reload(); }}, "退出"));
    return;
  }
  const input = h("input", {type: "password", name: "token", placeholder: "访问令牌 / bearer token", autocomplete: "off",
    "aria-label": "访问令牌 / bearer token"});
  const message = h("span", {class: "error", hidden: true});
  const form = h("form", {class: "sign-in", hidden: true}, input, h("button", {type: "submit", class: "primary"}, "登录"), message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    try {
      await api("/map/session", {headers: {Authorization: `Bearer ${value}`}});
      setToken(value);
      location.reload();
    } catch (error) {
      message.textContent = `登录失败：${problemText(error)}`;
      message.hidden = false;
    }
  });
  const open = h("button", {type: "button", class: "sign-in-open", onclick: () => {
    form.hidden = false;
    open.hidden = true;
    input.focus();
  }}, "登录 / Sign in");
  fill(container, h("span", {class: "who muted"}, token() ? "令牌无效，请重新登录" : "访客（只读）"), open, form);
}
