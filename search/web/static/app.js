// newslink search page: a client of the JSON API (/search, /entities, /articles) and nothing else.
// The URL is the whole state: /?q=…&country=Q794&since=…&page=2 (search), /?article=ID, /?entity=Q794.
// Text from articles, the KB or the user is only ever put into the page as text nodes; the one
// markup the API sends (<b>…</b> around matches in otherwise HTML-escaped snippets) is turned into
// <mark> elements by appendMarked; no string is ever parsed as HTML.
"use strict";

const TYPES = ["person", "country", "place", "org", "weapon"];
const FACETS = [...TYPES, "source"];
const TYPE_NAMES = { person: "People", country: "Countries", place: "Places", org: "Organizations", weapon: "Weapons", source: "Sources" };
const TYPE_ONE = { person: "person", country: "country", place: "place", org: "organization", weapon: "weapon", source: "source" };
const FACET_SHOWN = 8; // values per facet panel before "show more"
const FACET_MORE = 50; // values per facet panel after it
const PAGE_SIZE = 10;
const RESULT_WINDOW = 10000; // page × size the API answers (MAX_RESULT_WINDOW)
const NUM = new Intl.NumberFormat("en");

// ------------------------------------------------------------------ small DOM helpers
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const $ = (sel) => document.querySelector(sel);
function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
function unescapeHtml(s) {
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g, (m, e) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return Object.prototype.hasOwnProperty.call(ENTITIES, e) ? ENTITIES[e] : m;
  });
}

// The API's highlight markup: HTML-escaped text with <b>…</b> around matches. Only that tag
// becomes an element (<mark>); everything else is unescaped and added as text.
function appendMarked(el, marked) {
  let bold = false;
  for (const part of String(marked).split(/(<b>|<\/b>)/)) {
    if (part === "<b>") { bold = true; continue; }
    if (part === "</b>") { bold = false; continue; }
    if (!part) continue;
    const text = document.createTextNode(unescapeHtml(part));
    el.append(bold ? h("mark", null, text) : text);
  }
  return el;
}

function wikidataUrl(qid) { return "https://www.wikidata.org/wiki/" + encodeURIComponent(qid); }
function fmtDate(iso) { return iso ? String(iso).slice(0, 10) : "undated"; }
function plural(n, one, many) { return NUM.format(n) + " " + (n === 1 ? one : many || one + "s"); }

// ------------------------------------------------------------------ state <-> URL
function readState(search) {
  const p = new URLSearchParams(search);
  const s = { q: p.get("q") || "", match: p.get("match") === "all" ? "all" : "any", sort: p.get("sort") || "relevance",
    since: p.get("since") || "", until: p.get("until") || "", page: Math.max(1, parseInt(p.get("page") || "1", 10) || 1),
    more: p.getAll("more").filter((t) => FACETS.includes(t)), article: p.get("article"), entity: p.get("entity"), filters: {} };
  if (!["relevance", "newest", "oldest"].includes(s.sort)) s.sort = "relevance";
  for (const t of FACETS) s.filters[t] = [...new Set(p.getAll(t).filter(Boolean))];
  return s;
}

function searchParams(s) {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  for (const t of FACETS) for (const v of s.filters[t] || []) p.append(t, v);
  if (s.match === "all") p.set("match", "all");
  if (s.since) p.set("since", s.since);
  if (s.until) p.set("until", s.until);
  if (s.sort && s.sort !== "relevance") p.set("sort", s.sort);
  if (s.page > 1) p.set("page", String(s.page));
  for (const t of s.more || []) p.append("more", t);
  return p;
}

function urlOf(s) { const qs = searchParams(s).toString(); return "/" + (qs ? "?" + qs : ""); }
function articleUrl(id) { return "/?" + new URLSearchParams({ article: id }).toString(); }
function entityUrl(qid) { return "/?" + new URLSearchParams({ entity: qid }).toString(); }
function filterUrl(type, value) { const s = readState(""); s.filters[type] = [value]; return urlOf(s); }

