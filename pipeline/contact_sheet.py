"""HTML contact sheet: one self-contained page per report, readable offline from the report folder.

A thumbnail per photo (in ``thumbs/`` beside the page) with its boxes drawn: faces outlined
(red when identifiable), sensitive text covered with solid boxes so the page never shows it,
verdict and reasons, and buttons to filter by verdict (also ``report.html#block`` etc.).
No external assets: CSS and the few lines of JavaScript are inline.
"""

from __future__ import annotations

import html
import io

import numpy as np
from PIL import Image, ImageDraw

THUMB_SIDE = 320
TEXT_KINDS = ("student_id", "grade", "name", "barcode")
COLOURS = {"block": "#c0392b", "review": "#d68910", "ok": "#1e8449", "error": "#555"}


def thumbnail_bytes(pixels: np.ndarray, findings) -> bytes:
    """A small JPEG of the photo with its findings drawn; sensitive text covered, never readable."""
    image = Image.fromarray(pixels)
    scale = THUMB_SIDE / max(image.size)
    if scale < 1:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.BILINEAR)
    else:
        scale = 1.0
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


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>photoscreen report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; background: #fafafa; color: #222; }}
h1 {{ font-size: 1.4em; margin: 0 0 .3em; }}
.summary {{ margin-bottom: 1em; }}
.filters button {{ font-size: 1em; margin-right: .4em; padding: .3em .8em; border: 1px solid #999; border-radius: 4px; background: #fff; cursor: pointer; }}
.filters button.active {{ background: #222; color: #fff; }}
.grid {{ display: flex; flex-wrap: wrap; gap: 12px; margin-top: 1em; }}
.card {{ width: 340px; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; box-sizing: border-box; }}
.card[hidden] {{ display: none; }}
.card img {{ max-width: 320px; max-height: 320px; display: block; margin: 0 auto 6px; }}
.noimg {{ height: 120px; display: flex; align-items: center; justify-content: center; background: #eee; color: #777; }}
.verdict {{ font-weight: bold; text-transform: uppercase; color: #fff; padding: 1px 6px; border-radius: 3px; }}
.path {{ font-family: monospace; font-size: .85em; word-break: break-all; }}
ul {{ margin: .3em 0 0 1.1em; padding: 0; font-size: .9em; }}
</style></head>
<body>
<h1>photoscreen report</h1>
<div class="summary">{summary}</div>
<div class="filters" role="toolbar" aria-label="Filter by verdict">
<button data-filter="all" class="active">All ({total})</button>
<button data-filter="block">Block ({block})</button>
<button data-filter="review">Review ({review})</button>
<button data-filter="ok">OK ({ok})</button>
<button data-filter="error">Error ({error})</button>
</div>
<div class="grid">
{cards}
</div>
<script>
function applyFilter(name) {{
  document.querySelectorAll('.card').forEach(function (c) {{
    if (name === 'all' || c.dataset.verdict === name) c.removeAttribute('hidden'); else c.setAttribute('hidden', '');
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


def render(report: dict, thumbs: dict[str, str]) -> str:
    """The page for a report dict (schema photoscreen.report/1); ``thumbs`` maps a photo's path to
    its thumbnail's path relative to the page."""
    cards = []
    for image in report["images"]:
        verdict = image["verdict"]
        reasons = [image["error"]] if image.get("error") else image["reasons"] or ["nothing found"]
        thumb = thumbs.get(image["path"])
        picture = (f'<img src="{html.escape(thumb)}" alt="{html.escape(image["path"])}" loading="lazy">' if thumb
                   else '<div class="noimg">no preview</div>')
        items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons)
        cards.append(f'<div class="card" data-verdict="{verdict}">{picture}'
                     f'<span class="verdict" style="background:{COLOURS[verdict]}">{verdict}</span> '
                     f'<span class="path">{html.escape(image["path"])}</span><ul>{items}</ul></div>')
    s = report["summary"]
    total = sum(s[k] for k in ("block", "review", "ok", "error"))
    summary = (f"{total} photos: {s['block']} block, {s['review']} review, {s['ok']} ok, {s['error']} error; "
               f"{s['skipped']} other files skipped. photoscreen {html.escape(report['tool']['version'])}.")
    return PAGE.format(summary=summary, total=total, block=s["block"], review=s["review"], ok=s["ok"],
                       error=s["error"], cards="\n".join(cards))
