// photoscreen review: the page. Everything from the report (file names, reasons) is put in with
// textContent, never as HTML. The API is documented in docs/review.md.
"use strict";

const $ = (sel) => document.querySelector(sel);
const T = JSON.parse(document.getElementById("messages").textContent);
const t = (text) => T[text] || text;  // the page's texts in the language of the app
// the words shown for the report's names (finding kinds, cover modes); the names stay in the API and the query
const LABELS = JSON.parse(document.getElementById("labels").textContent);
const kind = (name) => LABELS.kinds[name] || name;
const mode = (name) => LABELS.modes[name] || name;
const PAST = { approve: t("approved"), reject: t("rejected") };
const state = { page: 1, pages: 1, rows: [], index: -1, pending: [], removed: new Set(), drawing: false, grid: false,
                item: -1, busy: false, remade: {} };
// what a person says of an item the tool left to them (the API's names) and its key
const ITEM_KEYS = { c: "cover", n: "not_a_face", f: "fine" };
const ITEM_WORDS = { cover: "cover (c)", not_a_face: "not a face (n)", fine: "fine (f)" };
const SAID = { not_a_face: "not a face", fine: "fine" };

if (new URLSearchParams(location.search).has("token")) {
  history.replaceState(null, "", "/"); // the cookie carries the token from now on
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function q(path) { return "path=" + encodeURIComponent(path); }

function badge(verdict, label) {
  return el("span", { class: "badge " + (verdict || "none") }, (label ? t(label) + " " : "") + t(verdict || "no copy"));
}

function params() {
  const p = new URLSearchParams();
  const add = (name, value) => { if (value) p.set(name, value); };
  add("verdict", $("#f-verdict").value);
  add("copy_verdict", $("#f-copy").value);
  add("reason", $("#f-reason").value);
  add("folder", $("#f-folder").value);
  // by the decision in force: rows in any of the states checked (the names are the API's, never translated)
  for (const name of ["undecided", "approved", "overridden", "rejected"]) if ($("#f-" + name).checked) p.set(name, "1");
  if ($("#f-new").checked) p.set("new", "1");
  add("q", $("#f-q").value.trim());
  p.set("sort", $("#f-sort").value);
  p.set("page", state.page);
  return p;
}

async function api(url, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(url, options);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function fillSelect(select, counts, label) {
  const keep = select.value;
  while (select.options.length > 1) select.remove(1);
  // in the order of the words shown (French "Motif" options by their French labels), not of the API's names
  const lang = document.documentElement.lang || undefined;
  const names = Object.keys(counts).sort((a, b) => label(a).localeCompare(label(b), lang, { sensitivity: "base" }));
  for (const name of names) {
    // the value is the name the API takes; only the text shown is translated
    const option = el("option", { value: name }, label(name) + " (" + counts[name] + ")");
    select.appendChild(option);
  }
  select.value = keep;
}

async function load(keepIndex) {
  const data = await api("/api/photos?" + params());
  state.rows = data.rows;
  state.pages = data.pages;
  fillSelect($("#f-reason"), data.facets.reason, kind);
  fillSelect($("#f-folder"), data.facets.folder, (name) => name || t("(top folder)"));
  $("#count").textContent = data.total + t(" photos shown; ") + (data.facets.decision.undecided || 0) + t(" undecided");
  $("#page").textContent = t("page ") + data.page + t(" of ") + data.pages;
  const list = $("#list");
  list.replaceChildren();
  data.rows.forEach((row, i) => list.appendChild(listItem(row, i)));
  if (state.grid) data.rows.forEach((row, i) => tileItems(i));
  select(Math.min(keepIndex === undefined ? 0 : keepIndex, state.rows.length - 1));
}

function listItem(row, i) {
  const item = el("button", { type: "button", class: "row", "data-path": row.path, "data-index": i });
  // in the grid, the picture in a stage that fits it, for its items to be drawn on (items.js)
  const img = el("img", state.grid ? { loading: "lazy", alt: "" } : { loading: "lazy", alt: "", width: "64", height: "64" });
  // the grid shows each file as it will be posted: the safe copy (without copies, the photo's thumbnail)
  // (a video's copy: its first frame of the strip); a copy made again here is fetched again
  img.src = !(state.grid && row.copy) ? "/img/thumb?" + q(row.path)
    : row.media === "video" ? "/img/frame?" + q(row.path) + "&t=" + (row.strip.length ? row.strip[0].t : 0)
    : "/img/copy?" + q(row.path) + (state.remade[row.path] ? "&v=" + state.remade[row.path] : "");
  const picture = state.grid ? el("span", { class: "tile" }) : img;
  if (state.grid) picture.appendChild(el("span", { class: "stage" })).appendChild(img);
  img.addEventListener("error", () => picture.replaceWith(el("span", { class: "noimg" }, t("no preview"))));
  item.appendChild(picture);
  const text = el("span", { class: "rowtext" });
  text.appendChild(el("span", { class: "path" }, row.path));
  const badges = el("span", { class: "badges" });
  badges.appendChild(badge(row.verdict, "original"));
  if (row.copy_verdict || row.withheld) badges.appendChild(badge(row.copy_verdict, "copy"));
  if (row.decision) badges.appendChild(el("span", { class: "decision " + row.decision }, past(row)));
  if (row.new) badges.appendChild(el("span", { class: "new" }, t("new")));
  // what was left to a person: how many still to look at, or all looked at
  const open = (row.items || []).filter((it) => !it.dismissed).length;
  if (row.items && row.items.length) badges.appendChild(el("span", { class: "tocheck" + (open ? "" : " done") },
    open ? t("left to check: ") + open : t("all checked")));
  text.appendChild(badges);
  item.appendChild(text);
  item.addEventListener("click", () => select(i));
  return item;
}

// the current row as the server answers it; ``remade``: its copy was made again (the grid fetches it again)
function replaceRow(updated, remade) {
  if (remade) state.remade[updated.path] = Date.now();
  state.rows[state.index] = updated;
  const old = document.querySelector('#list .row[data-index="' + state.index + '"]');
  if (old) {
    const focused = old.contains(document.activeElement), fresh = listItem(updated, state.index);
    old.replaceWith(fresh);
    if (focused) fresh.focus({ preventScroll: true });  // the grid's keys stay on the tile
  }
  tileItems(state.index);
}

function select(i, keepItem) {
  if (i < 0 || i >= state.rows.length) { $("#detail").replaceChildren(el("p", { class: "hint" }, t("No photo here."))); return; }
  if (!(keepItem && i === state.index)) state.item = -1;
  const before = state.index;
  state.index = i;
  state.pending = [];
  state.removed = new Set();
  state.drawing = false;
  document.querySelectorAll("#list .row").forEach((b) => {
    b.classList.toggle("current", Number(b.dataset.index) === i);
    if (Number(b.dataset.index) === i) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
  });
  const current = document.querySelector('#list .row[data-index="' + i + '"]');
  if (current) {
    showInList(current);
    // the grid is moved through with the keyboard (but a filter being typed in keeps the cursor)
    if (state.grid && !document.activeElement.matches("input, select, textarea")) current.focus({ preventScroll: true });
  }
  showDetail(state.rows[i]);
  if (state.grid) { if (before !== i) tileItems(before); tileItems(i); }  // the selected item is the current tile's
}

// the current row or tile scrolled into view inside the list only: scrollIntoView also scrolled the page,
// and in the grid the header and the filters went out of sight
function showInList(node) {
  const list = $("#list"), outer = list.getBoundingClientRect(), inner = node.getBoundingClientRect();
  if (inner.top < outer.top) list.scrollTop -= outer.top - inner.top;
  else if (inner.bottom > outer.bottom) list.scrollTop += Math.min(inner.bottom - outer.bottom, inner.top - outer.top);
}

function boxStyle(node, box, frame) {
  node.style.left = (100 * (box[0] - frame.x) / frame.w) + "%";
  node.style.top = (100 * (box[1] - frame.y) / frame.h) + "%";
  node.style.width = (100 * box[2] / frame.w) + "%";
  node.style.height = (100 * box[3] / frame.h) + "%";
}

function figure(title, verdict, reasons, src, boxes, frame, id) {
  const fig = el("figure", { id: id });
  const head = el("figcaption");
  head.appendChild(el("strong", {}, title + " "));
  head.appendChild(badge(verdict));
  fig.appendChild(head);
  const stage = el("div", { class: "stage" });
  if (src) {
    const img = el("img", { alt: title });
    // lazy: in the grid the detail is hidden, and moving from tile to tile fetched both full-size pictures
    // of every photo passed over; a hidden lazy picture is fetched only once it is shown
    img.loading = "lazy";
    img.src = src;
    img.addEventListener("click", (event) => zoom(img.src, event));
    img.addEventListener("error", () => stage.replaceChildren(el("p", { class: "noimg" }, t("not available"))));
    stage.appendChild(img);
    for (const b of boxes) {
      const mark = el("div", { class: "box " + b.kind + (b.extra || ""), title: b.label });
      boxStyle(mark, b.box, frame);
      mark.appendChild(el("span", { class: "label" }, b.label));
      stage.appendChild(mark);
    }
  } else {
    stage.appendChild(el("p", { class: "noimg" }, t("no picture")));
  }
  fig.appendChild(stage);
  const ul = el("ul", { class: "reasons" });
  for (const r of reasons.length ? reasons : [t("nothing found")]) ul.appendChild(el("li", {}, r));
  fig.appendChild(ul);
  return fig;
}

function showDetail(row) {
  const detail = $("#detail");
  detail.replaceChildren();
  detail.appendChild(el("h2", { class: "path", id: "current-path" }, row.path));
  if (row.media === "video") { showVideo(detail, row); return; }
  const full = { x: 0, y: 0, w: row.width || 1, h: row.height || 1 };
  // covers drawn where they are in the copy (cropped, turned, cut to the platform and scaled)
  const copyFrame = row.copy_size ? { x: 0, y: 0, w: row.copy_size[0], h: row.copy_size[1] }
    : row.crop ? { x: row.crop[0], y: row.crop[1], w: row.crop[2], h: row.crop[3] } : full;
  const pair = el("div", { class: "pair" });
  // the items left to a person are drawn on the copy (the original without one): not twice on the original
  const place = itemsPlace(row), onCopy = place.onCopy;
  const itemKeys = new Set(row.items.map((it) => it.kind + ":" + it.box.join(",")));
  const original = figure(t("Original"), row.verdict, row.reasons,
    row.error ? null : "/img/original?" + q(row.path),
    onCopy ? row.findings : row.findings.filter((f) => !itemKeys.has(f.kind + ":" + f.box.join(","))), full, "original");
  pair.appendChild(original);
  const copyBoxes = row.covered.map((c, i) => ({ kind: c.kind, box: row.covered_in_copy ? row.covered_in_copy[i] : c.box,
                                                 label: t("covered: ") + kind(c.kind),
                                                 extra: state.removed.has(i) ? " removed" : "" }))
    .filter((b) => b.box);
  const copyReasons = row.withheld ? [t("no copy written: ") + row.withheld] : row.copy_reasons;
  pair.appendChild(figure(t("Safe copy"), row.copy_verdict, copyReasons,
    row.copy ? "/img/copy?" + q(row.path) + "&t=" + Date.now() : null, copyBoxes, copyFrame, "copy"));
  detail.appendChild(pair);
  if (row.items.length && (state.item < 0 || state.item >= row.items.length)) state.item = firstOpen(row, 0);
  // where the items are drawn, kept so that stepping through them or dismissing one redraws only them
  state.itemsOn = { stage: onCopy ? pair.querySelector("#copy .stage") : original.querySelector(".stage"),
                    frame: place.frame, onCopy: onCopy };
  if (row.items.length) drawItems(row, state.itemsOn.stage, state.itemsOn.frame, onCopy, state.item);
  detail.appendChild(actions(row));
  if (row.items.length) detail.appendChild(itemPanel(row));
  if (row.fixable) {
    detail.appendChild(fixPanel(row));
    enableDrawing(original.querySelector(".stage"), row, full);
  }
}


function past(row) {
  return row.override ? t("approved anyway") : PAST[row.decision];
}

function actions(row) {
  const bar = el("div", { class: "actions" });
  // a blocked file (the copy's verdict, or the photo's without copies) is approved only anyway, with a reason
  const note = el("input", { type: "text", id: "note", maxlength: "2000",
                             placeholder: row.needs_override ? t("reason to approve it anyway (required)") : t("note (optional)") });
  note.value = row.note || "";
  // the a key never approves a blocked file: only this button, with the reason in the note
  const approve = el("button", { type: "button", id: "approve", class: "approve" },
                     row.needs_override ? t("Approve anyway (with a reason)") : t("Approve (a)"));
  const reject = el("button", { type: "button", id: "reject", class: "reject" }, t("Reject (r)"));
  approve.addEventListener("click", () => decide("approve"));
  reject.addEventListener("click", () => decide("reject"));
  bar.append(approve, reject, note);
  const said = row.decision ? past(row) + t(" by ") + row.who + t(" on ") + new Date(row.decided_at * 1000).toLocaleString()
    : row.previous_decision ? t("undecided (was ") + PAST[row.previous_decision] + t(" before the photo or its copy changed)") : t("undecided");
  bar.appendChild(el("span", { id: "decision", class: "decision " + (row.decision || "none") }, said));
  return bar;
}


async function decide(decision) {
  const row = state.rows[state.index];
  if (!row) return;
  const note = ($("#note") || {}).value || "";
  const body = { path: row.path, decision: decision, note: note };
  if (decision === "approve" && row.needs_override) {
    if (!note.trim()) {
      say(t("blocked: it can only be approved anyway, with the reason written in the note"));
      if ($("#note") && !state.grid) $("#note").focus();
      return;
    }
    body.override = true;
  }
  try {
    const updated = await api("/api/decisions", body);
    replaceRow(updated);
    select(Math.min(state.index + 1, state.rows.length - 1));
  } catch (error) {
    say(t("not saved: ") + error.message);
  }
}

// The a key: approves a photo, but never one whose exported file is blocked (the copy's verdict, or the
// photo's without copies): that takes the "Approve anyway" button and a reason, as export asks.
function approveKey() {
  const row = state.rows[state.index];
  if (!row) return;
  if (row.needs_override) {
    say(t("blocked: the a key does not approve it; write the reason in the note, then click “Approve anyway”"));
    if ($("#note") && !state.grid) $("#note").focus();
    return;
  }
  decide("approve");
}

// A (shift+a) or the button: approve every undecided ok copy of the filter in view (all its pages), after a
// confirmation that says how many. The server picks them and checks each again: never block or review.
async function bulkApprove() {
  const status = $("#bulk-status");
  const filter = params();
  filter.delete("page");
  filter.delete("sort");
  try {
    const found = await api("/api/decisions/bulk?" + filter);
    if (!found.count) { status.textContent = t("no undecided ok copy in this view"); return; }
    if (!confirm(found.question)) return;
    const done = await api("/api/decisions/bulk", { decision: "approve", paths: found.paths });
    status.textContent = t("approved: ") + done.approved.length
      + (done.skipped.length ? t("; left undecided (changed meanwhile): ") + done.skipped.length : "");
    await load(state.index);
  } catch (error) {
    status.textContent = t("not saved: ") + error.message;
  }
}
$("#bulk-approve").addEventListener("click", bulkApprove);

// The grid: the files as they will be posted, many to a screen; g (or the button) switches with the list.
function setGrid(on) {
  state.grid = on;
  $("main").classList.toggle("grid", on);
  $("#view").textContent = on ? t("List view (g)") : t("Grid view (g)");
  $("#view").setAttribute("aria-pressed", on ? "true" : "false");
  load(state.index);
}
$("#view").addEventListener("click", () => setGrid(!state.grid));

function gridColumns() {
  return getComputedStyle($("#list")).gridTemplateColumns.split(" ").filter(Boolean).length || 1;
}

// Enter: the current file full size (the copy, or the original without one)
function openCurrent() {
  const row = state.rows[state.index];
  if (!row || row.error) return;
  if (row.media === "video") { setGrid(false); return; }  // a video is played in the list's detail
  zoom(row.copy ? "/img/copy?" + q(row.path) : "/img/original?" + q(row.path));
}

function say(text) {  // a message where it is seen: beside the decision, or above the grid
  const badge = !state.grid && $("#decision");
  if (badge) {  // a sentence, not a badge: not in capitals
    badge.textContent = text;
    badge.classList.add("said");
  } else $("#bulk-status").textContent = text;
}

// The full-size view. Opened by a click on a picture, it shows the picture at full size, scrolled so that the
// place clicked is in the middle; a click in it goes back to the whole picture, or to full size at that place.
function zoom(src, event) {
  const box = $("#zoom");
  const img = box.querySelector("img");
  const at = event ? clickedAt(event) : null;
  img.classList.remove("big");
  img.onload = null;
  box.hidden = false;
  if (at) img.onload = () => bigAt(at);
  if (img.getAttribute("src") === src && img.complete && at) { img.onload = null; bigAt(at); } else img.src = src;
}

function clickedAt(event) {  // where a click fell on its picture, as shares of its width and height
  const r = event.target.getBoundingClientRect();
  return [Math.min(1, Math.max(0, (event.clientX - r.left) / r.width)), Math.min(1, Math.max(0, (event.clientY - r.top) / r.height))];
}

function bigAt(at) {
  const box = $("#zoom"), img = $("#zoom img");
  img.classList.add("big");
  box.scrollLeft = at[0] * img.offsetWidth + img.offsetLeft - box.clientWidth / 2;
  box.scrollTop = at[1] * img.offsetHeight + img.offsetTop - box.clientHeight / 2;
}
$("#zoom").addEventListener("click", (event) => {
  const img = $("#zoom img");
  if (event.target !== img) { $("#zoom").hidden = true; return; }
  if (img.classList.contains("big")) img.classList.remove("big"); else bigAt(clickedAt(event));
});