let current = readState(location.search);

function go(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", url); else history.pushState(null, "", url);
  window.scrollTo(0, 0);
  route();
}
function update(change) {
  const s = structuredClone(current);
  s.article = null; s.entity = null;
  change(s);
  go(urlOf(s));
}

// Links inside the page navigate without reloading (middle-click and modifiers still open a tab).
document.addEventListener("click", (ev) => {
  const a = ev.target.closest && ev.target.closest("a[data-nav]");
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  ev.preventDefault();
  go(a.getAttribute("href"));
});
function navLink(href, attrs, ...children) { return h("a", { href, "data-nav": "", ...attrs }, ...children); }

// ------------------------------------------------------------------ API
let generation = 0; // answers to an older navigation are dropped

class ApiFailure extends Error {}

async function api(path, params) {
  const url = path + (params && [...params].length ? "?" + params.toString() : "");
  let resp;
  try {
    resp = await fetch(url, { headers: { Accept: "application/json" } });
  } catch (err) {
    throw new ApiFailure("The server did not answer (" + err.message + ").");
  }
  let body = null;
  try { body = await resp.json(); } catch (_) { /* not JSON */ }
  if (!resp.ok) throw new ApiFailure((body && body.error) || "HTTP " + resp.status);
  return body;
}

function showError(message) {
  const box = $("#status");
  box.textContent = message;
  box.hidden = !message;
}

// ------------------------------------------------------------------ router
function route() {
  current = readState(location.search);
  const gen = ++generation;
  showError("");
  closeSuggestions();
  const view = current.article ? "article" : current.entity ? "entity" : "search";
  const focusKey = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.focus : undefined;
  const viewChanged = shownView !== null && shownView !== view;
  shownView = view;
  for (const v of ["search", "article", "entity"]) $("#" + v + "-view").hidden = v !== view;
  const done = view === "article" ? showArticle(current.article, gen)
    : view === "entity" ? showEntity(current.entity, gen) : showSearch(current, gen);
  done.then(() => { if (gen === generation) restoreFocus(focusKey, viewChanged); });
  done.catch((err) => {
    if (gen !== generation) return;
    showError(err instanceof ApiFailure ? err.message : "Something went wrong: " + err.message);
    if (!(err instanceof ApiFailure)) console.warn(err);
    ready("error");
  });
}
window.addEventListener("popstate", route);

// Keyboard users keep their place: a control that was re-drawn (a facet box, "show more", a pager
// link: elements with data-focus) gets the focus back; when the focused element went away or
// another view opened, the focus moves to the main region, not to the top of the document.
let shownView = null;
function restoreFocus(key, viewChanged) {
  if (renders <= 1) return; // a page just opened: the focus stays where the browser puts it
  const again = key && document.querySelector('[data-focus="' + CSS.escape(key) + '"]');
  if (again) { again.focus({ preventScroll: true }); return; }
  const active = document.activeElement;
  if (viewChanged || !active || active === document.body) $("#main").focus({ preventScroll: true });
}

let renders = 0;
function ready(view) {
  // What the browser tests (and bench/web_first_render.py) wait for: which view, how many renders.
  document.body.dataset.ready = view;
  document.body.dataset.renders = String(++renders);
  if (renders === 1 && performance.mark) performance.mark("newslink-first-render");
}

