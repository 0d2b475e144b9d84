// veille: the search page.
//
// The whole state lives in the URL (/?q=...&company=...&page=2) and uses the
// same parameters as GET /api/search, so a shared link and the API call mean
// the same thing. Every user action computes a new state, writes it to the
// URL (pushState; typing replaces its own entry) and runs one search; back,
// forward and reload read the URL again.
//
// Safety: the page never parses HTML. Text from the API goes in with
// textContent or text nodes; highlight fragments (HTML-escaped text with
// <mark> and </mark>) are rebuilt as text nodes and <mark> elements by
// setHighlight, which recognises nothing else, so a stray tag shows as text.

const SVG_NS = "http://www.w3.org/2000/svg";
const PER_PAGE = 10;
const MAX_WINDOW = 10000; // the API's page × per_page limit
const DEBOUNCE_MS = 200;
const REQUEST_TIMEOUT_MS = 15000;
const FACET_VISIBLE = 6;
const MULTI_FACETS = ["company", "country", "lang", "source"];

const FILTER_NAMES = {
  company: "Entreprise",
  country: "Pays",
  lang: "Langue",
  source: "Source",
};

// ---------------------------------------------------------------------------
// Formatting (French)

const nf = new Intl.NumberFormat("fr-FR");
const dayFormat = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const localDayFormat = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "short", year: "numeric" });
const monthLong = new Intl.DateTimeFormat("fr-FR", { month: "long", year: "numeric", timeZone: "UTC" });
const monthShort = new Intl.DateTimeFormat("fr-FR", { month: "short", timeZone: "UTC" });
const languageNames = safeDisplayNames();

function safeDisplayNames() {
  try {
    return new Intl.DisplayNames(["fr"], { type: "language" });
  } catch {
    return null;
  }
}

function languageName(code) {
  const c = String(code || "").toLowerCase();
  if (!c) return "";
  try {
    const name = languageNames && languageNames.of(c);
    if (name && name.toLowerCase() !== c) return name;
  } catch {
    // not a language code: shown as given
  }
  return c;
}

function plural(n, one, many) {
  return `${nf.format(n)} ${Math.abs(n) < 2 ? one : many}`;
}

/** formatDate renders "2025-09-19" or an RFC 3339 time as "19 sept. 2025". */
function formatDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || "");
  if (m) return dayFormat.format(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? String(s || "") : localDayFormat.format(d);
}

function monthDate(ym) {
  const m = /^(\d{4})-(\d{2})$/.exec(ym || "");
  return m ? Date.UTC(+m[1], +m[2] - 1, 1) : null;
}

function formatMonth(ym) {
  const t = monthDate(ym);
  return t === null ? String(ym) : monthLong.format(t);
}

const CURRENCY_SYMBOLS = { EUR: "€", USD: "$", GBP: "£", JPY: "¥" };
const NBSP = "\u00a0";

/** formatMoney renders 683e6 USD as "683 M$", 1.2e9 EUR as "1,2 Md€", 45000 EUR as "45 000 €". */
function formatMoney(value, currency) {
  const sym = CURRENCY_SYMBOLS[currency];
  const abs = Math.abs(value);
  let n = value;
  let unit = "";
  if (abs >= 1e9) {
    n = value / 1e9;
    unit = "Md";
  } else if (abs >= 1e6) {
    n = value / 1e6;
    unit = "M";
  }
  const digits = Math.abs(n) >= 100 || !unit ? { maximumFractionDigits: 0 } : { maximumSignificantDigits: 3 };
  const num = new Intl.NumberFormat("fr-FR", digits).format(n);
  if (unit) return sym ? `${num}${NBSP}${unit}${sym}` : `${num}${NBSP}${unit}${NBSP}${currency}`;
  return `${num}${NBSP}${sym || currency}`;
}

function formatEuros(value) {
  return formatMoney(value, "EUR");
}

// Amount bounds are inclusive in the API; a band [min, max) is asked as
// amount_min=min&amount_max=max-1. displayEdge shows 999999999 as 1 Md€.
function displayEdge(v) {
  return (v + 1) % 1e6 === 0 ? v + 1 : v;
}

/**
 * parseEuros reads an amount typed in French: "100 M", "1,5 Md", "2 milliards",
 * "30 000", "1e9". It returns a whole number of euros, or NaN.
 */
function parseEuros(input) {
  let s = String(input).trim().toLowerCase().replace(/[\s\u00a0\u202f]/g, "").replace(/(?:d['’]|de)?(?:€|eur|euros?)$/, "");
  if (s === "") return NaN;
  const m = /^([0-9][0-9.,]*(?:e[0-9]+)?)(k|mille|m|millions?|md|mds|mrd|milliards?|g|b|bn)?$/.exec(s);
  if (!m) return NaN;
  let num = m[1];
  if (num.includes(",")) {
    num = num.replace(/\./g, "").replace(",", ".");
  } else if (/^\d{1,3}(\.\d{3})+$/.test(num)) {
    num = num.replace(/\./g, "");
  }
  if ((num.match(/[.,]/g) || []).length > 1) return NaN;
  let v = Number(num);
  const unit = m[2] || "";
  if (unit === "k" || unit === "mille") v *= 1e3;
  else if (unit === "m" || unit.startsWith("million")) v *= 1e6;
  else if (unit) v *= 1e9;
  return Number.isFinite(v) ? Math.round(v) : NaN;
}

function fold(s) {
  return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
}

// ---------------------------------------------------------------------------
// Highlights: the only place API text can become markup, and it only ever
// becomes <mark> elements.

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** decodeEntities decodes the character references an escaper writes; others stay as typed. */
function decodeEntities(s) {
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});/g, (ref, body) => {
    if (body[0] === "#") {
      const cp = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      const ok = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
      return ok ? String.fromCodePoint(cp) : ref;
    }
    return Object.hasOwn(ENTITIES, body) ? ENTITIES[body] : ref;
  });
}

/**
 * setHighlight replaces el's content by a highlight fragment from the API:
 * HTML-escaped text in which only <mark> and </mark> are markup. The text is
 * added as text nodes, so any other tag shows literally and nothing runs.
 */
