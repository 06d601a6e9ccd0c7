// photoscreen review: fixes by hand, covers drawn on the original and the copy made again.
// Loaded after review.js (its helpers and state), before keys.js.
"use strict";

function fixPanel(row) {
  const panel = el("div", { class: "fix" });
  panel.appendChild(el("h3", {}, t("Fix the safe copy")));
  const draw = el("button", { type: "button", id: "draw" }, t("Draw a box to cover"));
  draw.addEventListener("click", () => { state.drawing = !state.drawing; draw.classList.toggle("on", state.drawing); });
  const kinds = el("select", { id: "cover-kind", "aria-label": t("what the box covers") });
  for (const k of ["face", "name", "student_id", "grade", "barcode"]) kinds.appendChild(el("option", { value: k }, kind(k)));
  const remake = el("button", { type: "button", id: "remake" }, t("Make the copy again"));
  remake.addEventListener("click", () => remakeCopy(row));
  panel.append(draw, kinds, remake);
  const list = el("ul", { id: "cover-list" });
  row.covered.forEach((c, i) => {
    const li = el("li", { "data-index": i }, kind(c.kind) + " [" + c.box.join(", ") + "] " + mode(c.mode) + " ");
    // a cover a person drew can be removed; photoscreen's own only dismissed as not what it covers
    const drop = (row.hand_drawn || [])[i] ? t("remove") : c.kind === "face" ? t("not a face") : t("not sensitive");
    const remove = el("button", { type: "button", class: "remove" }, state.removed.has(i) ? t("keep") : drop);
    remove.addEventListener("click", () => {
      state.removed.has(i) ? state.removed.delete(i) : state.removed.add(i);
      li.classList.toggle("removed", state.removed.has(i));
      remove.textContent = state.removed.has(i) ? t("keep") : drop;
    });
    li.appendChild(remove);
    list.appendChild(li);
  });
  state.pending.forEach((c) => list.appendChild(el("li", { class: "pending" }, t("new ") + kind(c.kind) + " [" + c.box.join(", ") + "]")));
  panel.appendChild(list);
  panel.appendChild(el("p", { id: "fix-status", class: "hint" }, row.fixed_by ? t("copy made again by ") + row.fixed_by : ""));
  return panel;
}

function enableDrawing(stage, row, frame) {
  let start = null, ghost = null;
  const point = (event) => {
    const r = stage.getBoundingClientRect();
    return [Math.min(1, Math.max(0, (event.clientX - r.left) / r.width)), Math.min(1, Math.max(0, (event.clientY - r.top) / r.height))];
  };
  stage.addEventListener("pointerdown", (event) => {
    if (!state.drawing) return;
    event.preventDefault();
    stage.setPointerCapture(event.pointerId);
    start = point(event);
    ghost = el("div", { class: "box drawing" });
    stage.appendChild(ghost);
  });
  stage.addEventListener("pointermove", (event) => {
    if (!start) return;
    const p = point(event);
    ghost.style.left = 100 * Math.min(start[0], p[0]) + "%";
    ghost.style.top = 100 * Math.min(start[1], p[1]) + "%";
    ghost.style.width = 100 * Math.abs(p[0] - start[0]) + "%";
    ghost.style.height = 100 * Math.abs(p[1] - start[1]) + "%";
  });
  stage.addEventListener("pointerup", (event) => {
    if (!start) return;
    const p = point(event);
    const x1 = Math.floor(Math.min(start[0], p[0]) * frame.w), y1 = Math.floor(Math.min(start[1], p[1]) * frame.h);
    const x2 = Math.ceil(Math.max(start[0], p[0]) * frame.w), y2 = Math.ceil(Math.max(start[1], p[1]) * frame.h);
    start = null;
    if (x2 - x1 >= 2 && y2 - y1 >= 2) {
      state.pending.push({ kind: $("#cover-kind").value, box: [x1, y1, x2 - x1, y2 - y1], mode: "solid" });
      $("#cover-list").appendChild(el("li", { class: "pending" }, t("new ") + kind($("#cover-kind").value) + " [" + [x1, y1, x2 - x1, y2 - y1].join(", ") + "]"));
    } else if (ghost) {
      ghost.remove();
    }
  });
}

async function remakeCopy(row) {
  const covered = row.covered.filter((c, i) => !state.removed.has(i)).concat(state.pending);
  const dismissed = row.covered.filter((c, i) => state.removed.has(i) && !(row.hand_drawn || [])[i]);
  $("#fix-status").textContent = t("making the copy again and screening it…");
  try {
    const updated = await api("/api/fixes", { path: row.path, covered: covered, dismissed: dismissed });
    replaceRow(updated, true);
    select(state.index);
    $("#fix-status").textContent = t("copy made again and screened: ") + (updated.copy_verdict || t("no copy"));
  } catch (error) {
    $("#fix-status").textContent = t("not done: ") + error.message;
  }
}
