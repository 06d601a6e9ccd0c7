"""Text files named on the command line (class rosters, posts CSVs, policy files): read from regular
files only, and decoded one way for the whole file or refused with the line to fix.

Regular files only: a FIFO, a device or a socket is refused from what ``stat`` says, without being
opened for reading (a FIFO would block for ever, ``/dev/zero`` would fill the memory); the open
descriptor is checked again (the path may change in between), and it is opened ``O_NONBLOCK`` so
that a path swapped for a FIFO in between does not block either. At most ``max_bytes + 1`` bytes are
read.

One encoding for the whole file (``decode``), never a guess line by line and never a silent mojibake:

1. A byte-order mark decides: UTF-8 (``EF BB BF``) or UTF-16 (``FF FE``, ``FE FF``: Excel's
   "Unicode text"). The whole file must then be valid in it.
2. Without one: UTF-8 when the whole file is valid UTF-8 (plain ASCII is).
3. Else Windows-1252 (Excel's plain "CSV" on Windows), but only when the file holds no byte sequence
   that is well-formed UTF-8 multi-byte. The bytes ``C3 A9`` are "é" in UTF-8 and "Ã©" in
   Windows-1252: a file that holds such sequences AND bytes that are not UTF-8 is a mix (UTF-8 lines
   and a line pasted from a Windows-1252 file, or the reverse). No one reading gives every line its
   letters ("Hélène" would become "HÃ©lÃ¨ne", and a roster name or a caption term would silently
   never match), so the file is refused, naming its first line that is not UTF-8 and a line that is.
   Genuine Windows-1252 text almost never holds such a pair (an accented capital or "à"-"ï" followed by
   one or two symbols: "Ã©", "Â«"); when it does, the refusal asks for UTF-8, which always works.
   Bytes Windows-1252 leaves undefined (81, 8D, 8F, 90, 9D) are refused too.
4. NUL characters are refused, whatever the encoding: UTF-16 without a byte-order mark (every other
   byte NUL in Latin text, which is valid UTF-8) or a binary file is not guessed at.

``utf8_only`` (policy files: TOML is UTF-8) keeps steps 1 (UTF-8 mark only), 2 and 4.
Line numbers count line feeds from 1, as the csv module's ``line_num`` does.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .i18n import N_, _

# what a path is when it is not a regular file, for the message
NOT_REGULAR = (
    (stat.S_ISDIR, N_("a folder")),
    (stat.S_ISFIFO, N_("a FIFO (named pipe)")),
    (stat.S_ISCHR, N_("a character device")),
    (stat.S_ISBLK, N_("a block device")),
    (stat.S_ISSOCK, N_("a socket")),
)
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A well-formed UTF-8 sequence of two to four bytes (the Unicode standard's table 3-7: no overlong
# forms, no surrogates, nothing above U+10FFFF).
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")


def not_regular(path: Path) -> str | None:
    """What ``path`` is (translated, "a FIFO (named pipe)") when it exists and is not a regular file
    (a link is followed); None for a regular file or a missing path."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return None if stat.S_ISREG(mode) else _kind(mode, path)


def _kind(mode: int, path: Path) -> str:
    what = _(next((name for test, name in NOT_REGULAR if test(mode)), N_("an unknown kind of file")))
    if os.path.islink(path):
        what += _(" (reached through a symbolic link)")
    return what


def not_regular_message(where: str, what: str) -> str:
    return _("{where} is {what}, not a regular file: it is not read (a pipe or a device could make it wait for "
             "ever or never end); save the text in a file and give that file's path").format(where=where, what=what)


def read_bytes(path: Path, where: str, error: type[Exception], max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them; ``error`` (raised with a
    message starting with ``where``, such as "roster class.csv") otherwise."""
    try:
        what = not_regular(path)
        if what is not None:
            raise error(not_regular_message(where, what))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise error(_("{where}: cannot read it ({why})").format(where=where, why=exc.strerror or exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(not_regular_message(where, _kind(info.st_mode, path)))
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(max(info.st_size + 1 - total, 1 << 20), max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise error(_("{where}: cannot read it ({why})").format(where=where, why=exc.strerror or exc)) from exc
    finally:
        os.close(fd)
    if total > max_bytes:
        raise error(_("{where}: larger than {limit} MB, too large for this kind of file; is it the right "
                      "file?").format(where=where, limit=max_bytes // 2**20))
    return b"".join(chunks)


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _byte(data: bytes, offset: int) -> str:
    return f"0x{data[offset]:02X}" if offset < len(data) else "?"


def decode(data: bytes, where: str, error: type[Exception], save_as: str = "UTF-8", utf8_only: bool = False) -> str:
    """The text of ``data`` in its one encoding (see the module's docstring), or ``error`` naming
    ``where``, the line and what to do (save the file as ``save_as``)."""
    if data.startswith(UTF16_BOMS) and not utf8_only:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].decode("utf-16", "replace").count("\n") + 1
            raise error(_("{where}, line {line}: not valid UTF-16 although the file starts with a UTF-16 "
                          "byte-order mark; save it as {save_as}").format(
                            where=where, line=line, save_as=save_as)) from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            bad = exc.start + (len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0)
            line, byte = _line_at(data, bad), _byte(data, bad)
            if utf8_only or data.startswith(UTF8_BOM):
                raise error(_("{where}, line {line}: not UTF-8 (byte {byte}); save it as {save_as}").format(
                                where=where, line=line, byte=byte, save_as=save_as)) from exc
            utf8 = UTF8_MULTIBYTE.search(data)
            if utf8 is not None:
                raise error(_("{where}, line {line}: not UTF-8 (byte {byte}) while line {other} is: the file mixes "
                              "encodings (a line pasted from a Windows-1252 file?) and no one reading gives every "
                              "line its accents; save it as {save_as}").format(
                                where=where, line=line, byte=byte, other=_line_at(data, utf8.start()),
                                save_as=save_as)) from exc
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc1252:
                raise error(_("{where}, line {line}: neither UTF-8 nor Windows-1252 text (byte {byte}); save it "
                              "as {save_as}").format(
                                where=where, line=_line_at(data, exc1252.start), byte=_byte(data, exc1252.start),
                                save_as=save_as)) from exc1252
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise error(_("{where}, line {line}: holds NUL characters, not text (UTF-16 without a byte-order mark, or "
                      "a binary file); save it as {save_as}").format(where=where, line=line, save_as=save_as))
    return text


def read_text(path: Path, where: str, error: type[Exception], max_bytes: int, save_as: str = "UTF-8",
              utf8_only: bool = False) -> str:
    """``read_bytes`` then ``decode``: the whole text of a regular file in its one encoding."""
    return decode(read_bytes(Path(path), where, error, max_bytes), where, error, save_as, utf8_only)