function setHighlight(el, fragment) {
  el.replaceChildren();
  let mark = null;
  for (const part of String(fragment).split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>") {
      if (!mark) {
        mark = document.createElement("mark");
        el.append(mark);
      }
    } else if (part === "</mark>") {
      mark = null;
    } else if (part) {
      (mark || el).append(document.createTextNode(decodeEntities(part)));
    }
  }
}

// ---------------------------------------------------------------------------
// State: parsed from and written to the URL.

function emptyState() {
  return {
    q: "", mode: "", sort: "", page: 1,
    company: [], country: [], lang: [], source: [],
    amount_min: "", amount_max: "", from: "", to: "",
  };
}

function parseState(search) {
  const p = new URLSearchParams(search);
  const s = emptyState();
  s.q = p.get("q") || "";
  s.mode = p.get("mode") || "";
  s.sort = p.get("sort") || "";
  const page = Number(p.get("page") || "1");
  s.page = Number.isInteger(page) && page >= 1 ? page : 1;
  for (const f of MULTI_FACETS) {
    s[f] = [...new Set(p.getAll(f).map((v) => v.trim()).filter(Boolean))];
  }
  for (const k of ["amount_min", "amount_max", "from", "to"]) s[k] = (p.get(k) || "").trim();
  return s;
}

/** toParams writes a state in a stable order; page 1 and empty values are left out. */
function toParams(s) {
  const p = new URLSearchParams();
  if (s.q.trim()) p.set("q", s.q.trim());
  for (const f of MULTI_FACETS) for (const v of s[f]) p.append(f, v);
  for (const k of ["amount_min", "amount_max", "from", "to", "mode", "sort"]) if (s[k]) p.set(k, s[k]);
  if (s.page > 1) p.set("page", String(s.page));
  return p;
}

function stateURL(s) {
  const qs = toParams(s).toString();
  return qs ? `/?${qs}` : "/";
}

function withChange(s, change) {
  return { ...s, page: 1, ...change };
}

function filterCount(s) {
  return MULTI_FACETS.reduce((n, f) => n + s[f].length, 0) +
    (s.amount_min || s.amount_max ? 1 : 0) + (s.from || s.to ? 1 : 0) + (s.mode === "any" ? 1 : 0);
}

// Month and amount facets are ranges in the API (from/to, amount_min/max).
// Ticking values widens the range to cover them; a value is shown ticked when
// the range covers it whole.

function monthBounds(ym) {
  const t = monthDate(ym);
  const d = new Date(t);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
  return [isoDay(d), isoDay(last)];
}

function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

function shiftDay(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return isoDay(d);
}

function monthChecked(s, ym) {
  if (!s.from && !s.to) return false;
  const [a, b] = monthBounds(ym);
  return (!s.from || s.from <= a) && (!s.to || b <= s.to);
}

function toggleMonth(s, ym) {
  const [a, b] = monthBounds(ym);
  if (!monthChecked(s, ym)) {
    if (!s.from && !s.to) return withChange(s, { from: a, to: b });
    return withChange(s, {
      from: s.from && a < s.from ? a : s.from,
      to: s.to && b > s.to ? b : s.to,
    });
  }
  if ((!s.from || s.from >= a) && (!s.to || s.to <= b)) return withChange(s, { from: "", to: "" });
  if (!s.from || s.from >= a) return withChange(s, { from: shiftDay(b, 1) });
  return withChange(s, { to: shiftDay(a, -1) });
}

function bandRange(band) {
  const lo = band.min || 0;
  const hi = band.max === null || band.max === undefined ? Infinity : band.max - 1;
  return [lo, hi];
}

function amountRange(s) {
  const lo = s.amount_min === "" ? 0 : Number(s.amount_min);
  const hi = s.amount_max === "" ? Infinity : Number(s.amount_max);
  return [lo, hi];
}

function bandChecked(s, band) {
  if (!s.amount_min && !s.amount_max) return false;
  const [lo, hi] = amountRange(s);
  const [a, b] = bandRange(band);
  return lo <= a && b <= hi;
}

function rangeChange(lo, hi) {
  return {
    amount_min: lo > 0 ? String(lo) : "",
    amount_max: Number.isFinite(hi) ? String(hi) : "",
  };
}

function toggleBand(s, band) {
  const [a, b] = bandRange(band);
  if (!bandChecked(s, band)) {
    if (!s.amount_min && !s.amount_max) return withChange(s, rangeChange(a, b));
    const [lo, hi] = amountRange(s);
    return withChange(s, rangeChange(Math.min(lo, a), Math.max(hi, b)));
  }
  const [lo, hi] = amountRange(s);
  if (lo >= a && hi <= b) return withChange(s, rangeChange(0, Infinity));
  if (lo >= a) return withChange(s, rangeChange(b + 1, hi));
  return withChange(s, rangeChange(lo, a - 1));
}

// ---------------------------------------------------------------------------
// DOM helpers

const $ = (id) => document.getElementById(id);

