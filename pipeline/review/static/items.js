// photoscreen review: what the tool left to a person (a row's items), drawn numbered on a picture (the list's
// detail, or a grid's tile) with one key each: [ and ] choose, c covers, n not a face, f fine. The same code
// serves the list and the grid. Loaded after review.js (its helpers and state), before keys.js.
"use strict";

function firstOpen(row, from) {
  const n = row.items.length;
  for (let k = 0; k < n; k++) { const j = ((from || 0) + k) % n; if (!row.items[j].dismissed) return j; }
  return n ? Math.min(Math.max(from || 0, 0), n - 1) : -1;
}

// where a row's items are drawn: on the copy, in its own pixels (it may be cropped, turned and scaled), when
// the row has one and the items' places in it are known; otherwise on the original (upright, whole)
function itemsPlace(row) {
  const onCopy = Boolean(row.copy) && row.items.some((it) => it.box_in_copy);
  return { onCopy: onCopy, frame: onCopy ? { x: 0, y: 0, w: row.copy_size[0], h: row.copy_size[1] }
    : { x: 0, y: 0, w: row.width || 1, h: row.height || 1 } };
}

// the items drawn on ``stage`` (a picture in a .stage); ``selected``: the item drawn thicker (the current row's);
// ``brief`` (a grid's tile, small): the others numbered only, their label in the box's title
function drawItems(row, stage, frame, onCopy, selected, brief) {
  if (!stage || !stage.querySelector("img")) return;
  row.items.forEach((it, j) => {
    const box = onCopy ? it.box_in_copy : it.box;
    if (!box) return;
    const cls = "box item " + it.kind + (j === selected ? " selected" : "") + (it.dismissed ? " dismissed" : "");
    const mark = el("div", { class: cls, "data-item": j, title: it.label });
    boxStyle(mark, box, frame);
    const said = it.dismissed ? " (" + t(SAID[it.dismissed]) + ")" : "";
    mark.appendChild(el("span", { class: "label" }, (j + 1) + (brief && j !== selected ? "" : " " + it.label + said)));
    stage.appendChild(mark);
  });
}

function itemPanel(row) {
  const panel = el("div", { class: "items", id: "items" });
  const left = row.items.filter((it) => !it.dismissed).length;
  panel.appendChild(el("h3", {}, t("To check")));
  panel.appendChild(el("p", { id: "items-left", class: "hint" },
    left ? t("left to check: ") + left + " — " + t("[ and ] choose an item; c covers it (the copy is made again), n: not a face, f: fine")
      : t("nothing left to check: approve it (a), or reject it (r)")));
  const list = el("ol", { id: "item-list" });
  row.items.forEach((it, j) => {
    const li = el("li", { "data-item": j, class: (j === state.item ? "selected" : "") + (it.dismissed ? " dismissed" : "") });
    li.appendChild(el("span", { class: "what" }, it.label + " [" + it.box.join(", ") + "]" + (it.dismissed ? " — " + t(SAID[it.dismissed]) : "")));
    if (!it.dismissed) {
      for (const action of it.actions) {
        const b = el("button", { type: "button", class: "item-action " + action, "data-action": action }, t(ITEM_WORDS[action]));
        b.addEventListener("click", () => { state.item = j; itemAction(action); });
        li.appendChild(b);
      }
    }
    li.addEventListener("click", (event) => { if (!event.target.matches("button")) { state.item = j; redrawItems(row); } });
    list.appendChild(li);
  });
  panel.appendChild(list);
  panel.appendChild(el("p", { id: "item-status", class: "hint", "aria-live": "polite" }, ""));
  return panel;
}

function stepItem(delta) {
  const row = state.rows[state.index];
  if (!row || !row.items || !row.items.length) return;
  const n = row.items.length;
  state.item = ((state.item < 0 ? 0 : state.item + delta) % n + n) % n;
  redrawItems(row);
}

// the items drawn again and their list, the pictures left as they are (no copy fetched again)
function redrawItems(row) {
  if (state.grid) tileItems(state.index);
  const on = state.itemsOn;
  if (!on || !$("#items")) { select(state.index, true); return; }
  if (on.stage) on.stage.querySelectorAll(".box.item").forEach((b) => b.remove());
  drawItems(row, on.stage, on.frame, on.onCopy, state.item);
  $("#items").replaceWith(itemPanel(row));
}

// a grid's tile: the row's items drawn on the file as it will be posted (the copy; without copies, the photo's
// thumbnail, the whole upright photo); the current tile's selected item thicker. Not where the tile shows a
// copy whose items' places in it are unknown.
function tileItems(i) {
  const row = state.rows[i];
  const stage = document.querySelector('#list .row[data-index="' + i + '"] .stage');
  if (!row || !stage || !state.grid) return;
  stage.querySelectorAll(".box.item").forEach((b) => b.remove());
  const place = itemsPlace(row);
  if (!row.items || !row.items.length || (row.copy && !place.onCopy)) return;
  drawItems(row, stage, place.frame, place.onCopy, i === state.index ? state.item : -1, true);
}

// what happened, where it is seen: under the items (or the Fix panel, the last one covered), above the grid
function itemSay(text) {
  const where = state.grid ? $("#bulk-status") : $("#item-status") || $("#fix-status");
  if (where) where.textContent = text;
}

// c, n or f on the selected item: the server checks it against the row as it is now
async function itemAction(action) {
  const row = state.rows[state.index];
  if (!row || !row.items || state.item < 0 || state.busy) return;
  const it = row.items[state.item];
  if (!it || it.dismissed) return;
  if (!it.actions.includes(action)) {
    itemSay(action === "cover" ? t("covering needs a safe copy: this report has none") : t("this item offers no such action"));
    return;
  }
  state.busy = true;
  if (action === "cover") itemSay(t("making the copy again and screening it…"));
  try {
    const updated = await api("/api/items", { path: row.path, item: it.id, action: action });
    state.item = firstOpen(updated, state.item);
    replaceRow(updated, action === "cover");
    if (action === "cover") select(state.index, true); else redrawItems(updated);
    if (action === "cover") itemSay(t("copy made again and screened: ") + (updated.copy_verdict || t("no copy")));
  } catch (error) {
    itemSay(t("not done: ") + error.message);
  } finally {
    state.busy = false;
  }
}
