"""HTML contact sheet: one self-contained page per report, readable offline from the report folder.

A thumbnail per photo (in ``thumbs/`` beside the page) with its boxes drawn: faces outlined
(red when identifiable), sensitive text covered with solid boxes so the page never shows it,
the original's verdict and reasons, the safe copy's verdict and a link to it (``batch --redact-to``),
and buttons to filter by verdict (also ``report.html#block`` etc.): the originals' verdicts in a
report without copies, the safe copies' in a report of copies (a withheld copy counts as block, as in
the report's summary), since the copies are what would be posted. What the tool left to a person
(``left_to_check.py``: the review app's items) is drawn over the thumbnail numbered and labelled "to check",
listed under it, and has its own filter button ("Items to check": in French "To check" reads as "Review") (``report.html#tocheck``).
No external assets: CSS and the few lines of JavaScript are inline.
"""

from __future__ import annotations

import html
import io
import os
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import numpy as np
from PIL import Image, ImageDraw

from ..i18n import _, language, ngettext
from .left_to_check import row_items
from .run_info import platform_label, report_policy, setting_label
from ..screen.verdict import original_verdict

THUMB_SIDE = 320
TEXT_KINDS = ("student_id", "grade", "name", "barcode")
COLOURS = {"block": "#c0392b", "review": "#d68910", "ok": "#1e8449", "error": "#555"}


def thumbnail_bytes(pixels: np.ndarray, findings, frame_width: int | None = None) -> bytes:
    """A small JPEG of the photo with its findings drawn; sensitive text covered, never readable.
    ``pixels`` may be a preview of the photo (``LoadedImage.preview``, made already for the
    screen): ``frame_width`` is then the width of the photo the findings' boxes are in."""
    image = Image.fromarray(pixels)
    fit = min(1.0, THUMB_SIDE / max(image.size))
    if fit < 1:
        # reducing_gap: a box reduction by an integer factor first, then the resampling (Pillow's
        # fast path; the same picture to the eye in a fraction of the time)
        image = image.resize((max(1, round(image.width * fit)), max(1, round(image.height * fit))), Image.BILINEAR,
                             reducing_gap=2.0)
    scale = image.width / (frame_width or pixels.shape[1])
    draw = ImageDraw.Draw(image)
    for f in findings:
        if f.box is None:
            continue
        x1, y1 = f.box.x * scale, f.box.y * scale
        x2, y2 = (f.box.x + f.box.w) * scale, (f.box.y + f.box.h) * scale
        if f.kind in TEXT_KINDS:
            draw.rectangle((x1 - 1, y1 - 1, x2 + 1, y2 + 1), fill=(20, 20, 20))
        elif f.kind == "face":
            draw.rectangle((x1, y1, x2, y2), outline=(230, 40, 40) if f.identifiable else (240, 200, 0), width=2)
        else:
            draw.rectangle((x1, y1, x2, y2), outline=(60, 140, 230), width=1)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80)
    return buf.getvalue()