/** h builds an element: h("a", {href, class}, child, "text"...). Children that are strings become text. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function srOnly(text) {
  return h("span", { class: "visually-hidden" }, text);
}

/** safeURL returns u when it is an http(s) address, else "". */
function safeURL(u) {
  if (!u) return "";
  try {
    const url = new URL(u, location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
  } catch {
    return "";
  }
}

// ---------------------------------------------------------------------------
// Charts: inline SVG, built node by node.

function truncate(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** monthSeries returns the month facet in time order, with missing months at 0. */
function monthSeries(months) {
  const have = new Map(months.map((m) => [m.value, m.count]));
  const keys = [...have.keys()].filter((k) => monthDate(k) !== null).sort();
  if (keys.length === 0) return [];
  const out = [];
  const [y0, m0] = keys[0].split("-").map(Number);
  const [y1, m1] = keys[keys.length - 1].split("-").map(Number);
  const span = (y1 - y0) * 12 + (m1 - m0);
  if (span > 240) return keys.map((k) => ({ value: k, count: have.get(k) }));
  for (let i = 0; i <= span; i++) {
    const y = y0 + Math.floor((m0 - 1 + i) / 12);
    const m = ((m0 - 1 + i) % 12) + 1;
    const k = `${y}-${String(m).padStart(2, "0")}`;
    out.push({ value: k, count: have.get(k) || 0 });
  }
  return out;
}

function chartEmpty(text) {
  return h("p", { class: "chart-empty" }, text);
}

/** monthChart draws the month facet as vertical bars, W pixels wide. */
function monthChart(months, state, W) {
  const series = monthSeries(months);
  if (series.length === 0) return chartEmpty("Aucune date de publication");
  const H = W > 420 ? 130 : 150;
  const top = 16;
  const bottom = 30;
  const max = Math.max(...series.map((d) => d.count));
  const slot = W / series.length;
  const barW = Math.max(1.5, Math.min(28, slot * (series.length > 40 ? 0.85 : 0.72)));
  const byYear = series.length > Math.max(18, W / 24); // long spans: label years, not months
  const nonZero = series.filter((d) => d.count > 0);
  const label = nonZero.map((d) => `${formatMonth(d.value)} : ${d.count}`).join(", ");
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": `Articles par mois. ${label}` },
    svg("title", {}, "Articles par mois"));
  root.append(svg("line", { class: "axis", x1: 0, x2: W, y1: H - bottom + 0.5, y2: H - bottom + 0.5 }));
  const years = { first: Number(series[0].value.slice(0, 4)), count: new Set(series.map((d) => d.value.slice(0, 4))).size };
  const yearEvery = Math.ceil(years.count / Math.max(3, Math.floor(W / 50)));
  const monthEvery = Math.ceil(series.length / Math.max(4, Math.floor(W / 40)));
  let lastLabel = -Infinity;
  series.forEach((d, i) => {
    const x = i * slot + (slot - barW) / 2;
    const cx = x + barW / 2;
    const bh = max ? Math.round(((H - top - bottom) * d.count) / max) : 0;
    const selected = monthChecked(state, d.value);
    const g = svg("g", {}, svg("title", {}, `${formatMonth(d.value)} : ${plural(d.count, "article", "articles")}`));
    if (!byYear) g.append(svg("rect", { class: "bar-bg", x, y: top, width: barW, height: H - top - bottom, rx: 2 }));
    if (bh > 0) g.append(svg("rect", { class: selected ? "bar is-selected" : "bar", x, y: H - bottom - bh, width: barW, height: bh, rx: byYear ? 0.5 : 2 }));
    if (!byYear && d.count > 0) {
      g.append(svg("text", { class: "value", x: cx, y: H - bottom - bh - 4, "text-anchor": "middle" }, nf.format(d.count)));
    }
    const [y, m] = d.value.split("-");
    if (byYear) {
      const x0 = i * slot;
      if ((i === 0 || m === "01") && x0 - lastLabel >= 48 && (Number(y) - years.first) % yearEvery === 0) {
        g.append(svg("line", { class: "axis", x1: x0, x2: x0, y1: H - bottom, y2: H - bottom + 5 }));
        g.append(svg("text", { x: x0, y: H - bottom + 16, "text-anchor": i === 0 ? "start" : "middle" }, y));
        lastLabel = x0;
      }
    } else if (i % monthEvery === 0 || i === series.length - 1) {
      g.append(svg("text", { x: cx, y: H - bottom + 13, "text-anchor": "middle" }, monthShort.format(monthDate(d.value)).replace(".", "")));
      if (i === 0 || m === "01") g.append(svg("text", { x: cx, y: H - bottom + 26, "text-anchor": "middle" }, y));
    }
    root.append(g);
  });
  if (byYear) {
    root.append(svg("text", { class: "value", x: W, y: 10, "text-anchor": "end" }, `max. ${nf.format(max)} / mois`));
  }
  return root;
}

/** barChart draws horizontal bars for facet values [{label, count, selected}]. */
function barChart(title, items, W) {
  if (items.length === 0) return chartEmpty("Aucune valeur");
  const row = 22;
  const labelW = Math.round(Math.min(150, Math.max(90, W * 0.38)));
  const chars = Math.floor((labelW - 8) / 6.2);
  const H = items.length * row;
  const max = Math.max(...items.map((d) => d.count));
  const label = items.map((d) => `${d.label} : ${d.count}`).join(", ");
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": `${title}. ${label}` },
    svg("title", {}, title));
  items.forEach((d, i) => {
    const y = i * row;
    const barMax = W - labelW - 34;
    const bw = max ? Math.max(2, Math.round((barMax * d.count) / max)) : 0;
    root.append(svg("g", {},
      svg("title", {}, `${d.label} : ${plural(d.count, "article", "articles")}`),
      svg("text", { class: "label", x: labelW - 8, y: y + row / 2 + 4, "text-anchor": "end" }, truncate(d.label, chars)),
      svg("rect", { class: "bar-bg", x: labelW, y: y + 4, width: barMax, height: row - 8, rx: 3 }),
      svg("rect", { class: d.selected ? "bar is-selected" : "bar", x: labelW, y: y + 4, width: bw, height: row - 8, rx: 3 }),
      svg("text", { class: "value", x: labelW + bw + 5, y: y + row / 2 + 4 }, nf.format(d.count))));
  });
  return root;
}

/** facetBar is the thin bar under a facet value: its count relative to the facet's largest. */
function facetBar(count, max) {
  const pct = max && count ? Math.max(2, Math.round((100 * count) / max)) : 0;
  return svg("svg", { class: "facet-bar", "aria-hidden": "true", focusable: "false", preserveAspectRatio: "none", viewBox: "0 0 100 3" },
    svg("rect", { class: "track", x: 0, y: 0, width: 100, height: 3, rx: 1.5 }),
    svg("rect", { class: "fill", x: 0, y: 0, width: pct, height: 3, rx: 1.5 }));
}

// ---------------------------------------------------------------------------
// The application

class App {
  constructor() {
    this.state = parseState(location.search);
    this.last = null; // last successful response
    this.controller = null;
    this.seq = 0;
    this.timer = 0;
    this.busyTimer = 0;
    this.expanded = new Set();
    this.countryLabels = new Map();
    this.el = {
      form: $("search-form"), q: $("q"), status: $("status"), sort: $("sort"),
      facets: $("facets"), filters: $("filters"), filtersCount: $("filters-count"),
      clear: $("clear-filters"), active: $("active-filters"), results: $("results"),
      hits: $("hits"), empty: $("empty"), error: $("error"), pager: $("pager"),
      progress: $("progress"), amountForm: $("amount-form"), amountMin: $("amount-min"),
      amountMax: $("amount-max"), amountError: $("amount-error"), dateForm: $("date-form"),
      from: $("date-from"), to: $("date-to"), stats: $("stats"), home: $("home-link"),
      charts: $("charts"), chartMonth: $("chart-month"), chartCompany: $("chart-company"), chartCountry: $("chart-country"),
    };
  }

