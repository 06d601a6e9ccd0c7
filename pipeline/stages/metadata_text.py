"""Text written in a photo's metadata, read by the same recognizers as the text in its pixels.

A student's name, ID or grade typed into a JPEG comment, a PNG text chunk, a GIF comment, an EXIF
description or user comment, an XMP caption or keyword, an IPTC caption or an ICC profile's
description travels with the file as surely as the same words painted on the picture. Each such
value becomes a few pseudo OCR lines (one per line or ``;``-separated piece, a dummy box per word)
and goes through ``pipeline/text/recognizers/`` exactly as ``text.find_text`` feeds it OCR lines. A match
is a whole-image finding (box null) of its kind (student_id, grade, name), with the recognizer's
masked hint and the field's name: never the text itself.

Two tiers keep ordinary metadata quiet:
- descriptive fields (comments, captions, titles, keywords, person names, artist, copyright) are read
  with ``text.min_score``, as OCR text is;
- technical fields (camera make and model, software, serial numbers, XMP properties outside the
  descriptive namespaces, IPTC references, the ICC profile's names) need ``STRICT_SCORE``: a roster
  name or a label ("Student ID:", "Grade:", "Name:") flags them, a bare number does not. An
  exposure time of "1/10" is not a score out of ten, nor a serial number a student's.

Malformed values are skipped, never raised on; each field is read up to ``MAX_FIELD_CHARS``.
"""

from __future__ import annotations

import re

import numpy as np

from ..findings import Box, Finding
from ..text.ocr import OcrLine, Word
from ..text.recognizers import REGISTRY, Page
from ..text.roster import load_roster
from ..media.metadata_chunks import icc_fields, text_fields
from ..media.metadata_fields import TextField

DETECTOR = "metadata:text"
MAX_LINES = 4000  # pseudo lines per field
MAX_WORD_CHARS = 100  # longer "words" are hex or base64 blobs, never a name, an ID or a grade
# Score a match in a technical field needs: roster names (0.9), labelled names (0.8) and IDs or
# grades after a label (0.8-0.9) pass; bare numbers (0.55) and unlabelled "n/10" (0.7) do not.
STRICT_SCORE = 0.8
KIND_LABEL = {"student_id": "student ID", "grade": "grade", "name": "student name"}
_DUMMY = 1  # px: the pseudo boxes' size


# ---------------------------------------------------------------------------------------------
# Decoding helpers


# ---------------------------------------------------------------------------------------------
# EXIF


# ---------------------------------------------------------------------------------------------
# XMP


# ---------------------------------------------------------------------------------------------
# IPTC


# ---------------------------------------------------------------------------------------------
# ICC profile


def revealing_icc(icc: bytes, policy) -> bool:
    """The profile's text tags hold something a recognizer flags (a roster name, a labelled ID,
    grade or name): such a profile must not be carried into a redacted copy."""
    return bool(findings_for(icc_fields(icc), policy))


# ---------------------------------------------------------------------------------------------
# Free-text blocks (JPEG COM, GIF comment, PNG text chunks)


# ---------------------------------------------------------------------------------------------
# All fields, and their findings


_PIECES = re.compile(r"[\r\n;|\x00-\x08\x0b\x0c\x0e-\x1f\u2028\u2029]+")


def pseudo_lines(text: str, max_lines: int | None = MAX_LINES) -> list[OcrLine]:
    """The text as OCR lines: one per line or ``;``/``|``-separated piece, a word per
    whitespace-separated token, each line a dummy box one step below the last (so "beside" means
    the piece before or after); at most ``max_lines`` (None: all of them)."""
    lines = []
    for piece in _PIECES.split(text):
        tokens = [t for t in piece.split() if len(t) <= MAX_WORD_CHARS]
        if not tokens:
            continue
        y = 2 * len(lines)
        box = Box(0, y, _DUMMY, _DUMMY)
        lines.append(OcrLine(tuple(Word(t, box, 100.0) for t in tokens), box))
        if max_lines is not None and len(lines) >= max_lines:
            break
    return lines


def line_windows(lines: list[OcrLine], size: int = MAX_LINES):
    """``lines`` in windows of ``size`` for the recognizers, each overlapping the one before by a line (what
    stands beside a name is read with it): a long text is read whole, in pieces the recognizers' pairwise
    layout rules stay quick on."""
    for start in range(0, max(1, len(lines)), size - 1):
        yield lines[start:start + size]
        if start + size >= len(lines):
            return


def field_findings(field: TextField, policy) -> list[Finding]:
    t = policy.text
    roster = load_roster(t.roster)
    matches = [m for lines in line_windows(pseudo_lines(field.text, max_lines=None)) if lines
               for m in REGISTRY.find(lines, Page([False] * len(lines), roster, t.name_min_similarity),
                                      layout=("beside_student",))]
    need = max(t.min_score, STRICT_SCORE) if field.strict else t.min_score
    out: list[Finding] = []
    seen = set()
    for match in sorted(matches, key=lambda m: -m.score):
        if match.score < need or (match.kind, match.hint) in seen:
            continue
        seen.add((match.kind, match.hint))
        out.append(Finding(match.kind, None, float(np.clip(match.score, 0, 1)), DETECTOR, hint=match.hint,
                           why=f"{KIND_LABEL.get(match.kind, match.kind)} in {field.where}"))
    return out


def findings_for(fields: list[TextField], policy) -> list[Finding]:
    out: list[Finding] = []
    for field in fields:
        out += field_findings(field, policy)
    return out


def find_metadata_text(image, policy) -> list[Finding]:
    """Student IDs, grades and names written in the photo's metadata (whole-image findings)."""
    return findings_for(text_fields(image), policy)
