"""The review app: a Starlette application over one report folder (API in ``docs/review.md``).

Security: it is meant to listen on 127.0.0.1 only (``serve``); every request must carry the random
token, as the ``token`` query parameter or the cookie the first page sets (HttpOnly,
SameSite=Strict), or it gets 403; the Host header must be 127.0.0.1 or localhost (a web page
elsewhere cannot reach it by DNS rebinding). Pictures are served by row path only, from the files
that row names (``folder.py``). File names reach the page as JSON and are put in as text. A POST
body is read up to ``MAX_BODY`` bytes (413 beyond) and must be a JSON object (400 otherwise, too deep
a nesting included).
"""

from __future__ import annotations

import errno
import getpass
import json
import secrets
import socket
import threading
import time
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..findings import KINDS, kind_label
from ..i18n import N_, _, language, ngettext
from ..media.loader import LoadError
from ..report.run_info import platform_label, setting_label
from .folder import ReportFolder
from .listing import BadQuery, Listing
from .store import DECISIONS, DISMISSALS, Store
from .fixes import MIN_SIDE, BadFix, FixRefused, remake
from .page_export import ExportFailed, ExportRefused, ExportRootRefused, PageExport
from . import frames, images

HERE = Path(__file__).parent
COOKIE = "photoscreen_review"
LOCAL_HOSTS = ["127.0.0.1", "localhost"]
MEDIA = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".jfif": "image/jpeg",
         ".png": "image/png", ".webp": "image/webp",
         # a video's safe copy, played in the page (FileResponse answers range requests: the player seeks)
         ".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm", ".mov": "video/quicktime"}
NO_STORE = {"Cache-Control": "no-store"}
MAX_BODY = 1 << 20  # bytes: a decision or a fix with 500 covers is a few kB
MAX_BULK = 10_000  # paths in one bulk approval (within MAX_BODY for paths of up to ~100 characters)


# what the page's script shows, translated here and handed to it as JSON
PAGE_MESSAGES = (
    N_("Approve (a)"), N_("Reject (r)"), N_("Draw a box to cover"), N_("Fix the safe copy"), N_("Make the copy again"),
    N_("No photo here."), N_("Original"), N_("Safe copy"), N_("copy made again and screened: "),
    N_("copy made again by "), N_("covered: "), N_("making the copy again and screening it…"), N_("new "),
    N_("no copy written: "), N_("no copy"), N_("no picture"), N_("no preview"), N_("not available"),
    N_("not done: "), N_("not saved: "), N_("note (optional)"), N_("keep"), N_("remove"), N_("nothing found"),
    N_(" photos shown; "), N_(" undecided"), N_("page "), N_(" of "), N_("undecided"), N_(" by "), N_(" on "),
    N_("undecided (was "), N_(" before the photo or its copy changed)"), N_("what the box covers"),
    N_("original"), N_("copy"), N_("block"), N_("review"), N_("ok"), N_("error"), N_("approved"), N_("rejected"),
    N_("new"), N_("(top folder)"),
    N_("not a face"), N_("not sensitive"), N_("approved anyway"),
    N_("blocked: it can only be approved anyway, with the reason written in the note"),
    N_("reason to approve it anyway (required)"), N_("Approve anyway (with a reason)"),
    N_("blocked: the a key does not approve it; write the reason in the note, then click “Approve anyway”"),
    N_("no undecided ok copy in this view"), N_("approved: "), N_("; left undecided (changed meanwhile): "),
    N_("Grid view (g)"), N_("List view (g)"),
    N_("To check"), N_("cover (c)"), N_("not a face (n)"), N_("fine (f)"), N_("not a face"), N_("fine"),
    N_("nothing left to check: approve it (a), or reject it (r)"), N_("left to check: "),
    N_("[ and ] choose an item; c covers it (the copy is made again), n: not a face, f: fine"),
    N_("covering needs a safe copy: this report has none"), N_("this item offers no such action"),
    N_("Frames of the safe copy"), N_("Frames of the original (text painted over)"),
    N_("Fixes by hand are for photos: make a video's copy again with photoscreen redact or the batch"),
    N_("click a frame to play from there"), N_("the safe copy, to play"), N_("no frame"),
    N_("all checked"),
    N_("exporting…"), N_("not exported: "),
)

