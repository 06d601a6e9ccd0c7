// photoscreen review: videos, the safe copy played in the page and a strip of its frames.
// Loaded after review.js (its helpers and state), before keys.js.
"use strict";

// --- videos: the safe copy played in the page, and a strip of its frames (at the findings' times and a few more)
function showVideo(detail, row) {
  const pair = el("div", { class: "pair" });
  const strip = (title, id, withCopy) => {
    const fig = el("figure", { id: id });
    const head = el("figcaption");
    head.appendChild(el("strong", {}, (id === "copy" ? t("Safe copy") : t("Original")) + " "));
    head.appendChild(badge(id === "copy" ? row.copy_verdict : row.verdict));
    fig.appendChild(head);
    let player = null;
    if (withCopy) {
      player = el("video", { controls: "", preload: "metadata", id: "player", "aria-label": t("the safe copy, to play") });
      player.src = "/img/copy?" + q(row.path);
      fig.appendChild(player);
    }
    if (title) {
      fig.appendChild(el("p", { class: "hint" }, title + (player ? " — " + t("click a frame to play from there") : "")));
      const frames = el("div", { class: "strip", id: id + "-strip" });
      for (const { t: time, found } of row.strip) {
        const cell = el("button", { type: "button", class: "frame" + (found ? " found" : ""), "data-t": time });
        const img = el("img", { loading: "lazy", alt: time.toFixed(1) + " s" });
        img.src = "/img/frame?" + q(row.path) + "&t=" + time;
        img.addEventListener("error", () => img.replaceWith(el("span", { class: "noimg" }, t("no frame"))));
        cell.append(img, el("span", { class: "time" }, time.toFixed(1) + " s"));
        if (player) cell.addEventListener("click", () => { player.currentTime = time; player.play().catch(() => {}); });
        frames.appendChild(cell);
      }
      fig.appendChild(frames);
    }
    const reasons = id === "copy" ? (row.withheld ? [t("no copy written: ") + row.withheld] : row.copy_reasons) : row.reasons;
    const ul = el("ul", { class: "reasons" });
    for (const r of reasons.length ? reasons : [t("nothing found")]) ul.appendChild(el("li", {}, r));
    fig.appendChild(ul);
    return fig;
  };
  // the original itself is not played (the text found in it would show): its frames with the text painted over
  pair.appendChild(strip(row.copy || row.error ? null : t("Frames of the original (text painted over)"), "original", false));
  if (row.copy) pair.appendChild(strip(t("Frames of the safe copy"), "copy", true));
  else if (row.copy_verdict || row.withheld) pair.appendChild(strip(null, "copy", false));
  detail.appendChild(pair);
  detail.appendChild(actions(row));
  if (row.copy) detail.appendChild(el("p", { class: "hint", id: "fix-video" },
    t("Fixes by hand are for photos: make a video's copy again with photoscreen redact or the batch")));
}
