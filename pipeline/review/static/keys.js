// photoscreen review: the keys, the filters, the pages and the export; then the first load. Loaded last.
"use strict";

// 1 to 5: the filter on the verdict of the file that would be posted (the copy's; without copies, the photo's)
const COPIES = document.body.dataset.copies === "1";
const VERDICT_KEYS = { 1: "", 2: "ok", 3: "review", 4: "block", 5: COPIES ? "none" : "error" };

function turnPage(delta) {  // "." or ",", or PageDown or PageUp at the end or the top of the list
  const page = state.page + delta;
  if (page < 1 || page > state.pages) return;
  state.page = page;
  load();
}

// PageDown and PageUp scroll the list (or the grid) by a screen; at its end (or its top) they turn the page
function scrollOrTurn(delta) {
  const list = $("#list");
  const edge = delta > 0 ? list.scrollTop + list.clientHeight >= list.scrollHeight - 2 : list.scrollTop <= 0;
  if (edge) turnPage(delta); else list.scrollBy({ top: delta * Math.max(list.clientHeight - 40, 40) });
}

function verdictFilter(value) {
  const filter = COPIES ? $("#f-copy") : $("#f-verdict");
  if (filter.value === value) return;
  filter.value = value;
  state.page = 1;
  load();
}

document.addEventListener("keydown", (event) => {
  if (event.target.matches("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape") { $("#zoom").hidden = true; return; }
  if (!$("#zoom").hidden) return;  // the full-size view is open: Esc or a click closes it first
  // in the grid, up and down move by a row of tiles
  const step = state.grid && (event.key === "ArrowDown" || event.key === "ArrowUp") ? gridColumns() : 1;
  const row = state.rows[state.index] || {};
  if (event.key === "a") approveKey();
  else if (event.key === "A") bulkApprove();
  else if (event.key === "r") decide("reject");
  else if (event.key === "g") setGrid(!state.grid);
  else if (event.key === "e") exportApproved();
  // the items left to a person: the same keys in the list and in the grid (on the current tile)
  else if (event.key === "]" || event.key === "[") stepItem(event.key === "]" ? 1 : -1);
  else if (ITEM_KEYS[event.key] && row.items?.length) itemAction(ITEM_KEYS[event.key]);
  else if (event.key === "PageDown" || event.key === "PageUp") scrollOrTurn(event.key === "PageDown" ? 1 : -1);
  else if (event.key === "." || event.key === ",") turnPage(event.key === "." ? 1 : -1);
  else if (Object.hasOwn(VERDICT_KEYS, event.key)) verdictFilter(VERDICT_KEYS[event.key]);
  else if (event.key === "Enter" && state.grid && event.target.matches("body, .row")) openCurrent();
  else if (event.key === "ArrowDown" || event.key === "ArrowRight") select(Math.min(state.index + step, state.rows.length - 1));
  else if (event.key === "ArrowUp" || event.key === "ArrowLeft") select(Math.max(state.index - step, 0));
  else return;
  event.preventDefault();
});

// a filter chosen with the mouse gives the keys back: the focus leaves it (the search box keeps the cursor)
for (const id of ["#f-verdict", "#f-copy", "#f-reason", "#f-folder", "#f-undecided", "#f-approved", "#f-overridden",
                  "#f-rejected", "#f-new", "#f-sort"]) {
  $(id).addEventListener("change", (event) => { event.target.blur(); state.page = 1; load(); });
}
let typing = null;
$("#f-q").addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(() => { state.page = 1; load(); }, 200); });
$("#prev-page").addEventListener("click", (event) => { event.currentTarget.blur(); turnPage(-1); });
$("#next-page").addEventListener("click", (event) => { event.currentTarget.blur(); turnPage(1); });

// e or the Export button: the export `photoscreen export` makes (only approved files, no metadata; a blocked one
// only approved anyway and asked for), into a new folder in the app's folder of exports, after a confirmation
// that says how many and where. The server counts them and checks each again when it writes them.
async function exportApproved() {
  const status = $("#export-status");
  const blocked = $("#export-blocked").checked;
  if (state.exporting) return;  // one at a time: e pressed again while one is asked or written
  state.exporting = true;
  try {
    const found = await api("/api/export" + (blocked ? "?include_blocked=1" : ""));
    if (!found.count) { status.textContent = found.nothing; return; }
    if (!confirm(found.question)) return;
    status.textContent = t("exporting…");
    const done = await api("/api/export", { include_blocked: blocked });
    status.textContent = done.message;
  } catch (error) {
    status.textContent = t("not exported: ") + error.message;
  } finally {
    state.exporting = false;
  }
}
$("#export").addEventListener("click", (event) => { event.currentTarget.blur(); exportApproved(); });
$("#export-blocked").addEventListener("change", (event) => event.target.blur());
load();