# how a cover is painted (a row's covered[].mode), as the page shows it
MODE_LABELS = {"pixelate": N_("pixel mosaic"), "solid": N_("solid box"), "blur": N_("strong blur")}


def page_labels() -> dict[str, dict[str, str]]:
    """The words the page shows for the report's names, in the language in use: finding kinds (the
    reason filter, the boxes, the covers; ``findings.KINDS``) and cover modes. The names themselves
    stay in the API and the query strings."""
    return {"kinds": {name: kind_label(name) for name in KINDS},
            "modes": {name: _(label) for name, label in MODE_LABELS.items()}}


class TokenGate:
    """ASGI middleware: 403 for any request without the token; the first page sets the cookie."""

    def __init__(self, app, token: str) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        given = request.query_params.get("token") or request.cookies.get(COOKIE) or ""
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            response = PlainTextResponse("403: open the address photoscreen review printed (with its token)", 403)
            return await response(scope, receive, send)
        await self.app(scope, receive, send)


def create_app(report_dir: Path, token: str, who: str | None = None, hosts: list[str] = LOCAL_HOSTS,
               export_to: Path | None = None) -> Starlette:
    """The app; ``export_to``: the folder the page's exports go into (``page_export.py``; checked here,
    ``ExportRootRefused`` when it cannot be used), by default the report folder's sibling ``<name>-approved``."""
    folder = ReportFolder(report_dir)
    store = Store(folder.root)
    listing = Listing(folder, store)
    exporter = PageExport(folder, listing, export_to)
    # every value put in the page is HTML-escaped (file and folder names included)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)
    templates = Jinja2Templates(env=env)
    reviewer = who or getpass.getuser()

    def photo_or_404(request: Request):
        listing.refresh()
        photo = folder.by_path.get(request.query_params.get("path", ""))
        if photo is None:
            raise _NotFound()
        return photo

    async def index(request: Request) -> Response:
        listing.refresh()
        run = folder.run
        response = templates.TemplateResponse(request, "index.html", {
            "report": str(folder.root), "run": run, "summary": folder.document.get("summary", {}),
            "setting": setting_label(run.get("setting") or folder.policy.general.setting), "who": reviewer,
            "platform": platform_label(run["platform"]) if run.get("platform") else None,
            "copies": bool(folder.copies_root()), "lang": language(), "export_root": str(exporter.root),
            "messages": {m: _(m) for m in PAGE_MESSAGES}, "labels": page_labels(),
        }, headers=NO_STORE)
        if request.query_params.get("token"):
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    async def photos(request: Request) -> Response:
        listing.refresh()
        try:
            return JSONResponse(listing.query(request.query_params), headers=NO_STORE)
        except BadQuery as exc:
            return JSONResponse({"error": str(exc)}, 400)

    async def one(request: Request) -> Response:
        photo = photo_or_404(request)
        return JSONResponse(listing.row(photo, listing.state()), headers=NO_STORE)

    async def body(request: Request) -> dict:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise _Bad(_("send JSON (Content-Type: application/json)"))
        try:
            if int(request.headers.get("content-length", 0)) > MAX_BODY:
                raise _TooLarge()
        except ValueError:
            raise _Bad(_("the Content-Length header is not a number")) from None
        raw = bytearray()
        async for chunk in request.stream():  # also a body sent without its length
            raw += chunk
            if len(raw) > MAX_BODY:
                raise _TooLarge()
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: arrays or objects nested too deep
            raise _Bad(_("the body is not JSON (or is nested too deep)")) from None
        if not isinstance(data, dict):
            raise _Bad(_('the body must be an object with "path"'))
        return data

    async def posted(request: Request):
        """The JSON body of a POST and the photo its "path" names (404 when none)."""
        data = await body(request)
        if not isinstance(data.get("path"), str):
            raise _Bad(_('the body must be an object with "path"'))
        listing.refresh()
        photo = folder.by_path.get(data["path"])
        if photo is None:
            raise _NotFound()
        return data, photo

    async def decisions(request: Request) -> Response:
        data, photo = await posted(request)
        decision, note, override = data.get("decision"), data.get("note", ""), data.get("override", False)
        if decision not in DECISIONS or not isinstance(note, str) or len(note) > 2000 or not isinstance(override, bool):
            return JSONResponse({"error": _("decision must be one of {decisions}; note a text of at most 2000 "
                                            "characters; override true or false").format(
                                                decisions=", ".join(DECISIONS))}, 400)
        if photo.sha256 is None:
            return JSONResponse({"error": _("this photo could not be screened: it cannot be approved")}, 409)
        state = listing.state()
        blocked = listing.exported_verdict(photo, listing.fix(photo, state[1])) == "block"
        if decision == "approve" and blocked and not (override and note.strip()):
            what = _("its safe copy") if photo.redacted else _("this photo")
            return JSONResponse({"error": _("{what} is blocked: it can only be approved anyway, with "
                                            "\"override\": true and a note saying why").format(what=what)}, 409)
        store.decide(photo.path, photo.sha256, folder.copy_sha256(photo), decision, note, reviewer,
                     override=decision == "approve" and blocked)
        return JSONResponse(listing.row(photo, listing.state()))

    async def bulk_candidates(request: Request) -> Response:
        """The undecided ok copies of the filter in view (every page), and the question to confirm."""
        listing.refresh()
        paths = [p.path for p in listing.bulk_approvable(request.query_params)]
        n = len(paths)
        question = (ngettext("Approve the {n} ok copy shown?", "Approve the {n} ok copies shown?", n)
                    if folder.copies_root() else
                    ngettext("Approve the {n} ok photo shown?", "Approve the {n} ok photos shown?", n)).format(n=n)
        return JSONResponse({"count": n, "paths": paths, "question": question}, headers=NO_STORE)

    async def bulk_approve(request: Request) -> Response:
        """Approve the paths named, in one transaction; each row's verdict and decision are checked
        again here: only undecided rows whose exported file is ok are approved, never block or review."""
        data = await body(request)
        paths, note = data.get("paths"), data.get("note", "")
        if (data.get("decision") != "approve" or not isinstance(paths, list) or not paths
                or len(paths) > MAX_BULK or not all(isinstance(p, str) for p in paths)
                or not isinstance(note, str) or len(note) > 2000):
            return JSONResponse({"error": _('send {{"decision": "approve", "paths": [...]}}: a list of 1 to {n} '
                                            'paths, and a note of at most 2000 characters').format(n=MAX_BULK)}, 400)
        listing.refresh()
        state = listing.state()
        chosen, skipped = [], []
        for path in dict.fromkeys(paths):  # each once, in the order given
            photo = folder.by_path.get(path)
            why = _("no such photo in the report") if photo is None else listing.not_bulk_approvable(photo, state)
            if why:
                skipped.append({"path": path, "why": why})
            else:
                chosen.append(photo)
        done = set(store.approve_many([(p.path, p.sha256, folder.copy_sha256(p)) for p in chosen], note, reviewer))
        skipped += [{"path": p.path, "why": _("it is already decided")} for p in chosen if p.path not in done]
        return JSONResponse({"approved": [p.path for p in chosen if p.path in done], "skipped": skipped})

    async def remade_row(photo, covered, dismissed) -> Response:
        """Make the copy again with ``covered`` (and photoscreen's covers ``dismissed``), as a hand fix."""
        try:
            remade = await run_in_threadpool(remake, folder, photo, covered, reviewer, dismissed, folder.report_id)
        except BadFix as exc:
            return JSONResponse({"error": str(exc)}, 400)
        except (FixRefused, LoadError) as exc:
            return JSONResponse({"error": str(exc)}, 409)
        except OSError as exc:  # the copies or report folder cannot be written: the row and copy are as they were
            return JSONResponse({"error": _("cannot write {where}: {why}; the copy and the report are unchanged").format(
                where=exc.filename or _("the copies or report folder"), why=exc.strerror or exc)}, 409)
        store.save_fix(photo.path, photo.sha256, remade.fix)
        listing.report_rewritten(remade.old_report_id)
        photo = folder.by_path.get(photo.path, photo)
        return JSONResponse(listing.row(photo, listing.state()))

    async def fixes(request: Request) -> Response:
        data, photo = await posted(request)
        return await remade_row(photo, data.get("covered"), data.get("dismissed"))

    async def items(request: Request) -> Response:
        """One key on an item the tool left to a person: ``cover`` makes the copy again with its box covered
        (as a hand fix: solid, screened again); ``not_a_face`` or ``fine`` records that it needs nothing. Each
        is checked here against the row as it is now; a dismissal never approves a row, nor lowers a block."""
        data, photo = await posted(request)
        item_id, action = data.get("item"), data.get("action")
        if not isinstance(item_id, str) or action not in ("cover", *DISMISSALS):
            return JSONResponse({"error": _('send {{"path": ..., "item": "<the id of an item of the row>", '
                                            '"action": "cover" | "not_a_face" | "fine"}}').format()}, 400)
        item = next((i for i in listing.items(photo) if i["id"] == item_id), None)
        if item is None:
            return JSONResponse({"error": _("no such item on this photo now (was its copy made again?): "
                                            "open the photo again")}, 409)
        if action not in item["actions"]:
            return JSONResponse({"error": _("covering needs a safe copy: this report has none")
                                 if action == "cover" else _("this item offers no such action")}, 409)
        if action != "cover":
            store.dismiss(photo.path, photo.sha256, folder.copy_sha256(photo), item_id, action, reviewer)
            return JSONResponse(listing.row(photo, listing.state()))
        # the covers the copy has (those the fix plan keeps), and the item's box, as a hand fix adds one
        covered = [{"kind": c["kind"], "box": list(c["box"]), "mode": c["mode"]} for c in photo.covered]
        return await remade_row(photo, covered + [{"kind": item["kind"], "mode": "solid",
                                                   "box": _cover_box(box, photo.width, photo.height)}
                                                  for box in item.get("boxes", [item["box"]])], None)

    async def export_preview(request: Request) -> Response:
        """How many approved files the page's export would write, where, and the confirmation to show."""
        listing.refresh()
        try:
            return JSONResponse(exporter.preview(request.query_params.get("include_blocked") == "1"), headers=NO_STORE)
        except ExportRootRefused as exc:
            return JSONResponse({"error": str(exc)}, 409)

    async def export_now(request: Request) -> Response:
        """The export ``photoscreen export`` makes, into a new folder in the app's folder of exports."""
        include = (await body(request)).get("include_blocked", False)
        if not isinstance(include, bool):
            return JSONResponse({"error": _('send {{"include_blocked": true or false}}').format()}, 400)
        listing.refresh()
        try:
            return JSONResponse(await run_in_threadpool(exporter.run, include))
        except (ExportRootRefused, ExportRefused, ExportFailed) as exc:
            return JSONResponse({"error": str(exc)}, 409)

    async def frame(request: Request) -> Response:
        """A frame of a video's strip: of its safe copy, or without copies of the original with its text painted over."""
        photo = photo_or_404(request)
        try:
            t = float(request.query_params.get("t", "0"))
        except ValueError:
            return PlainTextResponse("t is a time in seconds", 400)
        return await video_frame(photo, t)

    async def video_frame(photo, t: float) -> Response:
        if not photo.video or photo.error or photo.sha256 is None or not 0 <= t <= frames.MAX_T:
            return PlainTextResponse("no frame", 404)
        if photo.redacted:  # a copy not in our manifest is known by its place, time and size
            path = folder.copy_file(photo)
            sha, paint = folder.copy_sha256(photo) or frames.stat_key(path), []
        else:
            path, sha, paint = folder.original_file(photo), photo.sha256, frames.text_boxes(photo.findings)
        if path is None or sha is None:
            return PlainTextResponse("no frame", 404)
        try:
            data = await run_in_threadpool(frames.frame_jpeg, path, sha, t, paint, folder.root,
                                           folder.policy.general.max_file_bytes)
        except LoadError as exc:
            return PlainTextResponse(f"no frame: {exc}", 404)
        return Response(data, media_type="image/jpeg")

    async def original(request: Request) -> Response:
        photo = photo_or_404(request)
        path = folder.original_file(photo)
        if path is None or photo.sha256 is None:
            return PlainTextResponse("the original is not available", 404)
        try:
            data = await run_in_threadpool(images.original_view, path, photo, folder.policy)
        except LoadError as exc:
            return PlainTextResponse(f"cannot show the original: {exc}", 404)
        return Response(data, media_type="image/jpeg", headers=NO_STORE)

    async def copy(request: Request) -> Response:
        photo = photo_or_404(request)
        path = folder.copy_file(photo)
        if path is None:
            return PlainTextResponse("no safe copy", 404)
        return FileResponse(path, media_type=MEDIA.get(path.suffix.lower(), "application/octet-stream"),
                            headers=NO_STORE)

    async def thumb(request: Request) -> Response:
        photo = photo_or_404(request)
        path = folder.thumb_file(photo)
        if path is not None:
            return FileResponse(path, media_type="image/jpeg")
        if photo.video:  # the first frame of its strip: the copy's, or the original's with its text painted over
            strip = listing.strip(photo)
            return await video_frame(photo, strip[0]["t"] if strip else 0.0)
        source = folder.original_file(photo)
        if source is None or photo.error:
            return PlainTextResponse("no preview", 404)
        try:
            data = await run_in_threadpool(images.thumbnail, source, photo, folder.policy)
        except LoadError:
            return PlainTextResponse("no preview", 404)
        return Response(data, media_type="image/jpeg")

    async def not_found(request: Request, exc) -> Response:
        return JSONResponse({"error": "no such photo in the report"}, 404)

    async def bad(request: Request, exc) -> Response:
        return JSONResponse({"error": str(exc)}, 400)

    async def too_large(request: Request, exc) -> Response:
        return JSONResponse({"error": _("the body is larger than {n} bytes").format(n=MAX_BODY)}, 413)

    routes = [
        Route("/", index),
        Route("/api/photos", photos),
        Route("/api/photo", one),
        Route("/api/decisions", decisions, methods=["POST"]),
        Route("/api/decisions/bulk", bulk_candidates, methods=["GET"]),
        Route("/api/decisions/bulk", bulk_approve, methods=["POST"]),
        Route("/api/fixes", fixes, methods=["POST"]),
        Route("/api/items", items, methods=["POST"]),
        Route("/api/export", export_preview, methods=["GET"]),
        Route("/api/export", export_now, methods=["POST"]),
        Route("/img/frame", frame),
        Route("/img/original", original),
        Route("/img/copy", copy),
        Route("/img/thumb", thumb),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts), Middleware(TokenGate, token=token)]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={_NotFound: not_found, _Bad: bad, _TooLarge: too_large})
    app.state.listing, app.state.store = listing, store
    return app