// ------------------------------------------------------------------ search view
async function showSearch(s, gen) {
  const input = $("#q");
  if (document.activeElement !== input || !input.value) input.value = s.q;
  $("#match").value = s.match;
  $("#sort").value = s.sort;
  $("#since").value = /^\d{4}-\d{2}-\d{2}$/.test(s.since) ? s.since : "";
  $("#until").value = /^\d{4}-\d{2}-\d{2}$/.test(s.until) ? s.until : "";
  document.title = s.q ? s.q + " — newslink" : "newslink";
  $("#article-back").setAttribute("href", location.pathname + location.search);

  const p = searchParams({ ...s, more: [] });
  p.set("size", String(PAGE_SIZE));
  p.set("facets", FACETS.join(","));
  p.set("facet_size", String(s.more.length ? FACET_MORE : FACET_SHOWN + 1));
  p.set("histogram", "auto");
  const data = await api("/search", p);
  if (gen !== generation) return;
  canonicalize(s, data.query.filters || {});
  renderChips(s, data);
  renderNotices(data.query.notices || []);
  renderFacets(s, data.facets);
  renderTimeline($("#timeline"), data.histogram, "Articles per " + ((data.histogram && data.histogram.interval) || "period") +
    " (select a bar, or drag across bars, to keep only that period)", (since, until) => update((n) => { n.since = since; n.until = until; n.page = 1; }));
  renderHits($("#results"), data.hits);
  const heading = $("#results-heading");
  heading.textContent = data.total ? plural(data.total, "article") + (s.page > 1 ? ", page " + s.page : "")
    : "No articles match" + (s.q || Object.values(s.filters).some((v) => v.length) ? "" : " (the index is empty)");
  renderPager(s, data.total);
  renderExport(s, data.total);
  ready("search");
}

// Names in the URL (?person=Netanyahu, as the API takes them) become the QIDs the API read them
// as, in place (no new history entry), so facet boxes and chips address one value each.
function canonicalize(s, resolved) {
  let changed = false;
  for (const t of TYPES) {
    const qids = resolved[t] || [];
    if (qids.length === s.filters[t].length && qids.some((q, i) => q !== s.filters[t][i])) { s.filters[t] = [...qids]; changed = true; }
  }
  if (changed) history.replaceState(null, "", urlOf(s));
}

function renderHits(list, hits) {
  clear(list);
  for (const hit of hits) {
    const title = h("a", { href: articleUrl(hit.id), "data-nav": "" });
    if (hit.title_html) appendMarked(title, hit.title_html); else title.textContent = hit.title || "(untitled)";
    const tags = h("ul", { class: "tags", "aria-label": "Entities" });
    for (const e of (hit.entities || []).slice(0, 8)) {
      const via = (e.via || []).map((v) => v.label || v.qid).join(", ");  // a country rolled up from its places
      tags.append(h("li", null, navLink(entityUrl(e.qid), { class: "tag t-" + e.type, title: TYPE_ONE[e.type] + ", " + (via ? "not named: via " + via : plural(e.count, "mention")) }, via ? e.label + " (via " + via + ")" : e.label)));
    }
    list.append(h("li", { class: "hit" },
      h("h3", null, title),
      h("p", { class: "meta" }, fmtDate(hit.published), hit.source ? " · " + hit.source : ""),
      hit.snippet ? appendMarked(h("p", { class: "snippet" }), hit.snippet) : null,
      tags.childNodes.length ? tags : null));
  }
}

function labelsFrom(facets) {
  const out = {};
  for (const [t, buckets] of Object.entries(facets || {})) for (const b of buckets) out[t + ":" + b.qid] = b.label;
  return out;
}