def photo_thumbnail(image, findings) -> bytes:
    """``thumbnail_bytes`` of a LoadedImage, drawn from its preview at twice the thumbnail's size
    (made already for the screen, or made once here) rather than from the full photo: 0.002 s
    instead of 0.08 s for a 12 MP photo. Findings of a video's other frames are not drawn."""
    return thumbnail_bytes(image.preview(2 * THUMB_SIDE), [f for f in findings if not f.frame], image.width)

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; background: #fafafa; color: #222; }}
h1 {{ font-size: 1.4em; margin: 0 0 .3em; }}
.summary {{ margin-bottom: 1em; }}
.run {{ font-size: .9em; color: #444; margin-bottom: .3em; }}
.copy {{ margin-top: .4em; border-top: 1px solid #eee; padding-top: .3em; }}
.filters button {{ font-size: 1em; margin-right: .4em; padding: .3em .8em; border: 1px solid #999; border-radius: 4px; background: #fff; cursor: pointer; }}
.filters button.active {{ background: #222; color: #fff; }}
.filter-what {{ margin-right: .6em; color: #444; }}
.grid {{ display: flex; flex-wrap: wrap; gap: 12px; margin-top: 1em; }}
.card {{ flex: 1 1 300px; max-width: 440px; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; box-sizing: border-box; }}
.card[hidden] {{ display: none; }}
.card img {{ max-width: 320px; max-height: 320px; display: block; margin: 0 auto 6px; }}
.noimg {{ height: 120px; display: flex; align-items: center; justify-content: center; background: #eee; color: #777; }}
.verdict {{ font-weight: bold; text-transform: uppercase; color: #fff; padding: 1px 6px; border-radius: 3px; }}
.path {{ font-family: monospace; font-size: .85em; word-break: break-all; }}
ul, ol {{ margin: .3em 0 0 1.1em; padding: 0; font-size: .9em; }}
.pic {{ position: relative; width: fit-content; margin: 0 auto 6px; }}
.pic img {{ margin: 0; }}
.check {{ position: absolute; border: 3px solid #ff00c8; box-shadow: 0 0 0 1px #fff; box-sizing: border-box; }}
.check span {{ position: absolute; top: -1.4em; left: -3px; font-size: .75em; background: #6b0057; color: #fff; padding: 0 3px; white-space: nowrap; }}
.card.tocheck {{ border: 2px solid #a0007f; }}
.tocheck-badge {{ background: #a0007f; }}
.tocheck-what {{ margin-top: .4em; font-size: .9em; color: #6b0057; }}
</style></head>
<body>
<h1>{title}</h1>
<div class="run">{header}</div>
<div class="summary">{summary}</div>
<div class="filters" role="toolbar" aria-label="{filter_label}">
<span class="filter-what">{filter_label}</span>
<button data-filter="all" class="active">{all_label} ({total})</button>
<button data-filter="block">{block_label} ({block})</button>
<button data-filter="review">{review_label} ({review})</button>
<button data-filter="ok">{ok_label} ({ok})</button>
<button data-filter="error">{error_label} ({error})</button>
<button data-filter="tocheck">{tocheck_label} ({tocheck})</button>
</div>
<div class="grid">
{cards}
</div>
<script>
function applyFilter(name) {{
  document.querySelectorAll('.card').forEach(function (c) {{
    if (name === 'all' || c.dataset.verdict === name || (name === 'tocheck' && c.dataset.tocheck)) c.removeAttribute('hidden'); else c.setAttribute('hidden', '');
  }});
  document.querySelectorAll('.filters button').forEach(function (b) {{
    b.classList.toggle('active', b.dataset.filter === name);
  }});
}}
document.querySelectorAll('.filters button').forEach(function (b) {{
  b.addEventListener('click', function () {{ applyFilter(b.dataset.filter); history.replaceState(null, '', '#' + b.dataset.filter); }});
}});
if (location.hash.length > 1) applyFilter(location.hash.slice(1));
</script>
</body></html>
"""


def render(report: dict, thumbs: dict[str, str], out_dir: Path | None = None) -> str:
    """The page for a report dict (schema photoscreen.report/1); ``thumbs`` maps a photo's path to
    its thumbnail's path relative to the page, which is written in ``out_dir`` (for links to the
    safe copies). Each card shows the original's verdict over the original's thumbnail, and the
    safe copy's verdict beside it: never "ok" over an original that still shows what its copy covers."""
    policy = report_policy(report)
    copies = (report.get("run") or {}).get("copies")
    of_copies = any(i.get("redaction") is not None for i in report["images"])
    cards, originals, filtered, checked = [], Counter(), Counter(), 0
    for image in report["images"]:
        verdict, reasons = original_verdict(image, policy)
        originals[verdict] += 1
        # what the buttons filter on: the copy's verdict (the row's) in a report of copies
        shown = image["verdict"] if of_copies else verdict
        filtered[shown] += 1
        redaction = image.get("redaction")
        thumb = thumbs.get(image["path"])
        no_preview = _("no preview")
        left = row_items(image, policy.general.setting)
        picture = (f'<div class="pic"><img src="{html.escape(thumb)}" alt="{html.escape(image["path"])}" loading="lazy">'
                   f'{_item_boxes(left, image)}</div>' if thumb else f'<div class="noimg">{no_preview}</div>')
        to_check = _item_list(left, redaction is not None)
        checked += bool(left)
        items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons or [_("nothing found")])
        copy = ""
        if redaction is not None:
            copy_verdict = image["verdict"] if redaction.get("output") else "none"
            label = _("copy {verdict}").format(verdict=_(copy_verdict) if redaction.get("output") else _("withheld"))
            link = ""
            if redaction.get("output") and copies and out_dir is not None:
                href = Path(os.path.relpath(Path(copies) / redaction["output"], out_dir)).as_posix()
                text = html.escape(_("open the safe copy"))
                link = f' <a href="{html.escape(quote(href))}">{text}</a>'
            copy_reasons = "".join(f"<li>{html.escape(r)}</li>" for r in image["reasons"])
            copy = (f'<div class="copy"><span class="verdict" style="background:{COLOURS.get(copy_verdict, "#999")}">'
                    f'{label}</span>{link}<ul>{copy_reasons}</ul></div>')
        badge = html.escape(_("original {verdict}").format(verdict=_(verdict)))
        mark = f' data-tocheck="{len(left)}"' if left else ""
        cards.append(f'<div class="card{" tocheck" if left else ""}" data-verdict="{html.escape(shown)}" '
                     f'data-original="{verdict}"{mark}>{picture}'
                     f'<span class="verdict" style="background:{COLOURS[verdict]}">{badge}</span> '
                     f'<span class="path">{html.escape(image["path"])}</span><ul>{items}</ul>{copy}{to_check}</div>')
    s = report["summary"]
    total = sum(s[k] for k in ("block", "review", "ok", "error"))
    counts = ", ".join(f"{originals[v]} {_(v)}" for v in ("block", "review", "ok", "error"))
    summary = _("{total} photos: {counts}").format(total=total, counts=counts)
    if of_copies:
        summary += _("; their safe copies: {block} block or withheld, {review} review, {ok} ok, {error} error").format(
            **{v: s[v] for v in ("block", "review", "ok", "error")})
    summary += _("; {skipped} other files skipped. photoscreen {version}.").format(
        skipped=s["skipped"], version=html.escape(report["tool"]["version"]))
    labels = {"lang": language(), "title": _("photoscreen report"),
              "filter_label": html.escape(_("Filter by the safe copies' verdict") if of_copies else _("Filter by verdict")),
              "all_label": _("All"), "block_label": _("Block"), "review_label": _("Review"), "ok_label": _("OK"),
              "error_label": _("Error"), "tocheck_label": _("Items to check"), "tocheck": checked}
    return PAGE.format(summary=summary, header=_header(report.get("run") or {}), total=total, **labels,
                       cards="\n".join(cards), **{v: filtered[v] for v in ("block", "review", "ok", "error")})


def _item_boxes(left: list[dict], image: dict) -> str:
    """The items left to a person, numbered and labelled "to check", drawn over the thumbnail (the whole upright
    photo: each box in shares of its width and height)."""
    width, height = image.get("width"), image.get("height")
    if not left or not width or not height:
        return ""
    marks = []
    for n, item in enumerate(left, 1):
        x, y, w, h = item["box"]
        where = (f"left:{100 * x / width:.2f}%;top:{100 * y / height:.2f}%;"
                 f"width:{100 * w / width:.2f}%;height:{100 * h / height:.2f}%")
        text = html.escape(_("{n}: to check").format(n=n))
        marks.append(f'<div class="check" style="{where}" title="{html.escape(item["label"])}"><span>{text}</span></div>')
    return "".join(marks)


def _item_list(left: list[dict], copies: bool) -> str:
    """What a person must look at on this photo, numbered as on the thumbnail, and where to decide it."""
    if not left:
        return ""
    badge = html.escape(ngettext("{n} item to check", "{n} items to check", len(left)).format(n=len(left)))
    lines = "".join(f"<li>{html.escape(item['label'])}</li>" for item in left)
    # a copy's items (possible faces it left) can be covered there; a photo's are said to be no face, or fine
    how = html.escape(_("numbered on the picture; decide each in photoscreen review: c covers it, n not a face")
                      if copies else _("numbered on the picture; decide each in photoscreen review: n not a face, "
                                       "f fine"))
    return (f'<div class="tocheck-what"><span class="verdict tocheck-badge">{badge}</span> {how}'
            f'<ol>{lines}</ol></div>')


def _header(run: dict) -> str:
    """Run date, folders, setting and platform, when the report records them."""
    parts = []
    if run.get("date"):
        parts.append(_("run {date}").format(date=html.escape(run["date"])))
    for item in run.get("inputs", []):
        parts.append(_("folder {path}").format(path=f"<code>{html.escape(item['path'])}</code>"))
    if run.get("copies"):
        parts.append(_("safe copies in {path}").format(path=f"<code>{html.escape(run['copies'])}</code>"))
    if run.get("setting"):
        parts.append(_("setting {setting}").format(setting=html.escape(setting_label(run["setting"]))))
    if run.get("platform"):
        parts.append(_("platform {platform}").format(platform=html.escape(platform_label(run["platform"]))))
    return " &middot; ".join(parts)