  start() {
    const e = this.el;
    const phone = window.matchMedia("(max-width: 820px)");
    e.filters.open = !phone.matches;
    phone.addEventListener("change", () => { e.filters.open = !phone.matches; });

    e.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      clearTimeout(this.timer);
      this.navigate(withChange(this.state, { q: e.q.value }), { push: true });
    });
    e.q.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        if (e.q.value.trim() !== this.state.q.trim()) {
          this.navigate(withChange(this.state, { q: e.q.value }), { push: true, typing: true });
        }
      }, DEBOUNCE_MS);
    });
    e.sort.addEventListener("change", () => {
      const def = this.state.q.trim() ? "relevance" : "-date";
      this.navigate(withChange(this.state, { sort: e.sort.value === def ? "" : e.sort.value }), { push: true });
    });
    e.clear.addEventListener("click", () => {
      this.navigate({ ...emptyState(), q: this.state.q, sort: this.state.sort }, { push: true });
      e.q.focus();
    });
    e.home.addEventListener("click", (ev) => {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      e.q.value = "";
      this.navigate(emptyState(), { push: true });
      e.q.focus();
    });
    e.amountForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.applyAmountRange();
    });
    for (const input of [e.from, e.to]) {
      input.addEventListener("change", () => {
        if (input.value === "" || /^\d{4}-\d{2}-\d{2}$/.test(input.value)) {
          this.navigate(withChange(this.state, { from: e.from.value, to: e.to.value }), { push: true });
        }
      });
    }
    e.facets.addEventListener("change", (ev) => {
      const box = ev.target.closest("input[type=checkbox][data-facet]");
      if (box) this.toggleFacet(box.dataset.facet, box.dataset.value);
    });
    e.pager.addEventListener("click", (ev) => {
      const a = ev.target.closest("a[data-page]");
      if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      this.navigate({ ...this.state, page: Number(a.dataset.page) }, { push: true, focusResults: true });
    });
    document.addEventListener("keydown", (ev) => {
      if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (isTextEntry(ev.target)) return;
      ev.preventDefault();
      e.q.focus();
      e.q.select();
    });
    window.addEventListener("popstate", () => {
      clearTimeout(this.timer);
      this.state = parseState(location.search);
      this.syncControls(true);
      this.search();
    });

    history.replaceState({ typing: false }, "", location.pathname + location.search);
    this.syncControls(true);
    this.watchChartWidth();
    this.search();
    this.loadStats();
    watchSources($("sources"), $("sources-list"), $("sources-count"));
  }

  /** navigate makes s the state: URL, controls and a new search. */
  navigate(s, opts = {}) {
    this.state = s;
    const url = stateURL(s);
    const entry = { typing: !!opts.typing };
    if (url !== location.pathname + location.search) {
      // Typing makes one history entry, replaced while the typing goes on.
      if (opts.push && !(opts.typing && history.state && history.state.typing)) {
        history.pushState(entry, "", url);
      } else {
        history.replaceState(entry, "", url);
      }
    } else if (!opts.typing) {
      history.replaceState(entry, "", url); // Enter commits what was typed
    }
    this.syncControls(!opts.typing);
    this.search(opts);
  }

  toggleFacet(facet, value) {
    const s = this.state;
    if (facet === "month") return this.navigate(toggleMonth(s, value), { push: true });
    if (facet === "amount") {
      const band = this.last && this.last.facets.amount.find((b) => b.value === value);
      if (band) this.navigate(toggleBand(s, band), { push: true });
      return undefined;
    }
    const list = s[facet].includes(value) ? s[facet].filter((v) => v !== value) : [...s[facet], value];
    return this.navigate(withChange(s, { [facet]: list }), { push: true });
  }

  applyAmountRange() {
    const e = this.el;
    const min = e.amountMin.value.trim() === "" ? "" : parseEuros(e.amountMin.value);
    const max = e.amountMax.value.trim() === "" ? "" : parseEuros(e.amountMax.value);
    const bad = [];
    e.amountMin.setAttribute("aria-invalid", Number.isNaN(min) ? "true" : "false");
    e.amountMax.setAttribute("aria-invalid", Number.isNaN(max) ? "true" : "false");
    if (Number.isNaN(min)) bad.push("minimum");
    if (Number.isNaN(max)) bad.push("maximum");
    if (bad.length) {
      e.amountError.textContent = `Montant ${bad.join(" et ")} non reconnu : écrivez par exemple 500000, 100 M ou 1,5 Md.`;
      e.amountError.hidden = false;
      return;
    }
    if (min !== "" && max !== "" && min > max) {
      e.amountError.textContent = "Le minimum dépasse le maximum.";
      e.amountError.hidden = false;
      return;
    }
    e.amountError.hidden = true;
    this.navigate(withChange(this.state, { amount_min: min === "" ? "" : String(min), amount_max: max === "" ? "" : String(max) }), { push: true });
  }

  /** syncControls shows the state in the form controls; the query box only when withQuery. */
  syncControls(withQuery) {
    const e = this.el;
    const s = this.state;
    if (withQuery && e.q.value !== s.q) e.q.value = s.q;
    const relevance = e.sort.querySelector('option[value="relevance"]');
    relevance.disabled = !s.q.trim();
    e.sort.value = s.sort && !(s.sort === "relevance" && relevance.disabled) ? s.sort : (s.q.trim() ? "relevance" : "-date");
    const euros = (v) => (v === "" ? "" : Number.isFinite(Number(v)) ? nf.format(Number(v)) : v);
    if (document.activeElement !== e.amountMin) e.amountMin.value = euros(s.amount_min);
    if (document.activeElement !== e.amountMax) e.amountMax.value = euros(s.amount_max);
    e.amountMin.removeAttribute("aria-invalid");
    e.amountMax.removeAttribute("aria-invalid");
    e.amountError.hidden = true;
    e.from.value = /^\d{4}-\d{2}-\d{2}$/.test(s.from) ? s.from : "";
    e.to.value = /^\d{4}-\d{2}-\d{2}$/.test(s.to) ? s.to : "";
    const n = filterCount(s);
    e.filtersCount.hidden = n === 0;
    e.filtersCount.textContent = String(n);
    e.clear.hidden = n === 0;
    this.renderActiveFilters();
    document.title = s.q.trim() ? `${s.q.trim()} · veille` : "veille · recherche";
  }

  async search(opts = {}) {
    const e = this.el;
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    const seq = ++this.seq;
    const state = this.state;
    clearTimeout(this.busyTimer);
    this.busyTimer = setTimeout(() => { e.progress.hidden = false; }, 150);
    e.results.setAttribute("aria-busy", "true");
    const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let outcome;
    try {
      const res = await fetch(`/api/search?${toParams(state)}`, { signal: controller.signal, headers: { Accept: "application/json" } });
      let body = null;
      try {
        body = await res.json();
      } catch {
        body = null;
      }
      outcome = res.ok && body && Array.isArray(body.hits)
        ? { ok: true, body }
        : { ok: false, status: res.status, error: body && body.error };
    } catch {
      outcome = { ok: false, status: 0, error: null, aborted: controller.signal.aborted };
    } finally {
      clearTimeout(timeout);
    }
    if (seq !== this.seq) return; // a newer search replaced this one
    clearTimeout(this.busyTimer);
    e.progress.hidden = true;
    e.results.setAttribute("aria-busy", "false");
    if (outcome.ok) {
      this.last = outcome.body;
      this.render(state, outcome.body);
    } else {
      this.renderError(outcome);
    }
    if (opts.focusResults) {
      e.results.focus({ preventScroll: true });
      e.results.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }

  async loadStats() {
    try {
      const res = await fetch("/api/stats", { headers: { Accept: "application/json" } });
      if (!res.ok) return;
      const st = await res.json();
      if (typeof st.articles === "number") this.el.stats.textContent = `${plural(st.articles, "article indexé", "articles indexés")}.`;
    } catch {
      // the footer simply stays empty
    }
  }

  // -- rendering ------------------------------------------------------------

  render(state, res) {
    this.rememberCountries(res);
    if (this.canonicalizeCountries(state, res)) state = this.state;
    this.renderStatus(state, res);
    this.renderFacets(state, res.facets);
    this.renderCharts(state, res.facets);
    this.renderActiveFilters();
    this.renderHits(state, res);
    this.renderPager(state, res);
    this.el.error.hidden = true;
  }

  rememberCountries(res) {
    for (const c of res.facets.country || []) this.countryLabels.set(c.value, c.label || c.value);
    for (const hit of res.hits) {
      for (const [code, name] of Object.entries(hit.country_names || {})) this.countryLabels.set(code, name);
    }
  }

  /** canonicalizeCountries turns ?country=norvege into ?country=NO in the URL once the API has resolved it. */
  canonicalizeCountries(state, res) {
    if (state !== this.state || state.country.length === 0) return false;
    const known = res.facets.country || [];
    let changed = false;
    const codes = state.country.map((v) => {
      if (known.some((c) => c.value === v)) return v;
      const match = known.find((c) => fold(c.label || "") === fold(v) || c.value === v.toUpperCase());
      if (match) {
        changed = true;
        return match.value;
      }
      return v;
    });
    if (changed) {
      this.state = { ...state, country: [...new Set(codes)] };
      history.replaceState(history.state, "", stateURL(this.state));
    }
    return changed;
  }

  renderStatus(state, res) {
    const e = this.el;
    const parts = [];
    const total = Number(res.total) || 0;
    const strong = h("strong", {}, plural(total, "résultat", "résultats"));
    parts.push(strong);
    if (state.q.trim()) parts.push(` pour « ${state.q.trim()} »`);
    const pages = pageCount(total, res.per_page || PER_PAGE);
    if (pages > 1) parts.push(` · page ${nf.format(state.page)} sur ${nf.format(pages)}`);
    if (typeof res.took_ms === "number") parts.push(h("span", { class: "took" }, ` · ${new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 }).format(res.took_ms)} ms`));
    e.status.replaceChildren(...parts);
  }

  renderActiveFilters() {
    const e = this.el;
    const s = this.state;
    const pills = [];
    const pill = (label, next) => h("li", {},
      h("button", {
        type: "button", class: "filter-pill", title: "Retirer ce filtre",
        onclick: () => this.navigate(next(), { push: true }),
      }, label, srOnly(" (retirer ce filtre)"), h("span", { class: "x", "aria-hidden": "true" }, "×")));
    for (const f of MULTI_FACETS) {
      for (const v of s[f]) {
        pills.push(pill(`${FILTER_NAMES[f]} : ${this.valueLabel(f, v)}`, () => withChange(this.state, { [f]: this.state[f].filter((x) => x !== v) })));
      }
    }
    if (s.amount_min || s.amount_max) pills.push(pill(`Montant : ${amountLabel(s)}`, () => withChange(this.state, { amount_min: "", amount_max: "" })));
    if (s.from || s.to) pills.push(pill(`Période : ${dateRangeLabel(s)}`, () => withChange(this.state, { from: "", to: "" })));
    if (s.mode === "any") pills.push(pill("N'importe quel mot", () => withChange(this.state, { mode: "" })));
    e.active.replaceChildren(...pills);
    e.active.hidden = pills.length === 0;
  }

  valueLabel(facet, v) {
    if (facet === "country") return this.countryLabels.get(v) || v;
    if (facet === "lang") return languageName(v);
    return v;
  }

  renderFacets(state, facets) {
    const e = this.el;
    const focused = document.activeElement;
    const refocus = focused && focused.dataset && focused.dataset.facet
      ? { facet: focused.dataset.facet, value: focused.dataset.value, more: focused.dataset.more }
      : null;
    const groups = [];
    const term = (name, values, label) => {
      const selected = state[name];
      const items = values.map((v) => ({ value: v.value, label: label(v), count: v.count, checked: selected.includes(v.value) }));
      for (const v of selected) {
        if (!items.some((it) => it.value === v)) items.push({ value: v, label: this.valueLabel(name, v), count: 0, checked: true });
      }
      return items;
    };
    groups.push(["company", term("company", facets.company || [], (v) => v.value)]);
    groups.push(["country", term("country", facets.country || [], (v) => v.label || v.value)]);
    groups.push(["lang", term("lang", facets.lang || [], (v) => languageName(v.value))]);
    groups.push(["month", (facets.month || []).map((v) => ({ value: v.value, label: formatMonth(v.value), count: v.count, checked: monthChecked(state, v.value) }))]);
    groups.push(["amount", (facets.amount || []).map((v) => ({ value: v.value, label: bandLabel(v), count: v.count, checked: bandChecked(state, v) }))]);

    for (const [name, items] of groups) {
      const box = document.querySelector(`#facet-${name} .facet-values`);
      box.replaceChildren(...this.facetValues(name, items));
    }
    if (refocus) {
      const sel = refocus.more
        ? `button[data-facet="${CSS.escape(refocus.facet)}"][data-more]`
        : `input[data-facet="${CSS.escape(refocus.facet)}"][data-value="${CSS.escape(refocus.value)}"]`;
      const again = e.facets.querySelector(sel);
      if (again) again.focus({ preventScroll: true });
    }
  }

  /** facetValues returns the checkboxes of one facet, the first few only unless expanded. */
  facetValues(name, items) {
    if (items.length === 0) return [h("p", { class: "facet-empty" }, "Aucune valeur")];
    const max = Math.max(...items.map((it) => it.count));
    const open = this.expanded.has(name);
    const hidden = Math.max(0, items.length - FACET_VISIBLE);
    const list = h("ul", { class: "facet-list", role: "list" });
    items.forEach((it, i) => {
      if (!open && i >= FACET_VISIBLE && !it.checked) return;
      const box = h("input", { type: "checkbox", "data-facet": name, "data-value": it.value });
      box.checked = it.checked;
      list.append(h("li", {},
        h("label", { class: `facet-item${it.checked ? " is-checked" : ""}${it.count === 0 ? " is-zero" : ""}`, title: it.label },
          box,
          h("span", { class: "facet-name" }, it.label),
          h("span", { class: "facet-count" }, nf.format(it.count), srOnly(it.count > 1 ? " articles" : " article")),
          facetBar(it.count, max))));
    });
    const out = [list];
    if (hidden > 0) {
      out.push(h("button", {
        type: "button", class: "link-button facet-more", "data-facet": name, "data-more": "1",
        "aria-expanded": open ? "true" : "false",
        onclick: () => {
          if (open) this.expanded.delete(name);
          else this.expanded.add(name);
          if (this.last) this.renderFacets(this.state, this.last.facets);
        },
      }, open ? "Afficher moins" : `Afficher ${plural(hidden, "autre valeur", "autres valeurs")}`));
    }
    return out;
  }

  renderCharts(state, facets) {
    const e = this.el;
    e.charts.hidden = false;
    const width = (el) => Math.max(160, Math.floor(el.clientWidth || 300));
    const top = (list, label, sel) => list.slice(0, 8).map((v) => ({ label: label(v), count: v.count, selected: sel.includes(v.value) }));
    e.chartMonth.replaceChildren(monthChart(facets.month || [], state, width(e.chartMonth)));
    // Articles without a date are in no month; say so when the facet is
    // complete (the API lists at most 20 months) and no date filter applies.
    const months = facets.month || [];
    const dated = months.reduce((n, m) => n + m.count, 0);
    const undated = (Number(this.last && this.last.total) || 0) - dated;
    if (months.length < 20 && !state.from && !state.to && undated > 0) {
      e.chartMonth.append(h("p", { class: "chart-note" }, `${plural(undated, "article", "articles")} sans date de publication`));
    }
    e.chartCompany.replaceChildren(barChart("Entreprises les plus citées", top(facets.company || [], (v) => v.value, state.company), width(e.chartCompany)));
    e.chartCountry.replaceChildren(barChart("Pays les plus cités", top(facets.country || [], (v) => v.label || v.value, state.country), width(e.chartCountry)));
    this.chartWidth = e.charts.clientWidth;
  }

  /** watchChartWidth redraws the charts when their width changes, so that their text keeps its size. */
  watchChartWidth() {
    if (typeof ResizeObserver !== "function") return;
    let frame = 0;
    new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (this.last && !this.el.charts.hidden && this.el.charts.clientWidth !== this.chartWidth) {
          this.renderCharts(this.state, this.last.facets);
        }
      });
    }).observe(this.el.charts);
  }

  renderHits(state, res) {
    const e = this.el;
    e.hits.replaceChildren(...res.hits.map((hit) => this.hitItem(hit)));
    e.empty.hidden = res.hits.length > 0;
    if (res.hits.length === 0) e.empty.replaceChildren(...this.emptyContent(state, res));
  }

  hitItem(hit) {
    const s = this.state;
    const titleId = `hit-${hit.id}`;
    const title = h("h3", { class: "hit-title", id: titleId });
    const titleFrag = hit.highlights && hit.highlights.title && hit.highlights.title[0];
    const target = (() => {
      const url = safeURL(hit.url);
      if (!url) return title;
      const a = h("a", { href: url, rel: "noopener noreferrer" });
      title.append(a);
      return a;
    })();
    if (titleFrag && titleFrag.includes("<mark>")) setHighlight(target, titleFrag);
    else target.textContent = hit.title || hit.id;

    const meta = h("p", { class: "hit-meta" });
    if (hit.source) {
      meta.append(h("button", {
        type: "button", class: "link-button", title: `Filtrer par source : ${hit.source}`,
        onclick: () => this.toggleValue("source", hit.source),
      }, hit.source));
    }
    if (hit.published) meta.append(h("time", { datetime: hit.published }, formatDate(hit.published)));
    if (hit.language) meta.append(h("span", {}, languageName(hit.language)));

    const snippets = ((hit.highlights && hit.highlights.body) || []).slice(0, 2).map((frag) => {
      const p = h("p", { class: "snippet" });
      setHighlight(p, frag);
      return p;
    });

    const chips = h("ul", { class: "chips", "aria-label": "Entités extraites" });
    for (const c of hit.companies || []) {
      const on = s.company.includes(c);
      chips.append(h("li", {}, h("button", {
        type: "button", class: "chip chip-company", "aria-pressed": on ? "true" : "false",
        title: on ? `Retirer le filtre ${c}` : `Filtrer par ${c}`,
        onclick: () => this.toggleValue("company", c),
      }, srOnly("Entreprise : "), c)));
    }
    for (const code of hit.countries || []) {
      const name = (hit.country_names && hit.country_names[code]) || code;
      const on = s.country.includes(code);
      chips.append(h("li", {}, h("button", {
        type: "button", class: "chip chip-country", "aria-pressed": on ? "true" : "false",
        title: on ? `Retirer le filtre ${name}` : `Filtrer par ${name}`,
        onclick: () => this.toggleValue("country", code),
      }, srOnly("Pays : "), name)));
    }
    const amounts = uniqueAmounts(hit.amounts || []);
    amounts.slice(0, 4).forEach((a) => chips.append(h("li", {}, amountChip(a))));
    if (amounts.length > 4) {
      const rest = amounts.slice(4);
      chips.append(h("li", {}, h("span", { class: "chip chip-more", title: rest.map((a) => a.text).join(" ; ") },
        `+${rest.length}`, srOnly(rest.length > 1 ? " autres montants" : " autre montant"))));
    }

    return h("li", { class: "hit", "data-id": hit.id },
      h("article", { "aria-labelledby": titleId }, title, meta, snippets, chips.childElementCount ? chips : null));
  }

  toggleValue(facet, value) {
    const s = this.state;
    const list = s[facet].includes(value) ? s[facet].filter((v) => v !== value) : [...s[facet], value];
    this.navigate(withChange(s, { [facet]: list }), { push: true });
  }

  emptyContent(state, res) {
    const out = [];
    const actions = h("ul", { class: "notice-actions" });
    if ((Number(res.total) || 0) > 0) {
      out.push(h("h3", {}, "Cette page est vide"));
      out.push(h("p", {}, `La recherche compte ${plural(Number(res.total), "résultat", "résultats")}, mais pas autant de pages.`));
      actions.append(h("li", {}, h("button", { type: "button", class: "button button-small", onclick: () => this.navigate({ ...this.state, page: 1 }, { push: true }) }, "Revenir à la première page")));
      out.push(actions);
      return out;
    }
    out.push(h("h3", {}, "Aucun résultat"));
    const n = filterCount(state);
    const q = state.q.trim();
    if (n > 0) {
      out.push(h("p", {}, q
        ? `Aucun article ne correspond à « ${q} » avec ${n > 1 ? "ces filtres" : "ce filtre"}. Retirer un filtre :`
        : `Aucun article ne correspond à ${n > 1 ? "ces filtres" : "ce filtre"}. Retirer un filtre :`));
      for (const li of this.el.active.children) {
        const b = li.querySelector("button");
        if (!b) continue;
        actions.append(h("li", {}, h("button", {
          type: "button", class: "button button-small", onclick: () => b.click(),
        }, `Retirer le filtre ${b.firstChild ? b.firstChild.textContent : ""}`)));
      }
      actions.append(h("li", {}, h("button", {
        type: "button", class: "button button-small button-primary",
        onclick: () => this.navigate({ ...emptyState(), q: this.state.q }, { push: true }),
      }, "Effacer tous les filtres")));
    } else if (q) {
      out.push(h("p", {}, `Aucun article ne contient « ${q} ». Vérifiez l'orthographe ou essayez des mots plus généraux.`));
    } else {
      out.push(h("p", {}, "L'index ne contient encore aucun article."));
    }
    if (q && /\s/.test(q) && state.mode !== "any") {
      actions.append(h("li", {}, h("button", {
        type: "button", class: "button button-small",
        onclick: () => this.navigate(withChange(this.state, { mode: "any" }), { push: true }),
      }, "Chercher n'importe lequel des mots")));
    }
    if (q) {
      actions.append(h("li", {}, h("button", {
        type: "button", class: "button button-small",
        onclick: () => { this.el.q.value = ""; this.navigate(withChange(this.state, { q: "" }), { push: true }); },
      }, "Effacer la recherche")));
    }
    if (actions.childElementCount) out.push(actions);
    return out;
  }

  renderPager(state, res) {
    const e = this.el;
    const pages = pageCount(Number(res.total) || 0, res.per_page || PER_PAGE);
    if (pages <= 1) {
      e.pager.hidden = true;
      e.pager.replaceChildren();
      return;
    }
    const cur = state.page;
    const link = (page, label, cls, extra = {}) => {
      const disabled = page < 1 || page > pages;
      const attrs = disabled
        ? { class: cls, role: "link", "aria-disabled": "true" }
        : { class: cls, href: stateURL({ ...state, page }), "data-page": String(page), ...extra };
      return h("a", attrs, ...label);
    };
    const ul = h("ul", {});
    ul.append(h("li", {}, link(cur - 1, ["‹ ", h("span", {}, "Page précédente")], "pager-step", { rel: "prev" })));
    let prev = 0;
    for (const p of pageWindow(cur, pages)) {
      if (p - prev > 1) ul.append(h("li", { class: "pager-page" }, h("span", { class: "gap", "aria-hidden": "true" }, "…")));
      const current = p === cur;
      ul.append(h("li", { class: current ? "pager-current" : "pager-page" },
        link(p, [nf.format(p)], "", { "aria-current": current ? "page" : null, "aria-label": `Page ${p}` })));
      prev = p;
    }
    ul.append(h("li", {}, link(cur + 1, [h("span", {}, "Page suivante"), " ›"], "pager-step", { rel: "next" })));
    e.pager.replaceChildren(ul);
    e.pager.hidden = false;
  }

  renderError(outcome) {
    const e = this.el;
    const err = outcome.error || {};
    let title = "La recherche a échoué";
    let text;
    if (outcome.status === 0) {
      text = outcome.aborted ? "Le service met trop de temps à répondre." : "Le service ne répond pas : vérifiez qu'il tourne, puis réessayez.";
    } else if (outcome.status >= 400 && outcome.status < 500) {
      title = "La recherche n'est pas valide";
      text = "Le service a refusé la requête. Corrigez un filtre ou la recherche :";
    } else {
      text = `Le service a rencontré une erreur (${outcome.status}).`;
    }
    const children = [h("h3", {}, title), h("p", {}, text)];
    if (err.message) children.push(h("p", {}, h("code", {}, err.code ? `${err.code} : ${err.message}` : err.message)));
    const actions = h("ul", { class: "notice-actions" },
      h("li", {}, h("button", { type: "button", class: "button button-small button-primary", onclick: () => this.search() }, "Réessayer")));
    if (filterCount(this.state) > 0 || this.state.sort || this.state.page > 1) {
      actions.append(h("li", {}, h("button", {
        type: "button", class: "button button-small",
        onclick: () => this.navigate({ ...emptyState(), q: this.state.q }, { push: true }),
      }, "Retirer les filtres")));
    }
    children.push(actions);
    e.error.replaceChildren(...children);
    e.error.hidden = false;
    e.hits.replaceChildren();
    e.empty.hidden = true;
    e.pager.hidden = true;
    e.charts.hidden = true;
    e.status.textContent = "Erreur";
  }
}