function renderChips(s, data) {
  const box = clear($("#chips"));
  const labels = labelsFrom(data.facets);
  const resolved = (data.query && data.query.filters) || {};
  let any = false;
  for (const t of FACETS) {
    (s.filters[t] || []).forEach((value, i) => {
      const qid = t === "source" ? value : ((resolved[t] || [])[i] || value);
      const label = labels[t + ":" + qid] || labels[t + ":" + value] || value;
      any = true;
      box.append(h("button", { type: "button", class: "chip t-" + t, "aria-label": "Remove " + TYPE_ONE[t] + " filter " + label,
        onclick: () => update((n) => { n.filters[t] = n.filters[t].filter((v) => v !== value); n.page = 1; }) },
      h("span", null, TYPE_ONE[t] + ": " + label), h("span", { class: "x", "aria-hidden": "true" }, "×")));
    });
  }
  if (s.since || s.until) {
    any = true;
    const text = (s.since || "…") + " – " + (s.until || "…");
    box.append(h("button", { type: "button", class: "chip t-date", "aria-label": "Remove date range " + text,
      onclick: () => update((n) => { n.since = ""; n.until = ""; n.page = 1; }) },
    h("span", null, "published " + text), h("span", { class: "x", "aria-hidden": "true" }, "×")));
  }
  const selected = FACETS.reduce((n, t) => n + (s.filters[t] || []).length, 0) + (s.since || s.until ? 1 : 0);
  $("#filters > summary").textContent = selected ? "Filters (" + selected + " selected)" : "Filters";
  if (any) {
    box.append(h("button", { type: "button", class: "chip clear-all",
      onclick: () => update((n) => { for (const t of FACETS) n.filters[t] = []; n.since = ""; n.until = ""; n.page = 1; }) }, "Clear all filters"));
  }
}

function renderNotices(notices) {
  const box = clear($("#notices"));
  for (const n of notices) box.append(h("p", null, (n.level === "warning" ? "Warning: " : "Note: ") + n.message));
}

function renderFacets(s, facets) {
  const box = clear($("#facets"));
  for (const t of FACETS) {
    const buckets = (facets && facets[t]) || [];
    const expanded = s.more.includes(t);
    const shown = expanded ? buckets : buckets.filter((b, i) => i < FACET_SHOWN || b.selected);
    const id = "facet-" + t;
    const list = h("ul", { id: id + "-list" });
    for (const b of shown) {
      const box_ = h("input", { type: "checkbox", checked: b.selected, "data-type": t, "data-value": b.qid, "data-focus": "facet:" + t + ":" + b.qid,
        onchange: (ev) => update((n) => {
          const vals = n.filters[t];
          if (ev.target.checked) { if (!vals.includes(b.qid)) vals.push(b.qid); } else n.filters[t] = vals.filter((v) => v !== b.qid);
          n.page = 1;
        }) });
      list.append(h("li", null, h("label", null, box_, h("span", { class: "name t-" + t }, b.label), h("span", { class: "count" }, NUM.format(b.count)))));
    }
    const panel = h("section", { class: "panel facet", "aria-labelledby": id }, h("h3", { id, class: "t-" + t }, TYPE_NAMES[t]));
    panel.append(buckets.length ? list : h("p", { class: "empty" }, "none in these articles"));
    if (expanded || buckets.length > shown.length) {
      panel.append(h("button", { type: "button", class: "link more", "aria-controls": id + "-list", "data-focus": "more:" + t,
        onclick: () => update((n) => { n.more = expanded ? n.more.filter((x) => x !== t) : [...n.more, t]; }) },
      expanded ? "Show fewer" : "Show more " + TYPE_NAMES[t].toLowerCase()));
    }
    box.append(panel);
  }
}

// Every match as a file, from the API's /export (which takes the filters but no sort or page).
function renderExport(s, total) {
  const box = clear($("#export"));
  if (!total) return;
  const p = searchParams({ ...s, sort: "relevance", page: 1, more: [] });
  const link = (format) => { const q = new URLSearchParams(p); q.set("format", format); return h("a", { href: "/export?" + q.toString(), download: "" }, format.toUpperCase()); };
  box.append("Download " + (total === 1 ? "it" : total === 2 ? "both" : "all " + NUM.format(total)) + ": ", link("csv"), " · ", link("jsonl"));
}