def _cover_box(box: list[int], width: int | None, height: int | None) -> list[int]:
    """An item's box as a hand fix takes it: whole pixels inside the photo, at least ``MIN_SIDE`` each way."""
    x, y, w, h = (int(v) for v in box)
    W, H = width or x + max(w, MIN_SIDE), height or y + max(h, MIN_SIDE)
    w, h = min(max(w, MIN_SIDE), W), min(max(h, MIN_SIDE), H)
    x, y = min(max(0, x), W - w), min(max(0, y), H - h)
    return [x, y, w, h]


class _NotFound(Exception):
    pass


class _Bad(Exception):
    pass


class _TooLarge(Exception):
    pass


class PortUnavailable(OSError):
    """The port asked for cannot be listened on (in use, or reserved): the message says which and what to do."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def serve(report_dir: Path, port: int = 0, who: str | None = None, on_ready=print,
          export_to: Path | None = None) -> None:
    """Run the app on 127.0.0.1 (``port`` 0: a free one) until interrupted; ``on_ready`` gets the URL."""
    import uvicorn

    token = new_token()
    app = create_app(report_dir, token, who, export_to=export_to)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortUnavailable(_("port {port} on 127.0.0.1 is already in use (another photoscreen review, or "
                                    "another program): choose another --port, or leave --port out to take a free "
                                    "one").format(port=port)) from None
        if exc.errno == errno.EACCES:
            raise PortUnavailable(_("port {port} is reserved for the administrator ({why}): choose a port above "
                                    "1023, or leave --port out to take a free one").format(
                                        port=port, why=exc.strerror)) from None
        raise
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/?token={token}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))

    def announce() -> None:
        # the address once the server has started: it answers, and Ctrl-C stops it cleanly (its signal handlers
        # are in place; a Ctrl-C between an early address and those handlers could leave the app running)
        while not server.started and not server.should_exit:
            time.sleep(0.02)
        if server.started:
            on_ready(url)

    threading.Thread(target=announce, name="announce", daemon=True).start()
    server.run(sockets=[sock])
