"""Reading a file the tool was given, in bounded time and memory.

Every file the tool reads (specs, --input and --weights JSON, pyproject.toml) is a path a user or a
script names, so it can be anything: a FIFO whose open() blocks forever, /dev/zero that never
ends, a directory, a file of gigabytes. One helper refuses all of them with one clear message.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class BadFile(OSError):
    """A file that cannot be read within bounds; str() is the whole message, starting with the path.

    An OSError, so callers that already report unreadable files catch it with them."""


def read_bounded(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them; else BadFile.

    Opened non-blocking and checked with fstat on the open descriptor, so a FIFO neither blocks
    the open nor slips in between a check and the open; at most limit + 1 bytes are read, so a
    file that grows while being read still costs bounded memory. `what` names the file's role in
    the message for a file over the limit ("the --input file")."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as err:
        raise BadFile(f"{path}: cannot read: {err.strerror or err}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise BadFile(f"{path}: not a regular file ({_kind(info.st_mode)})")
    with os.fdopen(fd, "rb") as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as err:
            raise BadFile(f"{path}: cannot read: {err.strerror or err}") from None
    if len(data) > limit:
        raise BadFile(f"{path}: {what} is {max(info.st_size, len(data)):,} bytes or more, "
                      f"over the limit of {limit:,}")
    return data


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((words for test, words in kinds if test(mode)), "not a file")