function renderPager(s, total) {
  const nav = clear($("#pager"));
  const last = Math.max(1, Math.min(Math.ceil(total / PAGE_SIZE), Math.floor(RESULT_WINDOW / PAGE_SIZE)));
  if (last <= 1) return;
  const to = (page) => urlOf({ ...s, page });
  if (s.page > 1) nav.append(navLink(to(s.page - 1), { rel: "prev", "data-focus": "pager:prev" }, "← Previous"));
  nav.append(h("span", { "aria-current": "page" }, "Page " + s.page + " of " + NUM.format(last)));
  if (s.page < last) nav.append(navLink(to(s.page + 1), { rel: "next", "data-focus": "pager:next" }, "Next →"));
}

// ------------------------------------------------------------------ timeline
function periodEnd(key, interval) {
  const d = new Date(key + "T00:00:00Z");
  if (interval === "week") d.setUTCDate(d.getUTCDate() + 6);
  else if (interval === "month") { d.setUTCMonth(d.getUTCMonth() + 1, 1); d.setUTCDate(0); }
  else if (interval === "year") { d.setUTCFullYear(d.getUTCFullYear(), 11, 31); }
  return d.toISOString().slice(0, 10);
}

function renderTimeline(figure, histogram, caption, onPick) {
  const bars = clear(figure.querySelector(".bars"));
  const buckets = (histogram && histogram.buckets) || [];
  figure.hidden = buckets.length < 2;
  if (figure.hidden) return;
  figure.querySelector("figcaption").textContent = caption;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  for (const b of buckets) {
    const end = periodEnd(b.key, histogram.interval);
    bars.append(h("button", { type: "button", class: (b.selected ? "sel" : "") + (b.count ? "" : " zero"),
      style: null, "aria-label": b.label + ": " + plural(b.count, "article"), title: b.label + ": " + plural(b.count, "article"),
      "aria-pressed": b.selected ? "true" : "false", onclick: () => onPick(b.key, end) }));
    bars.lastChild.style.setProperty("--h", Math.max(3, Math.round((100 * b.count) / max)) + "%");
  }
  // Dragging across bars picks the stretch from the first to the last (a click picks one bar).
  // Pointer down and up on different bars make no click on either, so the two never both fire.
  const index = (el) => (el && el.parentNode === bars ? Array.prototype.indexOf.call(bars.children, el) : -1);
  const mark = (from, to) => Array.from(bars.children).forEach((el, i) =>
    el.classList.toggle("range", from >= 0 && i >= Math.min(from, to) && i <= Math.max(from, to)));
  let from = -1;
  bars.onpointerdown = (ev) => { from = index(ev.target); };
  bars.onpointerover = (ev) => { if (from >= 0 && ev.buttons) mark(from, Math.max(0, index(ev.target))); };
  bars.onpointerleave = () => mark(-1, -1);
  bars.onpointerup = (ev) => {
    const to = index(document.elementFromPoint(ev.clientX, ev.clientY));
    const start = from;
    from = -1;
    mark(-1, -1);
    if (start < 0 || to < 0 || start === to) return;
    const [a, b] = start < to ? [start, to] : [to, start];
    onPick(buckets[a].key, periodEnd(buckets[b].key, histogram.interval));
  };
  let axis = figure.querySelector(".axis");
  if (!axis) { axis = h("div", { class: "axis", "aria-hidden": "true" }); figure.append(axis); }
  clear(axis).append(h("span", null, buckets[0].label), h("span", null, buckets[buckets.length - 1].label));
}

// ------------------------------------------------------------------ filters panel
function initFilters() {
  const details = $("#filters");
  const wide = window.matchMedia("(min-width: 761px)");
  const sync = () => { if (wide.matches) details.open = true; };
  sync();
  wide.addEventListener("change", sync);
  $("#apply-dates").addEventListener("click", () => update((n) => { n.since = $("#since").value; n.until = $("#until").value; n.page = 1; }));
  $("#clear-dates").addEventListener("click", () => update((n) => { n.since = ""; n.until = ""; n.page = 1; }));
  for (const id of ["since", "until"]) {
    $("#" + id).addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); $("#apply-dates").click(); } });
  }
  $("#match").addEventListener("change", (ev) => update((n) => { n.match = ev.target.value; n.page = 1; }));
  $("#sort").addEventListener("change", (ev) => update((n) => { n.sort = ev.target.value; n.page = 1; }));
}