/** isTextEntry reports whether typing "/" in el writes text (so it is not a shortcut there). */
function isTextEntry(el) {
  if (!el || !el.tagName) return false;
  if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
  return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset|range|color|file|image)$/.test(el.type);
}

function pageCount(total, perPage) {
  const pages = Math.ceil(total / perPage);
  return Math.min(pages, Math.floor(MAX_WINDOW / perPage));
}

/** pageWindow lists the page numbers to show: first, last, and two around cur. */
function pageWindow(cur, pages) {
  const set = new Set([1, pages]);
  for (let p = cur - 2; p <= cur + 2; p++) if (p >= 1 && p <= pages) set.add(p);
  return [...set].sort((a, b) => a - b);
}

function bandLabel(band) {
  const lo = band.min || 0;
  if (band.max === null || band.max === undefined) return `${formatEuros(lo)} et plus`;
  if (!lo) return `Moins de ${formatEuros(band.max)}`;
  return `${formatEuros(lo)} à ${formatEuros(band.max)}`;
}

function amountLabel(s) {
  const lo = s.amount_min ? Number(s.amount_min) : 0;
  const hi = s.amount_max ? Number(s.amount_max) : Infinity;
  const fmt = (v) => (Number.isFinite(v) ? formatEuros(v) : String(v));
  if (Number.isNaN(lo) || Number.isNaN(hi)) return `${s.amount_min || "…"} – ${s.amount_max || "…"}`;
  if (!Number.isFinite(hi)) return `au moins ${fmt(lo)}`;
  if (!lo) return `jusqu'à ${fmt(displayEdge(hi))}`;
  return `${fmt(lo)} à ${fmt(displayEdge(hi))}`;
}

