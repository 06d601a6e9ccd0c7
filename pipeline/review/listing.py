"""The rows of ``GET /api/photos``: both verdicts, the decision in force, filters, sort and pages.

A decision is in force while the photo and its safe copy are those it was taken on (see
``store.py``); a fix in force is one whose copy is still the copy in the folder.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Mapping

from ..redaction.copy_frame import CopyFrame, plan
from ..findings import Box, Finding, Verdict
from ..i18n import _
from ..report.left_to_check import box_label, items as items_left
from ..screen.verdict import decide
from .folder import Photo, ReportFolder
from .store import Decision, Fix, Store

SEVERITY = {"error": 0, "block": 1, "review": 2, "ok": 3}
SORTS = ("path", "verdict", "copy_verdict", "folder", "decision")
# filters by the decision in force (each a flag, ``undecided=1``); rows in any of the states asked for
# are listed. ``overridden``: approved anyway (a blocked file, with a reason), also counted as approved.
DECISION_FILTERS = ("undecided", "approved", "rejected", "overridden")
PER_PAGE, MAX_PER_PAGE = 50, 500


STRIP_EVEN = 5  # frames evenly spaced over a video, beside those at its findings' times
STRIP_MAX = 16  # frames in a video's strip at most


class BadQuery(ValueError):
    pass


class Listing:
    """Builds rows from the report folder and the store; call ``refresh`` before each use."""

    def __init__(self, folder: ReportFolder, store: Store) -> None:
        self.folder, self.store = folder, store
        self.run = store.mark_seen(folder.report_id, self._keys())

    def _keys(self) -> list[tuple[str, str]]:
        return [(p.path, p.sha256 or "") for p in self.folder.photos]

    def refresh(self) -> None:
        if self.folder.refresh():
            self.run = self.store.mark_seen(self.folder.report_id, self._keys())

    def report_rewritten(self, old_report_id: str) -> None:
        """report.json was rewritten by a fix here: read it again, as the same run (what was new stays new)."""
        self.folder.refresh()
        self.run = self.store.carry_run(old_report_id, self.folder.report_id)

    def state(self) -> tuple[dict, dict, dict, dict]:
        return self.store.decisions(), self.store.fixes(), self.store.first_seen(), self.store.dismissals()

    def decision(self, photo: Photo, decisions: dict[tuple[str, str], Decision]) -> Decision | None:
        d = decisions.get((photo.path, photo.sha256))
        return d if d is not None and d.copy_sha256 == self.folder.copy_sha256(photo) else None

    def fix(self, photo: Photo, fixes: dict[tuple[str, str], Fix]) -> Fix | None:
        f = fixes.get((photo.path, photo.sha256))
        return f if f is not None and f.copy_sha256 == self.folder.copy_sha256(photo) else None

    def exported_verdict(self, photo: Photo, fix: Fix | None, dismissed: dict[str, str] | None = None) -> str | None:
        """The verdict of the file an approval lets out: the safe copy's in a report with copies (None
        when there is no copy), the photo's own otherwise. ``block`` needs an override to be approved.
        ``dismissed`` (``dismissed``): a ``review`` whose every item a person dismissed, with nothing else
        to review, counts as ``ok``; a dismissal never lowers ``block``."""
        verdict = (fix.copy_verdict if fix else photo.copy_verdict) if photo.redacted else photo.verdict
        if verdict == "review" and dismissed and self.settled(photo, dismissed):
            return "ok"
        return verdict

    # --- what the tool left to a person ------------------------------------------------------------
    def items(self, photo: Photo) -> list[dict[str, Any]]:
        """The boxed things of a row a person must look at (``report/left_to_check.py``: the rule report.html
        shows them by too), each with an ``id`` (stable for its copy), its kind, box (upright original's
        pixels), label and the actions offered."""
        return items_left(photo.findings, photo.review, self.folder.policy.general.setting, redacted=photo.redacted,
                          has_copy=bool(photo.copy), video=photo.video,
                          screened=not photo.error and photo.sha256 is not None)

    def dismissed(self, photo: Photo, dismissals: dict) -> dict[str, str]:
        """The items of this photo dismissed for its original and the copy now in the folder: id -> how."""
        copy = self.folder.copy_sha256(photo) or ""
        return {item: how for (sha, item), how in dismissals.get((photo.path, photo.sha256), {}).items() if sha == copy}

    def settled(self, photo: Photo, dismissed: dict[str, str]) -> bool:
        """Every item of a ``review`` row is dismissed and nothing else is left to review: without copies the
        photo's findings less those dismissed decide ``ok``; with copies the copy made again by hand is
        ``ok`` but for the possible faces it left (``redaction.fixed.verdict_unless_review``)."""
        items = self.items(photo)
        if not items or any(i["id"] not in dismissed for i in items):
            return False
        if photo.redacted:
            fixed = photo.fixed or {}
            return (fixed.get("verdict_unless_review") == "ok"
                    and fixed.get("copy_sha256") == self.folder.copy_sha256(photo))
        gone = {(i["kind"], tuple(b)) for i in items for b in i.get("boxes", [i["box"]])}
        left = [Finding.from_dict(f) for f in photo.findings
                if f.get("frame") or not f.get("box") or (f["kind"], tuple(f["box"])) not in gone]
        return decide(left, self.folder.policy)[0] is Verdict.OK

    def strip(self, photo: Photo) -> list[dict[str, Any]]:
        """A video's strip of frames: ``{"t": seconds, "found": a finding is on it}`` at its findings' times
        and a few evenly spaced, in order, a quarter of a second apart at least, at most ``STRIP_MAX``; empty
        for a photo."""
        if not photo.video or photo.error:
            return []
        length = max(0.0, float(photo.duration or 0.0))
        found = sorted({round(float(f["t"]), 2) for f in photo.findings if f.get("t") is not None})
        even = [round(length * (i + 0.5) / STRIP_EVEN, 2) for i in range(STRIP_EVEN)] if length else [0.0]
        times: list[float] = []
        for t in sorted(set(found[:STRIP_MAX - STRIP_EVEN] + even)):
            if not times or t - times[-1] >= 0.25:
                times.append(t)
            elif t in found:  # a finding's time wins over an even one beside it
                times[-1] = t
        return [{"t": t, "found": t in found} for t in times[:STRIP_MAX]]

    def _copy_frame(self, photo: Photo) -> CopyFrame | None:
        if not photo.width or not photo.height:
            return None
        return plan(photo.width, photo.height, Box(*photo.crop) if photo.crop else None, photo.turned,
                    self.folder.policy.platform.name)

    def row(self, photo: Photo, state: tuple[dict, dict, dict, dict]) -> dict[str, Any]:
        decisions, fixes, seen, dismissals = state
        decision, fix = self.decision(photo, decisions), self.fix(photo, fixes)
        dismissed = self.dismissed(photo, dismissals)
        stale = decisions.get((photo.path, photo.sha256)) if decision is None else None
        copy = self.folder.copy_rel(photo) if (photo.copy or fix) else None
        covered = fix.covered if fix else photo.covered
        frame = self._copy_frame(photo)
        return {
            "path": photo.path, "folder": photo.folder, "width": photo.width, "height": photo.height,
            "verdict": photo.verdict, "reasons": photo.reasons,
            "copy": copy, "copy_verdict": fix.copy_verdict if fix else photo.copy_verdict,
            "copy_reasons": fix.copy_reasons if fix else photo.copy_reasons,
            "withheld": None if fix else photo.withheld,
            "fixable": photo.redacted and photo.sha256 is not None and not photo.video,
            "media": "video" if photo.video else "photo", "duration": photo.duration, "strip": self.strip(photo),
            "fixed_by": fix.who if fix else None,
            "findings": [{"kind": f["kind"], "box": f["box"], "label": box_label(f)}
                         for f in photo.findings if f.get("box") and not f.get("frame")],
            "covered": covered, "crop": photo.crop,
            # for each cover: drawn by a person (a fix may remove it) or photoscreen's (only dismissed as not a face)
            "hand_drawn": [c in photo.hand_drawn for c in covered],
            # where the covers are in the copy's own pixels (it may be cropped, turned, cut and scaled)
            "copy_size": list(frame.copy_size()) if frame else None,
            "covered_in_copy": [(list(b) if (b := frame.to_copy(Box(*c["box"]))) else None) for c in covered]
            if frame else None,
            # what the tool left to a person, with what was said of each (null: still to look at)
            "items": [dict(i, dismissed=dismissed.get(i["id"]),
                           box_in_copy=(list(b) if frame and photo.redacted and (b := frame.to_copy(Box(*i["box"])))
                                        else None)) for i in self.items(photo)],
            "decision": decision.decision if decision else None,
            "override": decision.override if decision else False,
            # approving it lets out a blocked file: only "approve anyway", with a reason
            "needs_override": self.exported_verdict(photo, fix) == "block",
            # a review row whose every item was dismissed, with nothing else to review: approved as an ok one
            "settled": self.exported_verdict(photo, fix, dismissed) == "ok" != self.exported_verdict(photo, fix),
            "note": decision.note if decision else "", "who": decision.who if decision else None,
            "decided_at": decision.at if decision else None,
            "previous_decision": stale.decision if stale else None,
            "new": seen.get((photo.path, photo.sha256 or "")) == self.run,
            "error": photo.error,
        }

    def _select(self, params: Mapping[str, str], state: tuple[dict, dict, dict, dict]):
        """The photos the filters in ``params`` select, with each photo's decision and copy verdict in force."""
        photos = self.folder.photos
        decided = {p.path: self.decision(p, state[0]) for p in photos}
        fixes = {p.path: self.fix(p, state[1]) for p in photos}

        def copy_verdict(p: Photo) -> str | None:
            fix = fixes[p.path]
            return fix.copy_verdict if fix else p.copy_verdict

        return [p for p in photos if self._wanted(p, params, decided, state[2], copy_verdict)], decided, copy_verdict

    def not_bulk_approvable(self, photo: Photo, state: tuple[dict, dict, dict, dict]) -> str | None:
        """Why a bulk approval leaves this photo alone (None: it approves it): only an undecided photo
        whose exported file (``exported_verdict``: the safe copy's, or the photo's without copies) is ok."""
        if photo.sha256 is None or photo.error:
            return _("it could not be screened")
        if self.decision(photo, state[0]) is not None:
            return _("it is already decided")
        verdict = self.exported_verdict(photo, self.fix(photo, state[1]), self.dismissed(photo, state[3]))
        if verdict != "ok":
            return _("its safe copy is not ok") if photo.redacted else _("it is not ok")
        return None

    def bulk_approvable(self, params: Mapping[str, str]) -> list[Photo]:
        """The undecided ok photos (their exported file ok) among those the filters select, every page, by path."""
        state = self.state()
        selected = self._select(params, state)[0]
        return sorted((p for p in selected if self.not_bulk_approvable(p, state) is None), key=lambda p: p.path)

    def query(self, params: Mapping[str, str]) -> dict[str, Any]:
        state = self.state()
        photos = self.folder.photos
        selected, decided, copy_verdict = self._select(params, state)
        sort = params.get("sort", "path")
        key = sort.lstrip("-")
        if key not in SORTS:
            raise BadQuery(_("sort must be one of {sorts} (with - for descending), got {sort!r}").format(
                               sorts=', '.join(SORTS), sort=sort))
        order = {
            "path": lambda p: p.path,
            "folder": lambda p: (p.folder, p.path),
            "verdict": lambda p: (SEVERITY[p.verdict], p.path),
            "copy_verdict": lambda p: (SEVERITY.get(copy_verdict(p) or "", 9), p.path),
            "decision": lambda p: ((decided[p.path].decision if decided[p.path] else ""), p.path),
        }[key]
        selected.sort(key=order, reverse=sort.startswith("-"))
        try:
            page = max(1, int(params.get("page", 1)))
            per_page = min(MAX_PER_PAGE, max(1, int(params.get("per_page", PER_PAGE))))
        except ValueError:
            raise BadQuery(_("page and per_page must be whole numbers")) from None
        shown = selected[(page - 1) * per_page:page * per_page]
        return {
            "total": len(selected), "page": page, "per_page": per_page,
            "pages": max(1, -(-len(selected) // per_page)),
            "rows": [self.row(p, state) for p in shown],
            "facets": {
                "verdict": dict(Counter(p.verdict for p in photos)),
                "copy_verdict": dict(Counter(copy_verdict(p) or "none" for p in photos)),
                "reason": dict(Counter(k for p in photos for k in p.kinds)),
                "folder": dict(Counter(p.folder for p in photos)),
                "decision": dict(Counter(d.decision if d else "undecided" for d in decided.values())),
                "overridden": sum(1 for d in decided.values() if d and d.decision == "approve" and d.override),
                "new": sum(1 for p in photos if state[2].get((p.path, p.sha256 or "")) == self.run),
            },
        }

    def _wanted(self, p: Photo, params: Mapping[str, str], decided: dict, seen: dict, copy_verdict) -> bool:
        if params.get("verdict") and p.verdict not in params["verdict"].split(","):
            return False
        if params.get("copy_verdict") and (copy_verdict(p) or "none") not in params["copy_verdict"].split(","):
            return False
        if params.get("reason") and not set(params["reason"].split(",")) & p.kinds:
            return False
        folder = params.get("folder")
        if folder is not None and folder != "" and not (p.folder == folder or p.folder.startswith(folder + "/")):
            return False
        asked = {name for name in DECISION_FILTERS if _flag(params, name)}
        if asked and not asked & decision_states(decided[p.path]):
            return False
        if _flag(params, "new") and seen.get((p.path, p.sha256 or "")) != self.run:
            return False
        q = params.get("q", "").strip().casefold()
        return not q or q in p.path.casefold()


def decision_states(decision: Decision | None) -> set[str]:
    """The decision filters (``DECISION_FILTERS``) a row with this decision in force answers to."""
    if decision is None:
        return {"undecided"}
    if decision.decision == "approve":
        return {"approved", "overridden"} if decision.override else {"approved"}
    return {"rejected"}


def _flag(params: Mapping[str, str], name: str) -> bool:
    return params.get(name, "").lower() in ("1", "true", "yes", "on")