// ------------------------------------------------------------------ query box + autocomplete
let suggestions = [];
let active = -1;
let suggestGen = 0;
let suggestTimer = null;

// The word being typed: the autocomplete prefix, unless it is query syntax (-x, "…", title:, OR).
function currentWord(input) {
  const end = input.selectionStart ?? input.value.length;
  const before = input.value.slice(0, end);
  const m = /(^|\s)([^\s]*)$/.exec(before);
  const word = m ? m[2] : "";
  const quotes = (before.match(/"/g) || []).length;
  if (quotes % 2 === 1 || /^[-"]|:|"/.test(word) || word === "OR" || word.length < 2) return null;
  return { word, start: end - word.length, end };
}

function closeSuggestions() {
  suggestions = []; active = -1;
  const list = $("#suggestions");
  clear(list); list.hidden = true;
  const input = $("#q");
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
}

function renderSuggestions() {
  const list = clear($("#suggestions"));
  const input = $("#q");
  if (!suggestions.length) { closeSuggestions(); return; }
  suggestions.forEach((e, i) => {
    list.append(h("li", { id: "sugg-" + i, role: "option", "aria-selected": i === active ? "true" : "false",
      onmousedown: (ev) => { ev.preventDefault(); choose(i); } },
    h("span", { class: "t-" + e.type }, e.label), " ", h("span", { class: "kind" }, "· " + TYPE_ONE[e.type]),
    e.description ? h("span", { class: "desc" }, e.description) : null));
  });
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
  if (active >= 0) input.setAttribute("aria-activedescendant", "sugg-" + active); else input.removeAttribute("aria-activedescendant");
}

async function suggest() {
  const input = $("#q");
  const w = currentWord(input);
  const gen = ++suggestGen;
  if (!w) { closeSuggestions(); return; }
  try {
    const data = await api("/entities", new URLSearchParams({ prefix: w.word, limit: "8" }));
    if (gen !== suggestGen || document.activeElement !== input) return;
    suggestions = data.entities.filter((e) => TYPES.includes(e.type));
    active = -1;
    $("#suggestions").dataset.prefix = w.word; // which word the list answers (the tests wait for it)
    renderSuggestions();
  } catch (err) {
    if (gen === suggestGen) closeSuggestions(); // a suggestion that failed is no error worth a banner
  }
}

// Choosing a suggestion makes it a filter (a chip) and takes the typed word out of the query.
function choose(i) {
  const e = suggestions[i];
  const input = $("#q");
  const w = currentWord(input);
  let q = input.value;
  if (w) q = (q.slice(0, w.start) + q.slice(w.end)).replace(/\s+/g, " ").trim();
  input.value = q;
  closeSuggestions();
  update((n) => { n.q = q; if (!n.filters[e.type].includes(e.qid)) n.filters[e.type].push(e.qid); n.page = 1; });
  input.focus();
}

function initQueryBox() {
  const input = $("#q");
  input.addEventListener("input", () => {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, 120);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" && suggestions.length) { active = (active + 1) % suggestions.length; renderSuggestions(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" && suggestions.length) { active = active <= 0 ? suggestions.length - 1 : active - 1; renderSuggestions(); ev.preventDefault(); }
    else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); choose(active); }
    else if (ev.key === "Escape" && suggestions.length) { ev.preventDefault(); closeSuggestions(); }
  });
  input.addEventListener("blur", () => setTimeout(closeSuggestions, 100));
  $("#search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearTimeout(suggestTimer); suggestGen++;
    const q = input.value.trim();
    update((n) => { n.q = q; n.page = 1; });
  });
}

