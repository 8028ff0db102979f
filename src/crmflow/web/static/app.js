// crmflow web app: shared helpers (no inline scripts anywhere; CRM values only ever go in via textContent).
"use strict";
window.crmflow = (function () {
  const lang = document.body.dataset.lang || "en";
  const locale = lang === "ru" ? "ru-RU" : "en-GB";
  const nf = new Intl.NumberFormat(locale);
  const pf = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  function duration(s) {
    if (s === null || s === undefined || !isFinite(s)) return "—";
    const u = lang === "ru" ? { d: "д", h: "ч", m: "мин", s: "с" } : { d: "d", h: "h", m: "min", s: "s" };
    s = Math.abs(s);
    if (s < 60) return Math.round(s) + "\u00a0" + u.s;
    if (s < 3600) return Math.round(s / 60) + "\u00a0" + u.m;
    if (s < 86400) { const h = Math.floor(s / 3600); return h + "\u00a0" + u.h + " " + Math.round((s - h * 3600) / 60) + "\u00a0" + u.m; }
    const d = Math.floor(s / 86400);
    return nf.format(d) + "\u00a0" + u.d + " " + Math.round((s - d * 86400) / 3600) + "\u00a0" + u.h;
  }
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).detail || r.statusText);
    return r.json();
  }
  return { lang, locale, num: (v) => (v === null || v === undefined ? "—" : nf.format(v)), pct: (v) => (v === null || v === undefined ? "—" : pf.format(v)), duration, el, getJSON };
})();
