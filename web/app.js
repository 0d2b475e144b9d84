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
const FACET_SEARCH_SIZE = 100; // values asked for when a facet's box filters them
const MULTI_FACETS = ["company", "country", "lang", "source"];
// Facets whose values can be excluded, and the parameter that does it.
const EXCLUDES = { company: "exclude_company", country: "exclude_country", source: "exclude_source" };
const LIST_PARAMS = [...MULTI_FACETS, ...Object.values(EXCLUDES)];
const PHONE = "(max-width: 820px)";

const FILTER_NAMES = {
  company: "Entreprise",
  country: "Pays",
  lang: "Langue",
  source: "Source",
  exclude_company: "Sauf l'entreprise",
  exclude_country: "Sauf le pays",
  exclude_source: "Sauf la source",
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

/**
 * formatMoney renders 683e6 USD as "683 M$", 1.2e9 EUR as "1,2 Md€", 45000
 * EUR as "45 000 €", with at least digits significant digits in millions
 * and billions (3 by default).
 */
function formatMoney(value, currency, digits = 3) {
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
  const opts = !unit ? { maximumFractionDigits: 0 } : { maximumSignificantDigits: Math.max(digits, Math.floor(Math.log10(Math.abs(n) || 1)) + 1) };
  const num = new Intl.NumberFormat("fr-FR", opts).format(n);
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
    exclude_company: [], exclude_country: [], exclude_source: [],
    amount_min: "", amount_max: "", from: "", to: "",
    collapse: "", // "": one result per story (the page's default); "none": every article
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
  for (const f of LIST_PARAMS) {
    s[f] = [...new Set(p.getAll(f).map((v) => v.trim()).filter(Boolean))];
  }
  for (const k of ["amount_min", "amount_max", "from", "to"]) s[k] = (p.get(k) || "").trim();
  s.collapse = p.get("collapse") === "none" ? "none" : "";
  return s;
}

/** toParams writes a state in a stable order; page 1 and empty values are left out. */
function toParams(s) {
  const p = new URLSearchParams();
  if (s.q.trim()) p.set("q", s.q.trim());
  for (const f of LIST_PARAMS) for (const v of s[f]) p.append(f, v);
  for (const k of ["amount_min", "amount_max", "from", "to", "mode", "sort"]) if (s[k]) p.set(k, s[k]);
  if (s.collapse === "none") p.set("collapse", "none");
  if (s.page > 1) p.set("page", String(s.page));
  return p;
}

/**
 * apiParams are the parameters of the page's searches: those of the URL,
 * and collapse=story unless the reprints are shown apart (the API's
 * default is one hit per article; the page's, one per story).
 */
function apiParams(s) {
  const p = toParams(s);
  if (s.collapse !== "none") p.set("collapse", "story");
  return p;
}

/** articleURL is the address of an article's page, carrying the search it was found by. */
function articleURL(id, s) {
  const qs = toParams(s).toString();
  return `/articles/${encodeURIComponent(id)}${qs ? `?${qs}` : ""}`;
}

function stateURL(s) {
  const qs = toParams(s).toString();
  return qs ? `/?${qs}` : "/";
}

function withChange(s, change) {
  return { ...s, page: 1, ...change };
}

function filterCount(s) {
  return LIST_PARAMS.reduce((n, f) => n + s[f].length, 0) +
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
  return rangeChecked(s, monthBounds(ym));
}

function toggleMonth(s, ym) {
  return toggleRange(s, monthBounds(ym));
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

const MAX_MONTH_BARS = 36; // longer spans are drawn a bar a year

/** monthSeries returns the month facet in time order, with missing months at 0. */
function monthSeries(months) {
  const have = new Map(months.map((m) => [m.value, m.count]));
  const keys = [...have.keys()].filter((k) => monthDate(k) !== null).sort();
  if (keys.length === 0) return [];
  const out = [];
  const [y0, m0] = keys[0].split("-").map(Number);
  const [y1, m1] = keys[keys.length - 1].split("-").map(Number);
  const span = (y1 - y0) * 12 + (m1 - m0);
  for (let i = 0; i <= span; i++) {
    const y = y0 + Math.floor((m0 - 1 + i) / 12);
    const m = ((m0 - 1 + i) % 12) + 1;
    const k = `${y}-${String(m).padStart(2, "0")}`;
    out.push({ value: k, count: have.get(k) || 0 });
  }
  return out;
}

/**
 * histogram returns the bars of the month chart: a bar a month, or a bar
 * a year when the months are more than MAX_MONTH_BARS. Each bar has the
 * date range it stands for.
 */
function histogram(months) {
  const series = monthSeries(months);
  if (series.length <= MAX_MONTH_BARS) {
    return { byYear: false, bars: series.map((d) => ({ ...d, label: formatMonth(d.value), range: monthBounds(d.value) })) };
  }
  const years = new Map();
  for (const d of series) {
    const y = d.value.slice(0, 4);
    years.set(y, (years.get(y) || 0) + d.count);
  }
  return { byYear: true, bars: [...years].map(([y, count]) => ({ value: y, count, label: y, range: [`${y}-01-01`, `${y}-12-31`] })) };
}

function rangeChecked(s, [a, b]) {
  return (!!s.from || !!s.to) && (!s.from || s.from <= a) && (!s.to || b <= s.to);
}

/** toggleRange ticks or unticks a date range: ticking widens the range to cover it. */
function toggleRange(s, [a, b]) {
  if (!rangeChecked(s, [a, b])) {
    if (!s.from && !s.to) return withChange(s, { from: a, to: b });
    return withChange(s, { from: s.from && a < s.from ? a : s.from, to: s.to && b > s.to ? b : s.to });
  }
  if ((!s.from || s.from >= a) && (!s.to || s.to <= b)) return withChange(s, { from: "", to: "" });
  if (!s.from || s.from >= a) return withChange(s, { from: shiftDay(b, 1) });
  return withChange(s, { to: shiftDay(a, -1) });
}

function chartEmpty(text) {
  return h("p", { class: "chart-empty" }, text);
}

/**
 * chartLink wraps a chart's bar in a link that applies next (a state):
 * clicking a bar filters as ticking the value does.
 */
function chartLink(next, title, ...children) {
  return svg("a", { href: stateURL(next), class: "chart-link", "data-href": stateURL(next), "aria-label": title },
    svg("title", {}, title), ...children);
}

/** monthChart draws the month facet as vertical bars (months, or years when many), W pixels wide. */
function monthChart(months, state, W) {
  const { byYear, bars } = histogram(months);
  if (bars.length === 0) return chartEmpty("Aucune date de publication");
  const H = W > 420 ? 130 : 150;
  const top = 16;
  const bottom = 30;
  const max = Math.max(...bars.map((d) => d.count));
  const slot = W / bars.length;
  const barW = Math.max(1.5, Math.min(28, slot * 0.72));
  const label = bars.filter((d) => d.count > 0).map((d) => `${d.label} : ${d.count}`).join(", ");
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "group", "aria-label": `Articles par ${byYear ? "an" : "mois"}. ${label}` },
    svg("title", {}, byYear ? "Articles par an" : "Articles par mois"));
  root.append(svg("line", { class: "axis", x1: 0, x2: W, y1: H - bottom + 0.5, y2: H - bottom + 0.5 }));
  const every = Math.max(1, Math.ceil((byYear ? 32 : 34) / slot)); // a label is about 30 px wide
  let lastYear = "";
  bars.forEach((d, i) => {
    const x = i * slot + (slot - barW) / 2;
    const cx = x + barW / 2;
    const bh = max ? Math.round(((H - top - bottom) * d.count) / max) : 0;
    const selected = rangeChecked(state, d.range);
    const parts = [svg("rect", { class: "bar-bg", x, y: top, width: barW, height: H - top - bottom, rx: 2 })];
    if (bh > 0) parts.push(svg("rect", { class: selected ? "bar is-selected" : "bar", x, y: H - bottom - bh, width: barW, height: bh, rx: 2 }));
    if (d.count > 0 && slot >= 16) parts.push(svg("text", { class: "value", x: cx, y: H - bottom - bh - 4, "text-anchor": "middle" }, nf.format(d.count)));
    const title = `${d.label} : ${plural(d.count, "article", "articles")}${selected ? " (filtre appliqué)" : " — filtrer"}`;
    root.append(d.count > 0 || selected ? chartLink(toggleRange(state, d.range), title, ...parts) : svg("g", {}, ...parts));
    // Labels: every few bars; under monthly bars, the year under the
    // first bar of each year (the first bar's year included).
    if (byYear) {
      if (i % every === 0) root.append(svg("text", { x: cx, y: H - bottom + 14, "text-anchor": "middle", class: "year" }, d.value));
      return;
    }
    const y = d.value.slice(0, 4);
    if (i % every === 0 || i === bars.length - 1) {
      root.append(svg("text", { x: cx, y: H - bottom + 13, "text-anchor": "middle" }, monthShort.format(monthDate(d.value)).replace(".", "")));
    }
    if (y !== lastYear) {
      root.append(svg("text", { x: i === 0 ? Math.max(cx, 14) : cx, y: H - bottom + 26, "text-anchor": "middle", class: "year" }, y));
      lastYear = y;
    }
  });
  if (byYear) root.append(svg("text", { class: "value", x: W, y: 10, "text-anchor": "end" }, `max. ${nf.format(max)} / an`));
  return root;
}