// ------------------------------------------------------------------ article view
function segments(text, mentions) {
  // Offsets count code points (Python), so the text is split into code points, not UTF-16 units.
  const chars = Array.from(text);
  const out = [];
  let at = 0;
  for (const m of [...mentions].sort((a, b) => a.start - b.start || b.end - a.end)) {
    if (m.start < at || m.end > chars.length || m.end <= m.start) continue; // overlapping or out of range
    if (m.start > at) out.push(chars.slice(at, m.start).join(""));
    out.push({ m, text: chars.slice(m.start, m.end).join("") });
    at = m.end;
  }
  if (at < chars.length) out.push(chars.slice(at).join(""));
  return out;
}

function renderMentions(el, text, mentions) {
  for (const seg of segments(text, mentions)) {
    if (typeof seg === "string") { el.append(seg); continue; }
    const m = seg.m;
    if (m.qid) {
      el.append(h("button", { type: "button", class: "mention t-" + m.type, "data-qid": m.qid, "aria-expanded": "false",
        title: (m.label || m.qid) + " (" + TYPE_ONE[m.type] + ")", onclick: (ev) => showMention(ev.currentTarget, m) }, seg.text));
    } else {
      el.append(h("span", { class: "mention nil", title: "not linked to an entity" + (m.ner_label ? " (" + m.ner_label + ")" : "") }, seg.text));
    }
  }
  return el;
}

const entityCache = new Map();
function fetchEntity(qid) {
  if (!entityCache.has(qid)) entityCache.set(qid, api("/entities/" + encodeURIComponent(qid)).catch((err) => { entityCache.delete(qid); throw err; }));
  return entityCache.get(qid);
}

async function showMention(button, m) {
  for (const b of document.querySelectorAll("button.mention[aria-expanded=true]")) b.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-expanded", "true");
  const card = clear($("#mention-card"));
  card.className = "card t-" + m.type;
  card.hidden = false;
  const desc = h("p", { class: "desc" }, "…");
  const count = h("p", null);
  card.append(
    h("button", { type: "button", class: "link close", "aria-label": "Close", onclick: () => { card.hidden = true; button.setAttribute("aria-expanded", "false"); button.focus(); } }, "×"),
    h("h2", null, m.label || m.qid),
    h("p", null, TYPE_ONE[m.type] + " · ", h("a", { href: wikidataUrl(m.qid), rel: "noopener noreferrer", target: "_blank" }, m.qid + " on Wikidata")),
    desc,
    h("p", null, "Mention “" + m.text + "”", m.confidence !== null && m.confidence !== undefined ? ", linked with confidence " + Number(m.confidence).toFixed(2) : ""),
    count,
    h("p", null, navLink(entityUrl(m.qid), null, "Entity page"), " · ", navLink(filterUrl(m.type, m.qid), null, "Search its articles")));
  try {
    const e = await fetchEntity(m.qid);
    desc.textContent = e.description || "(no description in the knowledge base)";
    count.textContent = plural(e.articles, "article") + " in the index";
  } catch (err) {
    desc.textContent = "(not in the knowledge base: " + err.message + ")";
  }
}