function dateRangeLabel(s) {
  if (s.from && s.to) {
    const [a, b] = [s.from, s.to];
    const month = a.slice(0, 7);
    if (a.slice(0, 7) === b.slice(0, 7) && monthBounds(month)[0] === a && monthBounds(month)[1] === b) return formatMonth(month);
    return `du ${formatDate(a)} au ${formatDate(b)}`;
  }
  if (s.from) return `depuis le ${formatDate(s.from)}`;
  return `jusqu'au ${formatDate(s.to)}`;
}

/** uniqueAmounts drops repeated amounts (same value and currency) and sorts the rest largest first. */
function uniqueAmounts(list) {
  const seen = new Set();
  const out = [];
  for (const a of list) {
    if (typeof a.value !== "number") continue;
    const key = `${a.value} ${a.currency}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out.sort((a, b) => (b.eur || 0) - (a.eur || 0));
}

function amountChip(a) {
  const main = formatMoney(a.value, a.currency);
  const chip = h("span", { class: "chip chip-amount", title: a.text || main }, srOnly("Montant : "), main);
  if (a.currency !== "EUR" && typeof a.eur === "number" && a.eur > 0) {
    chip.append(" ", h("small", {}, `≈ ${formatEuros(a.eur)}`));
  }
  return chip;
}

new App().start();

// ---------------------------------------------------------------------------
// Sources: the feeds followed and their status, refreshed every minute.

/** ago says how long ago (or in how long) an ISO time is, in French: "il y a 5 min", "dans 2 h". */
function ago(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.round((t - now) / 1000);
  const a = Math.abs(s);
  const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 86400 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} j`;
  return s < 0 ? `il y a ${text}` : `dans ${text}`;
}

/** sourceItem renders one source: its name, a state dot and its last poll. */
function sourceItem(src) {
  const state = src.last_error ? "error" : src.last_success ? "ok" : "pending";
  const label = { ok: "à jour", error: "en erreur", pending: "pas encore collectée" }[state];
  let host = src.url;
  try { host = new URL(src.url).host; } catch { /* keep the URL */ }
  const url = safeURL(src.url);
  const facts = [];
  if (src.last_success) facts.push(`collectée ${ago(src.last_success)}`);
  if (src.last_success) facts.push(plural(src.items_new, "nouvel article", "nouveaux articles"));
  if (src.next_poll) facts.push(`prochaine ${ago(src.next_poll)}`);
  return h("li", { class: `source source-${state}`, "data-source": src.id },
    h("span", { class: "source-dot", title: label, "aria-hidden": "true" }),
    h("span", { class: "source-text" },
      h("a", { class: "source-name", href: url, rel: "noopener noreferrer", title: src.url }, src.name || src.feed_title || host),
      srOnly(` (${label})`),
      h("span", { class: "source-facts" }, facts.join(" · ")),
      src.last_error ? h("span", { class: "source-reason" }, truncate(src.last_error, 160)) : null));
}

/** watchSources fills the sources panel from /api/sources now and every minute; the panel stays hidden when no feed is followed. */
function watchSources(panel, list, count) {
  if (!panel) return;
  const load = async () => {
    try {
      const res = await fetch("/api/sources", { headers: { Accept: "application/json" } });
      if (!res.ok) return;
      const body = await res.json();
      const sources = body.sources || [];
      panel.hidden = sources.length === 0;
      const failing = sources.filter((s) => s.last_error).length;
      count.textContent = failing ? `${sources.length} · ${failing} en erreur` : String(sources.length);
      list.replaceChildren(...sources.map(sourceItem));
    } catch {
      // the panel keeps what it showed
    }
  };
  load();
  setInterval(load, 60_000);
}