/** barChart draws horizontal bars for facet values [{label, count, selected, next}]: next is the state a click applies. */
function barChart(title, items, W) {
  if (items.length === 0) return chartEmpty("Aucune valeur");
  const row = 22;
  const labelW = Math.round(Math.min(150, Math.max(90, W * 0.38)));
  const chars = Math.floor((labelW - 8) / 6.2);
  const H = items.length * row;
  const max = Math.max(...items.map((d) => d.count));
  const label = items.map((d) => `${d.label} : ${d.count}`).join(", ");
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "group", "aria-label": `${title}. ${label}` },
    svg("title", {}, title));
  items.forEach((d, i) => {
    const y = i * row;
    const barMax = W - labelW - 34;
    const bw = max ? Math.max(2, Math.round((barMax * d.count) / max)) : 0;
    root.append(chartLink(d.next, `${d.label} : ${plural(d.count, "article", "articles")}${d.selected ? " (filtre appliqué)" : " — filtrer"}`,
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
    this.facetSearch = new Map(); // facet name → {text, values}: the values a facet's box found
    this.countryLabels = new Map();
    this.el = {
      form: $("search-form"), q: $("q"), status: $("status"), sort: $("sort"), collapse: $("collapse"), facetsNote: $("facets-note"),
      facets: $("facets"), filters: $("filters"), filtersCount: $("filters-count"),
      clear: $("clear-filters"), active: $("active-filters"), results: $("results"),
      hits: $("hits"), empty: $("empty"), error: $("error"), pager: $("pager"),
      progress: $("progress"), amountForm: $("amount-form"), amountMin: $("amount-min"),
      amountMax: $("amount-max"), amountError: $("amount-error"), dateForm: $("date-form"),
      from: $("date-from"), to: $("date-to"), stats: $("stats"), home: $("home-link"),
      charts: $("charts"), chartMonth: $("chart-month"), chartCompany: $("chart-company"), chartCountry: $("chart-country"),
      chartMonthTitle: $("chart-month-title"), exportCSV: $("export-csv"), exportNDJSON: $("export-ndjson"),
    };
  }

  start() {
    const e = this.el;
    const phone = window.matchMedia(PHONE);
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
    e.collapse.addEventListener("change", () => {
      this.navigate(withChange(this.state, { collapse: e.collapse.checked ? "" : "none" }), { push: true });
    });
    e.clear.addEventListener("click", () => {
      this.navigate({ ...emptyState(), q: this.state.q, sort: this.state.sort, collapse: this.state.collapse }, { push: true });
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
    e.charts.addEventListener("click", (ev) => {
      const a = ev.target.closest("a.chart-link");
      if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      this.navigate(parseState(new URL(a.dataset.href, location.href).search), { push: true });
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
    this.alerts = new Alerts(this);
    this.alerts.start();
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

  /** toggleFacet ticks or unticks a value of the sidebar (reveal: on a phone, the results come into view). */
  toggleFacet(facet, value) {
    const s = this.state;
    const opts = { push: true, reveal: true };
    if (facet === "month") return this.navigate(toggleMonth(s, value), opts);
    if (facet === "amount") {
      const band = this.last && this.last.facets.amount.find((b) => b.value === value);
      if (band) this.navigate(toggleBand(s, band), opts);
      return undefined;
    }
    const list = s[facet].includes(value) ? s[facet].filter((v) => v !== value) : [...s[facet], value];
    const change = { [facet]: list };
    const ex = EXCLUDES[facet];
    if (ex && s[ex].includes(value)) change[ex] = s[ex].filter((v) => v !== value); // ticked, so no longer left out
    return this.navigate(withChange(s, change), opts);
  }

  /**
   * applyAmountRange sends the amounts as typed ("1,5 Md", "100 M€"): the
   * API reads them with the parser the command line uses too, says when
   * one cannot be read, and answers the euros it applied, which the URL
   * then shows (canonicalizeAmounts).
   */
  applyAmountRange() {
    const e = this.el;
    e.amountError.hidden = true;
    this.navigate(withChange(this.state, { amount_min: e.amountMin.value.trim(), amount_max: e.amountMax.value.trim() }), { push: true });
  }

  /** syncControls shows the state in the form controls; the query box only when withQuery. */
  syncControls(withQuery) {
    const e = this.el;
    const s = this.state;
    if (withQuery && e.q.value !== s.q) e.q.value = s.q;
    const relevance = e.sort.querySelector('option[value="relevance"]');
    relevance.disabled = !s.q.trim();
    e.sort.value = s.sort && !(s.sort === "relevance" && relevance.disabled) ? s.sort : (s.q.trim() ? "relevance" : "-date");
    e.collapse.checked = s.collapse !== "none";
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
    // The export takes what the search takes but the page: the results
    // as shown, grouped by story unless the reprints are shown apart.
    const params = apiParams({ ...s, page: 1 });
    for (const [a, format] of [[e.exportCSV, "csv"], [e.exportNDJSON, "ndjson"]]) {
      const p = new URLSearchParams(params);
      p.set("format", format);
      a.href = `/api/export?${p}`;
    }
    document.title = s.q.trim() ? `${s.q.trim()} · veille` : "veille · recherche";
    if (this.alerts) this.alerts.render();
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
      const params = apiParams(state);
      // While the user types, the last word is a start of word (the API
      // matches whole words otherwise).
      if (opts.typing) params.set("prefix", "last");
      const res = await fetch(`/api/search?${params}`, { signal: controller.signal, headers: { Accept: "application/json" } });
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
    } else if (opts.reveal && window.matchMedia(PHONE).matches) {
      // On a phone the filters sit above the results: bring the results
      // (with the status that counts them) into view, the focus staying
      // on the control that was used.
      e.status.scrollIntoView({ block: "start" });
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
    if (this.canonicalizeAmounts(state, res)) state = this.state;
    this.renderStatus(state, res);
    this.renderFacets(state, res.facets);
    this.renderCharts(state, res.result_facets || res.facets);
    for (const [name, fs] of this.facetSearch) this.searchFacet(name, fs.text); // with the new filters
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

  /** canonicalizeAmounts turns ?amount_min=1,5 Md into ?amount_min=1500000000 once the API has read it. */
  canonicalizeAmounts(state, res) {
    if (state !== this.state || !res.filters) return false;
    const change = {};
    for (const k of ["amount_min", "amount_max"]) {
      const v = res.filters[k];
      if (state[k] && typeof v === "number" && String(v) !== state[k]) change[k] = String(v);
    }
    if (Object.keys(change).length === 0) return false;
    this.state = { ...state, ...change };
    history.replaceState(history.state, "", stateURL(this.state));
    this.syncControls(false);
    return true;
  }

  renderStatus(state, res) {
    const e = this.el;
    const parts = [];
    const total = Number(res.total) || 0;
    const strong = h("strong", {}, plural(total, "résultat", "résultats"));
    parts.push(strong);
    const q = state.q.trim();
    const searched = correctedQuery(q, res.corrections);
    if (searched !== q) {
      parts.push(" pour « ", h("span", { class: "corrected" }, searched), " »");
      parts.push(h("span", { class: "typed" }, ` (au lieu de « ${q} »)`));
    } else if (q) {
      parts.push(` pour « ${q} »`);
    }
    // What the total counts: with the reprints grouped, stories.
    if (res.counts === "stories") {
      parts.push(h("span", { class: "counted" }, ` · un par sujet (${plural(Number(res.articles) || 0, "article", "articles")})`));
    }
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
    for (const f of LIST_PARAMS) {
      for (const v of s[f]) {
        pills.push(pill(`${FILTER_NAMES[f]} : ${this.valueLabel(f.replace("exclude_", ""), v)}`, () => withChange(this.state, { [f]: this.state[f].filter((x) => x !== v) })));
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
    const stories = this.last && this.last.counts === "stories";
    e.facetsNote.textContent = stories
      ? "Le nombre à côté d'une valeur est celui des sujets (un article et ses reprises) qu'on obtient en la cochant ; ⊘ exclut la valeur."
      : "Le nombre à côté d'une valeur est celui des articles qu'on obtient en la cochant ; ⊘ exclut la valeur.";
    const focused = document.activeElement;
    const refocus = focused && focused.dataset && focused.dataset.facet
      ? { facet: focused.dataset.facet, value: focused.dataset.value, more: focused.dataset.more, exclude: focused.dataset.exclude, filter: focused.dataset.filter }
      : null;
    const groups = [];
    const term = (name, values, label) => {
      const selected = state[name];
      const excluded = EXCLUDES[name] ? state[EXCLUDES[name]] : [];
      const items = values.map((v) => ({
        value: v.value, label: label(v), count: v.count, checked: selected.includes(v.value), excluded: excluded.includes(v.value),
      }));
      for (const v of [...selected, ...excluded]) {
        if (!items.some((it) => it.value === v)) {
          items.push({ value: v, label: this.valueLabel(name, v), count: 0, checked: selected.includes(v), excluded: excluded.includes(v) });
        }
      }
      return items;
    };
    const searched = (name) => {
      const fs = this.facetSearch.get(name);
      return fs && fs.values && this.expanded.has(name) ? fs.values : facets[name] || [];
    };
    groups.push(["company", term("company", searched("company"), (v) => v.value)]);
    groups.push(["country", term("country", searched("country"), (v) => v.label || v.value)]);
    groups.push(["source", term("source", searched("source"), (v) => v.value)]);
    groups.push(["lang", term("lang", searched("lang"), (v) => languageName(v.value))]);
    groups.push(["month", (facets.month || []).map((v) => ({ value: v.value, label: formatMonth(v.value), count: v.count, checked: monthChecked(state, v.value) }))]);
    groups.push(["amount", (facets.amount || []).map((v) => ({ value: v.value, label: bandLabel(v), count: v.count, checked: bandChecked(state, v) }))]);

    for (const [name, items] of groups) {
      const box = document.querySelector(`#facet-${name} .facet-values`);
      box.replaceChildren(...this.facetValues(name, items, (facets[name] || []).length, stories));
    }
    if (refocus) {
      let sel = `input[data-facet="${CSS.escape(refocus.facet)}"][data-value="${CSS.escape(refocus.value || "")}"]`;
      if (refocus.more) sel = `button[data-facet="${CSS.escape(refocus.facet)}"][data-more]`;
      if (refocus.exclude) sel = `button[data-facet="${CSS.escape(refocus.facet)}"][data-exclude="${CSS.escape(refocus.value || "")}"]`;
      if (refocus.filter) sel = `input[data-facet="${CSS.escape(refocus.facet)}"][data-filter]`;
      const again = e.facets.querySelector(sel);
      if (again) again.focus({ preventScroll: true });
    }
  }

  /**
   * facetValues returns the values of one facet: the first few only unless
   * expanded; expanded, a box searches all the facet's values (API
   * facet_query), and values that can be excluded get a button to leave
   * them out.
   */
  facetValues(name, items, served, stories) {
    const open = this.expanded.has(name);
    const searchable = MULTI_FACETS.includes(name);
    const out = [];
    const fs = this.facetSearch.get(name);
    if (open && searchable) {
      const input = h("input", {
        type: "search", class: "facet-filter", "data-facet": name, "data-filter": "1", autocomplete: "off",
        placeholder: "Filtrer les valeurs…", "aria-label": `Chercher parmi les valeurs : ${FILTER_NAMES[name]}`,
        value: fs ? fs.text : "",
        oninput: (ev) => this.searchFacet(name, ev.target.value),
      });
      out.push(input);
    }
    if (items.length === 0) {
      out.push(h("p", { class: "facet-empty" }, fs && fs.text ? "Aucune valeur ne correspond" : "Aucune valeur"));
      return out;
    }
    const max = Math.max(...items.map((it) => it.count));
    const hidden = Math.max(0, items.length - FACET_VISIBLE);
    const list = h("ul", { class: "facet-list", role: "list" });
    items.forEach((it, i) => {
      if (!open && i >= FACET_VISIBLE && !it.checked && !it.excluded) return;
      const box = h("input", { type: "checkbox", "data-facet": name, "data-value": it.value });
      box.checked = it.checked;
      const li = h("li", { class: "facet-row" },
        h("label", { class: `facet-item${it.checked ? " is-checked" : ""}${it.excluded ? " is-excluded" : ""}${it.count === 0 ? " is-zero" : ""}`, title: it.label },
          box,
          h("span", { class: "facet-name" }, it.label),
          h("span", { class: "facet-count" }, nf.format(it.count), srOnly(stories ? (it.count > 1 ? " sujets" : " sujet") : (it.count > 1 ? " articles" : " article"))),
          facetBar(it.count, max)));
      if (EXCLUDES[name]) {
        li.append(h("button", {
          type: "button", class: `facet-exclude${it.excluded ? " is-on" : ""}`, "data-facet": name, "data-exclude": it.value,
          "aria-pressed": it.excluded ? "true" : "false",
          title: it.excluded ? `Ne plus exclure ${it.label}` : `Exclure ${it.label}`,
          onclick: () => this.toggleExclude(name, it.value),
        }, h("span", { "aria-hidden": "true" }, "⊘"), srOnly(it.excluded ? `Ne plus exclure ${it.label}` : `Exclure ${it.label}`)));
      }
      list.append(li);
    });
    out.push(list);
    if (hidden > 0 || open || (searchable && served >= 20)) {
      out.push(h("button", {
        type: "button", class: "link-button facet-more", "data-facet": name, "data-more": "1",
        "aria-expanded": open ? "true" : "false",
        onclick: () => {
          if (open) {
            this.expanded.delete(name);
            this.facetSearch.delete(name);
          } else {
            this.expanded.add(name);
            if (searchable) this.searchFacet(name, "");
          }
          if (this.last) this.renderFacets(this.state, this.last.facets);
        },
      }, open ? "Afficher moins" : hidden > 0 ? `Afficher plus (${plural(hidden, "autre valeur", "autres valeurs")})` : "Afficher plus"));
    }
    return out;
  }

  /**
   * searchFacet asks the API for the values of a facet matching text
   * (facet_query), up to FACET_SEARCH_SIZE, with the current filters.
   */
  searchFacet(name, text) {
    const prev = this.facetSearch.get(name) || {};
    const entry = { text, values: prev.values, seq: (prev.seq || 0) + 1 };
    this.facetSearch.set(name, entry);
    clearTimeout(entry.timer);
    clearTimeout(prev.timer);
    entry.timer = setTimeout(async () => {
      const params = apiParams({ ...this.state, page: 1 });
      params.set("facet_size", String(FACET_SEARCH_SIZE));
      params.set("per_page", "1");
      params.set("highlight", "none");
      if (text.trim()) params.set("facet_query", `${name}:${text.trim()}`);
      try {
        const res = await fetch(`/api/search?${params}`, { headers: { Accept: "application/json" } });
        if (!res.ok) return;
        const body = await res.json();
        if (this.facetSearch.get(name) !== entry) return; // typed on
        entry.values = body.facets[name] || [];
        if (this.last) this.renderFacets(this.state, this.last.facets);
      } catch {
        // the list stays as it was
      }
    }, text ? DEBOUNCE_MS : 0);
  }

  /** toggleExclude leaves a value out of the results, or brings it back. */
  toggleExclude(facet, value) {
    const s = this.state;
    const key = EXCLUDES[facet];
    const list = s[key].includes(value) ? s[key].filter((v) => v !== value) : [...s[key], value];
    const change = { [key]: list };
    if (s[facet].includes(value)) change[facet] = s[facet].filter((v) => v !== value); // not both kept and left out
    this.navigate(withChange(s, change), { push: true, reveal: true });
  }

  /**
   * renderCharts draws the counts within the results (every filter
   * applied, result_facets): unlike the sidebar's, which count what
   * ticking a value would give, no bar exceeds the number of results.
   */
  renderCharts(state, facets) {
    const e = this.el;
    e.charts.hidden = false;
    const width = (el) => Math.max(160, Math.floor(el.clientWidth || 300));
    const top = (name, list, label) => list.slice(0, 8).map((v) => {
      const on = state[name].includes(v.value);
      const next = withChange(state, { [name]: on ? state[name].filter((x) => x !== v.value) : [...state[name], v.value] });
      return { label: label(v), count: v.count, selected: on, next };
    });
    const months = facets.month || [];
    const what = this.last && this.last.counts === "stories" ? "Sujets" : "Articles";
    e.chartMonthTitle.textContent = `${what} ${histogram(months).byYear ? "par an" : "par mois"}`;
    e.chartMonth.replaceChildren(monthChart(months, state, width(e.chartMonth)));
    // Articles without a date are in no month: say how many.
    const dated = months.reduce((n, m) => n + m.count, 0);
    const undated = (Number(this.last && this.last.total) || 0) - dated;
    if (undated > 0) {
      e.chartMonth.append(h("p", { class: "chart-note" }, `${what === "Sujets" ? plural(undated, "sujet", "sujets") : plural(undated, "article", "articles")} sans date de publication`));
    }
    e.chartCompany.replaceChildren(barChart("Entreprises les plus citées", top("company", facets.company || [], (v) => v.value), width(e.chartCompany)));
    e.chartCountry.replaceChildren(barChart("Pays les plus cités", top("country", facets.country || [], (v) => v.label || v.value), width(e.chartCountry)));
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
          this.renderCharts(this.state, this.last.result_facets || this.last.facets);
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
    // The title opens the article inside veille (whole text, the query's
    // matches marked); the source's own page is a link of its own.
    const target = h("a", { href: articleURL(hit.id, s) });
    title.append(target);
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
    const url = safeURL(hit.url);
    if (url) meta.append(h("a", { href: url, rel: "noopener noreferrer", class: "hit-source", title: "Lire sur le site d'origine" }, "Site d'origine ↗"));

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
    const shown = amounts.slice(0, 4);
    const labels = moneyLabels(shown);
    shown.forEach((a, i) => chips.append(h("li", {}, amountChip(a, labels[i]))));
    if (amounts.length > 4) {
      const rest = amounts.slice(4);
      chips.append(h("li", {}, h("span", { class: "chip chip-more", title: rest.map((a) => a.text).join(" ; ") },
        `+${rest.length}`, srOnly(rest.length > 1 ? " autres montants" : " autre montant"))));
    }

    return h("li", { class: "hit", "data-id": hit.id },
      h("article", { "aria-labelledby": titleId }, title, meta, snippets, chips.childElementCount ? chips : null, this.storyOthers(hit)));
  }

  /**
   * storyOthers is, for a hit standing for a story (collapse=story), the
   * button « + 2 autres sources » that shows the story's other matching
   * articles beneath it; null for an article without copies.
   */
  storyOthers(hit) {
    const others = Number(hit.others) || 0;
    if (others <= 0) return null;
    const listId = `story-${hit.id}`;
    const items = (hit.other_hits || []).map((o) => {
      const meta = [o.source || "Source inconnue"];
      if (o.published) meta.push(formatDate(o.published));
      return h("li", { class: "story-item" },
        h("a", { href: articleURL(o.id, this.state) }, o.title || o.id),
        h("span", { class: "story-meta" }, ` · ${meta.join(" · ")}`));
    });
    const listed = items.length;
    if (others > listed) items.push(h("li", { class: "story-more" }, `et ${plural(others - listed, "autre article", "autres articles")}`));
    const list = h("ul", { class: "story-list", id: listId, hidden: true }, items);
    const label = `+ ${plural(others, "autre source", "autres sources")}`;
    const button = h("button", {
      type: "button", class: "link-button story-toggle", "aria-expanded": "false", "aria-controls": listId,
      onclick: () => {
        const open = list.hidden;
        list.hidden = !open;
        button.setAttribute("aria-expanded", open ? "true" : "false");
        button.textContent = open ? "Masquer les autres sources" : label;
      },
    }, label);
    return h("div", { class: "story" }, button, list);
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
    const { title, text, retry } = errorMessage(outcome);
    const children = [h("h3", {}, title), h("p", {}, text)];
    const actions = h("ul", { class: "notice-actions" });
    if (retry) {
      actions.append(h("li", {}, h("button", { type: "button", class: "button button-small button-primary", onclick: () => this.search() }, "Réessayer")));
    }
    if (filterCount(this.state) > 0 || this.state.sort || this.state.page > 1) {
      actions.append(h("li", {}, h("button", {
        type: "button", class: `button button-small${retry ? "" : " button-primary"}`,
        onclick: () => this.navigate({ ...emptyState(), q: this.state.q }, { push: true }),
      }, "Retirer les filtres")));
    }
    if (actions.childElementCount) children.push(actions);
    e.error.replaceChildren(...children);
    e.error.dataset.code = (outcome.error && outcome.error.code) || (outcome.status === 0 ? "network" : String(outcome.status));
    e.error.hidden = false;
    e.hits.replaceChildren();
    e.empty.hidden = true;
    e.pager.hidden = true;
    e.charts.hidden = true;
    e.status.textContent = "Erreur";
  }
}

/** PARAMETER_NAMES names the parameters an error may be about, in French. */
const PARAMETER_NAMES = {
  q: "La recherche", mode: "Le mode de recherche", prefix: "La saisie", company: "Le filtre d'entreprise",
  country: "Le filtre de pays", lang: "Le filtre de langue", source: "Le filtre de source",
  exclude_company: "L'entreprise exclue", exclude_country: "Le pays exclu", exclude_source: "La source exclue",
  amount_min: "Le montant minimum", amount_max: "Le montant maximum", from: "La date de début", to: "La date de fin",
  sort: "Le tri", page: "La page", per_page: "Le nombre de résultats par page", cursor: "Le lien de page",
  facet_query: "La recherche dans un filtre", facet_size: "Le nombre de valeurs d'un filtre",
};

/**
 * errorMessage returns the page's own French words for a failed search,
 * by the API's error code (and the parameter at fault): the API's
 * messages are English, for developers. retry says whether trying again
 * can help.
 */
function errorMessage(outcome) {
  const err = outcome.error || {};
  const param = err.parameter || "";
  if (outcome.status === 0) {
    return outcome.aborted
      ? { title: "La recherche a pris trop de temps", text: "Le service met trop de temps à répondre. Réessayez, ou précisez la recherche.", retry: true }
      : { title: "Le service ne répond pas", text: "Vérifiez que le service tourne et que vous êtes connecté, puis réessayez.", retry: true };
  }
  switch (err.code) {
    case "invalid_parameter": {
      let text = `${PARAMETER_NAMES[param] || "Un paramètre de la recherche"} n'est pas valide : corrigez-le ou retirez le filtre.`;
      if (param === "amount_min" || param === "amount_max") {
        text = `${PARAMETER_NAMES[param]} n'est pas reconnu : écrivez par exemple 500000, 100 M ou 1,5 Md, en euros.`;
      } else if (param === "from" || param === "to") {
        text = `${PARAMETER_NAMES[param]} n'est pas une date valide : choisissez un jour dans le calendrier.`;
      } else if (param === "country" || param === "exclude_country") {
        text = "Ce pays est inconnu : choisissez-le dans la liste des pays.";
      } else if (param === "page" || param === "per_page") {
        text = "Cette page de résultats n'existe pas ou est trop loin : revenez à la première page.";
      }
      return { title: "La recherche n'est pas valide", text, retry: false };
    }
    case "invalid_query":
      if (param === "cursor") return { title: "Ce lien de page a expiré", text: "Revenez à la première page des résultats.", retry: false };
      return { title: "La recherche n'est pas valide", text: "La recherche est trop longue, a trop de mots ou coûte trop cher à calculer : raccourcissez-la, ou utilisez des mots plus rares.", retry: false };
    case "busy":
      return { title: "Le service est occupé", text: "Trop de recherches coûteuses sont en cours. Réessayez dans un instant.", retry: true };
    case "timeout":
      return { title: "La recherche a pris trop de temps", text: "Précisez-la : moins de mots fréquents, des guillemets en moins ou des filtres en plus.", retry: true };
    case "unavailable":
    case "not_ready":
      return { title: "Le service est momentanément indisponible", text: "Il démarre, s'arrête ou ne peut plus lire ses données. Réessayez dans un instant.", retry: true };
    case "not_found":
    case "method_not_allowed":
      return { title: "La recherche a échoué", text: "Le service ne connaît pas cette adresse : est-ce bien veille ?", retry: false };
  }
  if (outcome.status >= 400 && outcome.status < 500) {
    return { title: "La recherche n'est pas valide", text: "Le service a refusé la recherche : retirez les filtres ou changez la recherche.", retry: false };
  }
  return { title: "La recherche a échoué", text: `Le service a rencontré une erreur (${outcome.status}). Réessayez ; si elle revient, le journal du service en dit plus.`, retry: true };
}

/**
 * correctedQuery returns q with the words the API searched in place of
 * some of its words (typos corrected, a word being typed completed).
 */
function correctedQuery(q, corrections) {
  if (!q || !corrections) return q;
  let out = q;
  for (const [from, to] of Object.entries(corrections)) {
    if (!from) continue;
    const at = out.indexOf(from);
    if (at >= 0) out = out.slice(0, at) + to + out.slice(at + from.length);
  }
  return out;
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

/**
 * moneyLabels formats amounts with the precision that tells them apart:
 * 138.6 and 139.4 million read "138,6 M€" and "139,4 M€", not "139 M€"
 * twice.
 */
function moneyLabels(list) {
  for (let digits = 3; digits <= 8; digits++) {
    const labels = list.map((a) => formatMoney(a.value, a.currency, digits));
    const distinct = list.every((a, i) => list.every((b, j) => i === j || labels[i] !== labels[j] || (a.value === b.value && a.currency === b.currency)));
    if (distinct) return labels;
  }
  return list.map((a) => formatMoney(a.value, a.currency, 15));
}

function amountChip(a, label) {
  const main = label || formatMoney(a.value, a.currency);
  const chip = h("span", { class: "chip chip-amount", title: a.text || main }, srOnly("Montant : "), main);
  if (a.currency !== "EUR" && typeof a.eur === "number" && a.eur > 0) {
    chip.append(" ", h("small", {}, `≈ ${formatEuros(a.eur)}`));
  }
  return chip;
}

// ---------------------------------------------------------------------------
// Alerts: « Créer une alerte » saves the open search (its URL state) with
// POST /api/alerts; the sidebar lists the alerts with their unread matches;
// Server-Sent Events (/api/alerts/events) bring each new match, counted on
// its alert and, when the alert is the open search, in a badge « 3 nouveaux
// articles » that shows them; « Marquer comme lu » moves the alert's
// read_through to its newest match.

/** searchKey names the articles a search matches: its parameters but the page, the sort and the grouping, in a stable order. */
function searchKey(params) {
  const pairs = [];
  for (const [k, v] of params) {
    if (!["page", "sort", "collapse", "pretty"].includes(k) && v !== "") pairs.push(`${k}=${v}`);
  }
  return pairs.sort().join("&");
}

/** alertParams turns an alert's saved query (lists as arrays) into search parameters. */
function alertParams(query) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) for (const x of [].concat(v)) p.append(k, String(x));
  return p;
}

/** alertQuery turns the search parameters of a state into an alert's query: repeatable parameters as arrays, no page. */
function alertQuery(s) {
  const o = {};
  for (const [k, v] of toParams({ ...s, page: 1 })) {
    if (LIST_PARAMS.includes(k)) (o[k] ||= []).push(v);
    else o[k] = v;
  }
  return o;
}

class Alerts {
  constructor(app) {
    this.app = app;
    this.list = [];
    this.fresh = new Map(); // alert id -> matches arrived while this search is open
    this.freshKey = null;
    this.source = null;
    this.el = {
      panel: $("alerts"), items: $("alerts-list"), count: $("alerts-count"), badge: $("alert-badge"),
      create: $("create-alert"), form: $("alert-form"), name: $("alert-name"), cancel: $("alert-cancel"), message: $("alert-message"),
    };
  }

  start() {
    const e = this.el;
    e.create.addEventListener("click", () => {
      e.form.hidden = false;
      e.message.hidden = true;
      if (!e.name.value) e.name.value = this.app.state.q.trim() || "Ma recherche";
      e.name.focus();
      e.name.select();
    });
    e.cancel.addEventListener("click", () => { e.form.hidden = true; });
    e.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.create(e.name.value.trim());
    });
    e.badge.addEventListener("click", () => {
      this.fresh.clear();
      this.app.navigate({ ...this.app.state, page: 1 }, { push: false, focusResults: true });
    });
    e.items.addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-read]");
      if (b) this.markRead(b.dataset.read);
    });
    this.load();
  }

  async load() {
    try {
      const res = await fetch("/api/alerts", { headers: { Accept: "application/json" } });
      if (!res.ok) return; // no alerts here, or not allowed to manage them
      const body = await res.json();
      this.list = body.alerts || [];
      this.render();
      if (this.list.length) this.listen();
    } catch {
      // the panel keeps what it showed
    }
  }

  /** listen follows the event stream; EventSource reconnects with Last-Event-ID by itself. */
  listen() {
    if (this.source) return;
    this.source = new EventSource("/api/alerts/events");
    this.source.addEventListener("open", () => { this.el.panel.dataset.live = "true"; });
    this.source.addEventListener("match", (ev) => {
      let d;
      try {
        d = JSON.parse(ev.data);
      } catch {
        return;
      }
      const a = this.list.find((x) => x.id === (d.alert && d.alert.id));
      if (!a) {
        this.load(); // an alert made elsewhere
        return;
      }
      a.unread = d.unread;
      a.matches = (a.matches || 0) + 1;
      if (searchKey(alertParams(a.query)) === searchKey(toParams(this.app.state))) {
        this.fresh.set(a.id, (this.fresh.get(a.id) || 0) + 1);
      }
      this.render();
    });
  }

  say(text, error = false) {
    const m = this.el.message;
    m.textContent = text;
    m.classList.toggle("error", error);
    m.hidden = false;
  }

  async create(name) {
    const e = this.el;
    try {
      const res = await fetch("/api/alerts", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ name, query: alertQuery(this.app.state) }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        this.say(`L'alerte n'a pas été créée : ${(body.error && body.error.message) || `erreur ${res.status}`}`, true);
        return;
      }
      this.list.push(body);
      e.form.hidden = true;
      e.name.value = "";
      this.say(`Alerte « ${body.name} » créée : les nouveaux articles de cette recherche seront signalés ici.`);
      this.render();
      this.listen();
    } catch {
      this.say("L'alerte n'a pas été créée : le service ne répond pas.", true);
    }
  }

  /** markRead marks every match of an alert as read, up to its newest. */
  async markRead(id) {
    const a = this.list.find((x) => x.id === id);
    if (!a) return;
    try {
      const res = await fetch(`/api/alerts/${encodeURIComponent(id)}/matches?limit=1`, { headers: { Accept: "application/json" } });
      if (!res.ok) return;
      const newest = ((await res.json()).matches || [])[0];
      if (!newest) return;
      const body = { name: a.name, query: a.query, read_through: newest.seq };
      if (a.webhook) body.webhook = a.webhook;
      const put = await fetch(`/api/alerts/${encodeURIComponent(id)}`, {
        method: "PUT",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      if (!put.ok) return;
      Object.assign(a, await put.json());
      this.fresh.delete(id);
      this.render();
    } catch {
      // the alert stays unread
    }
  }

  /** render shows the list and the badge of the open search. */
  render() {
    const e = this.el;
    const key = searchKey(toParams(this.app.state));
    if (key !== this.freshKey) {
      this.fresh.clear(); // another search: its own new articles only
      this.freshKey = key;
    }
    e.panel.hidden = this.list.length === 0;
    const unread = this.list.reduce((n, a) => n + (a.unread || 0), 0);
    e.count.textContent = unread ? `${this.list.length} · ${unread} non lus` : String(this.list.length);
    e.items.replaceChildren(...this.list.map((a) => {
      const open = searchKey(alertParams(a.query)) === key;
      return h("li", { class: `source alert-item${a.unread ? " alert-unread" : ""}`, "data-alert": a.id },
        h("span", { class: "source-text" },
          h("a", { class: "source-name", href: stateURL(parseState(`?${alertParams(a.query)}`)), "aria-current": open ? "page" : null }, a.name),
          h("span", { class: "source-facts alert-count" },
            a.unread ? plural(a.unread, "nouveau", "nouveaux") : plural(a.matches || 0, "article signalé", "articles signalés"))),
        a.unread ? h("button", { type: "button", class: "button button-ghost alert-read", "data-read": a.id }, "Marquer comme lu") : null);
    }));
    const n = [...this.fresh.values()].reduce((x, y) => x + y, 0);
    e.badge.hidden = n === 0;
    e.badge.textContent = n ? plural(n, "nouvel article", "nouveaux articles") : "";
  }
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