async function showArticle(id, gen) {
  const art = clear($("#article"));
  $("#mention-card").hidden = true;
  const data = await api("/articles/" + encodeURIComponent(id));
  if (gen !== generation) return;
  document.title = (data.title || "Article") + " — newslink";
  const titleMentions = data.mentions.filter((m) => m.field === "title");
  const textMentions = data.mentions.filter((m) => m.field === "text");
  art.append(
    renderMentions(h("h1", null), data.title || "(untitled)", titleMentions),
    h("p", { class: "meta" }, fmtDate(data.published), data.source ? " · " + data.source : "",
      data.url && /^https?:\/\//i.test(data.url) ? [" · ", h("a", { href: data.url, rel: "noopener noreferrer", target: "_blank" }, "original")] : null),
    renderMentions(h("div", { class: "body" }), data.text, textMentions));
  const legend = clear($("#legend"));
  for (const t of TYPES) legend.append(h("span", { class: "t-" + t }, "▬ " + TYPE_ONE[t]));
  legend.append(h("span", { class: "nil" }, "not linked"));
  const side = clear($("#article-entities"));
  for (const t of TYPES) {
    const ents = (data.entity_list || []).filter((e) => e.type === t);
    if (!ents.length) continue;
    side.append(h("section", { class: "ent-group" }, h("h3", { class: "t-" + t }, TYPE_NAMES[t]),
      h("ul", null, ents.map((e) => h("li", null, navLink(entityUrl(e.qid), { class: "t-" + t }, e.label), " ",
        h("span", { class: "count" }, e.via && e.via.length ? "via " + e.via.map((v) => v.label || v.qid).join(", ") : "×" + e.count))))));
  }
  ready("article");
}

// ------------------------------------------------------------------ entity view
async function showEntity(qid, gen) {
  const head = clear($("#entity-head"));
  const e = await api("/entities/" + encodeURIComponent(qid));
  if (gen !== generation) return;
  document.title = e.label + " — newslink";
  const type = TYPES.includes(e.type) ? e.type : null;
  head.append(
    h("h1", { class: type ? "t-" + type : null }, e.label),
    e.description ? h("p", { class: "desc" }, e.description) : null,
    h("p", { class: "facts" }, (TYPE_ONE[e.type] || e.type) + (e.kind && e.kind !== e.type ? " (" + e.kind + ")" : "") + " · ",
      h("a", { href: wikidataUrl(e.qid), rel: "noopener noreferrer", target: "_blank" }, e.qid + " on Wikidata"), " · ",
      type ? navLink(filterUrl(type, e.qid), null, plural(e.articles, "article")) : plural(e.articles, "article")),
    e.aliases && e.aliases.length ? h("p", { class: "facts" }, "Also: " + e.aliases.slice(0, 12).join(", ")) : null);

  const latest = clear($("#entity-latest"));
  const rel = clear($("#entity-related"));
  if (!type) { ready("entity"); return; }
  const p = new URLSearchParams({ size: "10", sort: "newest", facets: "", histogram: "auto" });
  p.set(type, e.qid);
  const [hits, related] = await Promise.all([api("/search", p), api("/entities/" + encodeURIComponent(e.qid) + "/related", new URLSearchParams({ size: "8" }))]);
  if (gen !== generation) return;
  renderTimeline($("#entity-timeline"), hits.histogram, "Its articles per " + ((hits.histogram && hits.histogram.interval) || "period") + " (select a bar, or drag across bars, to search that period)",
    (since, until) => { const s = readState(""); s.filters[type] = [e.qid]; s.since = since; s.until = until; go(urlOf(s)); });
  renderHits(latest, hits.hits);
  if (!hits.hits.length) latest.append(h("li", null, "No indexed article mentions it."));
  let listed = 0;
  for (const t of TYPES) {
    const items = (related.related && related.related[t]) || [];
    if (!items.length) continue;
    listed += items.length;
    rel.append(h("section", { class: "related-group" }, h("h3", { class: "t-" + t }, TYPE_NAMES[t]),
      h("ol", null, items.map((r) => h("li", null, navLink(entityUrl(r.qid), { class: "t-" + t }, r.label), " ",
        h("span", { class: "num", title: r.count + " shared articles, " + r.lift.toFixed(1) + " × more often than overall" },
          r.count + " · ×" + r.lift.toFixed(1)))))));
  }
  if (!listed) rel.append(h("p", { class: "help" }, "None: no entity shares two or more articles with it."));
  ready("entity");
}

// ------------------------------------------------------------------ start
initFilters();
initQueryBox();
route();
