"""Uploaded workbooks kept between the check and the confirmed import.

A file is stored once under ``MEDIA_ROOT/imports/<sha256>.xlsx``; the confirm step names it by
that hash only (checked against the user's session), so no path ever comes from the request.
Files older than two hours are swept at the next upload (they hold full ID numbers).
"""

import contextlib
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from django.conf import settings

_SHA = re.compile(r"^[0-9a-f]{64}$")
MAX_AGE = 2 * 3600  # long enough to check and confirm; the files hold full ID numbers
SESSION_KEY = "registry_uploads"


def directory() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stash(upload) -> str:
    """Store an uploaded file; returns its sha256."""
    sweep()
    folder = directory()
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        os.replace(tmp, folder / f"{sha}.xlsx")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha


def path_of(sha: str) -> Path | None:
    if not isinstance(sha, str) or not _SHA.match(sha):
        return None
    path = directory() / f"{sha}.xlsx"
    return path if path.is_file() else None


def claim(sha: str) -> Path | None:
    """Take the stored upload for one import: it is renamed out of the way atomically, so a
    second confirm of the same file (a double click, a replay) finds nothing. None when it is
    gone or already taken. ``release`` puts it back, ``discard_claimed`` deletes it."""
    path = path_of(sha)
    if path is None:
        return None
    claimed = path.with_name(f"{sha}.{os.getpid()}-{time.monotonic_ns()}.importing")
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        return None
    return claimed


def release(sha: str, claimed: Path) -> None:
    """Put a claimed upload back (its import failed: its problems may still be listed)."""
    with contextlib.suppress(FileNotFoundError):
        os.replace(claimed, directory() / f"{sha}.xlsx")


def discard_claimed(claimed: Path) -> None:
    claimed.unlink(missing_ok=True)


def discard(sha: str) -> None:
    path = path_of(sha)
    if path is not None:
        path.unlink(missing_ok=True)


def sweep(max_age: int = MAX_AGE) -> None:
    cutoff = time.time() - max_age
    for path in directory().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def remember(session, sha: str, name: str) -> None:
    """The session lists the uploads its user may confirm (the last few)."""
    uploads = dict(session.get(SESSION_KEY, {}))
    uploads.pop(sha, None)
    uploads[sha] = name
    session[SESSION_KEY] = dict(list(uploads.items())[-5:])


def remembered(session, sha: str) -> str | None:
    return session.get(SESSION_KEY, {}).get(sha)


def forget(session, sha: str) -> None:
    uploads = dict(session.get(SESSION_KEY, {}))
    if uploads.pop(sha, None) is not None:
        session[SESSION_KEY] = uploads
