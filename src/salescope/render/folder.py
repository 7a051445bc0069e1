"""The output folder: which folders salescope writes into, and replacing a report whole.

:func:`report_folder` gives the caller a fresh staging folder beside the output folder
(``<parent>/.<name>.salescope-new-<pid>-XXXX``, same filesystem); the caller writes the
complete report into it, and only then does the staging folder take the output folder's
place in one atomic step (``renameat2(RENAME_EXCHANGE)`` on Linux). Until that step the
output folder is never touched, so a run stopped at any point (an error, Ctrl-C, SIGKILL)
leaves the earlier report exactly as it was. The earlier report is kept as ``previous/``
(``keep``), files salescope did not write are carried over, and a lock file beside the
folder keeps two runs from writing it at once.

Everything in the staging folder is new, so nothing is ever written through a link: a link
the user left at a file's or a subfolder's name is replaced by the new file or folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from salescope._version import __version__
from salescope.errors import ConfigError, on_stop

MARKER = ".salescope.json"
STAGING = ".salescope-tmp-"  # what versions before the whole-folder swap staged inside it
PREVIOUS = "previous"
EARLIER = "earlier"
# what a report writes at the top of its folder (``by-<dimension>/`` folders too)
REPORT_FILES = frozenset(
    {"report.json", "report.md", "report.html", "report.pdf", "report.xlsx", "quarantine.csv"}
    | {"quality.json"}
    | {"index.md", "index.html"}
)
REPORT_FOLDERS = frozenset({"charts", "tables", "departments", PREVIOUS, EARLIER})
_OWN_FOLDER = "name a folder of its own, e.g. --out salescope-report (it is created if missing)"
_NEW = ".salescope-new-"
_OLD = ".salescope-old-"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def check_out(folder: Path, *, force: bool = False, inputs: Sequence[str] = ()) -> None:
    """Refuse an output folder salescope must not write into, before any work is done.

    Always refused: a file, the root or home folder, a folder inside an input folder (the
    next read of that folder would take the report's CSV tables for data; a glob such as
    ``exports/*.csv`` reads only its folder's own files, so a folder below it is allowed)
    and a folder where the report would write over an input. A non-empty folder without a
    salescope report: refused unless ``force``. A folder that holds the inputs' folder (the
    demo's ``salescope-demo`` around ``salescope-demo/data``) follows the last rule.
    """
    check_target(folder)
    where = folder.resolve()
    for spec in inputs:
        for source, is_folder in input_paths([spec]):
            _check_against(folder, where, source, is_folder, _shallow_glob(str(spec)))
    if force or not folder.is_dir() or is_report_folder(folder):
        return
    try:
        names = [e.name for e in os.scandir(folder)]
    except OSError as exc:
        raise ConfigError(
            f"cannot read the output folder {str(folder)!r}: {exc.strerror}", hint=_OWN_FOLDER
        ) from exc
    if any(not name.startswith(STAGING) for name in names):
        raise ConfigError(
            f"the output folder {str(folder)!r} is not empty and holds no salescope report",
            hint="name a new or empty folder, or add --force to write into it anyway (files "
            "with the report's names are replaced, nothing else is removed)",
        )


def _check_against(folder: Path, where: Path, source: Path, is_folder: bool, shallow: bool) -> None:
    """``check_out``'s rules for one input: ``where`` (the resolved output folder) may be
    neither an input folder nor inside one (a glob such as ``data/*.csv`` reaches only the
    files of its folder: a report folder below it is never read), nor hold an input where
    the report writes a file."""
    inside = source in where.parents and not shallow
    if is_folder and (where == source or inside):
        raise ConfigError(
            f"the output folder {str(folder)!r} is inside the input folder {str(source)!r}",
            hint=f"write the report outside the inputs: {_OWN_FOLDER}",
        )
    if not is_folder and where in source.parents and _written_by_report(source.relative_to(where)):
        raise ConfigError(
            f"the report would write over the input {str(source)!r}",
            hint=f"write the report elsewhere: {_OWN_FOLDER}",
        )


def _shallow_glob(spec: str) -> bool:
    """Whether ``spec`` is a glob that matches files of one folder only: its wildcards in
    the last part, no ``**``.

    >>> _shallow_glob("exports/*.csv"), _shallow_glob("*/sales.csv"), _shallow_glob("**/*.csv")
    (True, False, False)
    """
    if "://" in spec or "**" in spec:
        return False
    *parents, last = Path(spec).parts or ("",)
    wild = any(c in last for c in "*?[")
    return wild and not any(c in part for part in parents for c in "*?[")


def _written_by_report(relative: Path) -> bool:
    """Whether a path inside the output folder is one a report may write."""
    first = relative.parts[0]
    if len(relative.parts) > 1:
        return first in REPORT_FOLDERS or first.startswith("by-")
    return first in REPORT_FILES or first.startswith((MARKER, STAGING))


def check_target(folder: Path) -> None:
    """The checks that hold for every caller: not a file, not the root or home folder."""
    try:
        info = folder.stat()  # a link the user named as the folder is followed
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ConfigError(
            f"cannot use {str(folder)!r} as the output folder: {exc.strerror}",
            hint=_OWN_FOLDER,
        ) from exc
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise ConfigError(
            f"the output folder {str(folder)!r} is a file",
            hint=f"{_OWN_FOLDER}; or move the file away",
        )
    where = folder.resolve()
    if where == Path(where.anchor):
        raise ConfigError(f"the output folder {str(folder)!r} is the root folder", hint=_OWN_FOLDER)
    if where == Path.home().resolve():
        raise ConfigError(
            f"the output folder {str(folder)!r} is your home folder", hint=_OWN_FOLDER
        )


def input_paths(inputs: Iterable[str]) -> list[tuple[Path, bool]]:
    """Each input's path and whether it names a folder (a folder, or a glob's fixed part);
    a database URL gives its file."""
    found: list[tuple[Path, bool]] = []
    for spec in inputs:
        text = str(spec)
        if "://" in text:
            parts = urlsplit(text)
            if parts.scheme.lower() not in ("duckdb", "sqlite"):
                continue
            text = parts.netloc + parts.path
            if not text or text == ":memory:":
                continue
        path = Path(text)
        fixed = list(path.parts)
        glob = False
        for i, part in enumerate(fixed):
            if any(c in part for c in "*?["):
                path = Path(*fixed[:i]) if i else Path(".")
                glob = True
                break
        path = path.resolve()
        found.append((path, glob or path.is_dir()))
    return found


def is_report_folder(folder: Path) -> bool:
    """Whether ``folder`` holds salescope output: its marker, or (written before the marker
    existed) a report.json or quality.json shaped like salescope's."""
    marker = _read_json(folder / MARKER)
    if isinstance(marker, dict) and "salescope" in marker:
        return True
    report = _read_json(folder / "report.json")
    if isinstance(report, dict) and isinstance(report.get("run"), dict):
        return "schema_version" in report and "salescope_version" in report["run"]
    quality = _read_json(folder / "quality.json")
    keys = {"rows_read", "rows_accepted", "rows_quarantined", "score"}
    return isinstance(quality, dict) and keys <= set(quality)


def _read_json(path: Path) -> object:
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None  # a link or a folder is not our file
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def report_folder(
    out: Path,
    *,
    keep: int = 1,
    force: bool = False,
    inputs: Sequence[str] = (),
    wait: float = 0.0,
) -> Iterator[Path]:
    """A fresh folder to write a complete report into; on success it replaces ``out`` whole.

    On entering: the checks of :func:`check_out`, then an exclusive lock on
    ``<parent>/.<name>.salescope.lock`` (waiting up to ``wait`` seconds, else a
    :class:`ConfigError` naming the other run's pid), then staging folders that killed runs
    left beside ``out`` are swept and a new one is made there. The caller writes the whole
    report into the folder it is given.

    On leaving normally, the staging folder becomes the report:

    - the earlier report in ``out`` (when ``out`` is a salescope folder) becomes
      ``previous/`` (``keep >= 1``); with ``keep = N > 1`` the N - 2 most recent of the
      reports already kept go along under ``earlier/<run id>/`` with the earlier
      ``previous/``, the oldest dropped (``keep = 0``: none kept);
    - files salescope did not write (the user's notes, the foreign files a ``force`` run
      found) are carried over at their places, except where this report writes a file of
      the same name;
    - the staging folder and ``out`` are swapped in one step with Linux's
      ``renameat2(RENAME_EXCHANGE)``; where that call is missing (other systems, some
      filesystems) two renames are used, and a run killed between them leaves the earlier
      folder as ``.<name>.salescope-old-<pid>-*``, which the next run puts back;
    - the earlier folder, now at the staging path, is removed.

    Carried files are hard links (copies where the filesystem has none), so ``out`` is
    read but never changed before the swap. On an exception, Ctrl-C, SystemExit, SIGTERM
    or SIGHUP the staging folder is removed and ``out`` is left exactly as it was (after
    SIGKILL, the next run removes it). ``out`` named as a link
    is followed: the folder it points to is replaced and the link is left as it is.

    >>> with report_folder(Path("q3")) as stage:  # doctest: +SKIP
    ...     (stage / "report.json").write_text(text)
    """
    if keep < 0:
        raise ConfigError(f"keep must be 0 or more, not {keep}", hint="keep: 1 keeps previous/")
    check_out(out, force=force, inputs=inputs)
    target = out.resolve()  # a link the user named as the folder is followed
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(out, exc) from exc
    with _locked(out, target, wait):
        _sweep_beside(target)
        try:
            stage = Path(
                tempfile.mkdtemp(prefix=f".{target.name}{_NEW}{os.getpid()}-", dir=target.parent)
            )
        except OSError as exc:
            raise _cannot_write(out, exc) from exc
        forget = on_stop(lambda: shutil.rmtree(stage, ignore_errors=True))  # SIGTERM too
        try:
            yield stage
            try:
                _finish(stage, target, keep)
                _swap(stage, target)
            except OSError as exc:
                raise _cannot_write(out, exc) from exc
        finally:
            shutil.rmtree(stage, ignore_errors=True)  # after the swap: the earlier folder
            forget()


def write_marker(folder: Path, files: Iterable[str]) -> None:
    """The marker that makes ``folder`` a salescope folder, listing the files written."""
    text = json.dumps(
        {
            "salescope": __version__,
            "written": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": sorted(set(files)),
        },
        indent=1,
    )
    (folder / MARKER).write_text(text + "\n", encoding="utf-8")


def _cannot_write(out: Path, exc: OSError) -> ConfigError:
    return ConfigError(
        f"cannot write the output folder {str(out)!r}: {exc.strerror or exc}",
        hint="check the permissions of it and of the folder holding it, and the free space, "
        "or " + _OWN_FOLDER,
    )


# --- the lock ------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(out: Path, target: Path, wait: float) -> Iterator[None]:
    """An exclusive ``flock`` on ``<parent>/.<name>.salescope.lock``, beside the folder so
    that it outlives the swap. The holder writes its pid into it and removes it when done;
    a waiter that got the lock on a file removed meanwhile tries again on the new one."""
    path = target.parent / f".{target.name}.salescope.lock"
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            raise _cannot_write(out, exc) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            if time.monotonic() < deadline:
                time.sleep(0.1)
                continue
            pid = f" (pid {holder})" if holder.isdigit() else ""
            raise ConfigError(
                f"another salescope run is writing {str(out)!r}{pid}",
                hint="wait until it has finished, or write this report to another --out folder",
            ) from None
        except OSError as exc:
            os.close(fd)
            raise _cannot_write(out, exc) from exc
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder before removed it while this run waited: lock the new one
    forget = on_stop(lambda: os.unlink(path))
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        forget()
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _sweep_beside(target: Path) -> None:
    """What killed runs left beside ``target`` (called with the lock held): their staging
    folders go; the earlier folder a run killed between its two renames put aside is put
    back when ``target`` is missing, else removed."""
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        for kind in (_NEW, _OLD):
            head = f".{target.name}{kind}"
            if not entry.name.startswith(head) or not entry.is_dir(follow_symlinks=False):
                continue
            pid = entry.name[len(head) :].split("-", 1)[0]
            if not pid.isdigit() or int(pid) == os.getpid() or alive(int(pid)):
                continue
            if kind == _OLD and not os.path.lexists(target):
                os.rename(entry.path, target)
            else:
                shutil.rmtree(entry.path, ignore_errors=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# --- the swap ------------------------------------------------------------------------------


def _finish(stage: Path, target: Path, keep: int) -> None:
    """Complete the staging folder: its marker, the earlier reports kept, the user's files
    carried over, the folder's permissions."""
    written = [p for p, is_dir in _tree(stage) if not is_dir]
    write_marker(stage, written)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(stage, 0o777 & ~mask)
        return
    os.chmod(stage, stat.S_IMODE(info.st_mode))
    report = is_report_folder(target)
    listed = _listed(target) if report else frozenset()
    previous = stage / PREVIOUS if report and keep >= 1 else None
    _carry(target, stage, previous, _TOP, report, listed)
    if report and keep >= 2:
        _rotate(target, stage / EARLIER, keep - 1)


def _carry(
    old: Path,
    stage: Path,
    previous: Path | None,
    folder: PurePosixPath,
    report: bool,
    listed: frozenset[str],
) -> None:
    """Sort what ``old/folder`` holds: the earlier report's files to ``previous`` (or
    nowhere), everything else to its place in ``stage`` unless the new report has it."""
    for entry in sorted(os.scandir(old / folder), key=lambda e: e.name):
        name = folder / entry.name
        top = not folder.parts
        if top and entry.name.startswith(STAGING):
            continue  # an earlier version's staging folder
        if top and report and entry.name in (PREVIOUS, EARLIER):
            continue  # kept by _rotate, or not at all
        if entry.is_dir(follow_symlinks=False):
            if not _empty(entry.path):
                _carry(old, stage, previous, name, report, listed)  # folders made as needed
                continue
            prefix = f"{name.as_posix()}/"
            ours = report and (
                _written_by_report(Path(name, "-")) or any(n.startswith(prefix) for n in listed)
            )
            if not ours and not _blocked(stage, name):
                (stage / name).mkdir(parents=True, exist_ok=True)  # an empty folder of yours
        elif report and (name.as_posix() in listed or _written_by_report(Path(name))):
            if previous is not None:
                _link(Path(entry.path), previous / name)
        elif not _blocked(stage, name) and not os.path.lexists(stage / name):
            _link(Path(entry.path), stage / name)


def _rotate(old: Path, earlier: Path, count: int) -> None:
    """Keep the ``count`` most recent of ``old``'s previous/ and earlier/ reports under
    ``earlier``: each in a folder named by its run id (or the time it was written), so
    that the names sort oldest first."""
    found: dict[str, Path] = {}
    held = old / EARLIER
    if _real_folder(held):
        for entry in os.scandir(held):
            if entry.is_dir(follow_symlinks=False) and is_report_folder(Path(entry.path)):
                found[entry.name] = Path(entry.path)
    last = old / PREVIOUS
    if _real_folder(last) and is_report_folder(last):
        name = _run_name(last)
        while name in found:
            name += "_"
        found[name] = last
    for name in sorted(found)[-count:]:
        _link_tree(found[name], earlier / name)


def _run_name(folder: Path) -> str:
    """A kept report's folder name: its run id (``20260906_071500_3f2a9c1d``), else the
    time its marker says it was written, else the folder's time of change."""
    report = _read_json(folder / "report.json")
    run = report.get("run") if isinstance(report, dict) else None
    ident = run.get("id") if isinstance(run, dict) else None
    if not isinstance(ident, str):
        marker = _read_json(folder / MARKER)
        written = marker.get("written") if isinstance(marker, dict) else None
        try:
            when = datetime.strptime(str(written), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            when = datetime.fromtimestamp(folder.stat().st_mtime, UTC)
        ident = f"{when:%Y%m%d_%H%M%S}"
    return re.sub(r"[^A-Za-z0-9_.-]", "", ident).lstrip(".") or "report"


def _listed(folder: Path) -> frozenset[str]:
    """The files the marker in ``folder`` lists (a list, or an earlier version's groups)."""
    marker = _read_json(folder / MARKER)
    files = marker.get("files") if isinstance(marker, dict) else None
    if isinstance(files, dict):
        files = [n for names in files.values() if isinstance(names, list) for n in names]
    if not isinstance(files, list):
        return frozenset()
    return frozenset(n for n in files if isinstance(n, str) and _safe(n))


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(path.parts) and not path.is_absolute() and ".." not in path.parts


def _blocked(stage: Path, name: PurePosixPath) -> bool:
    """Whether a file or link of the new report stands where ``name`` or a folder above it
    would go."""
    where = stage
    for part in name.parts:
        where = where / part
        try:
            info = os.stat(where, follow_symlinks=False)
        except FileNotFoundError:
            return False
        if not stat.S_ISDIR(info.st_mode):
            return True
    return False


def _empty(folder: str) -> bool:
    with os.scandir(folder) as entries:
        return next(entries, None) is None


def _real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path, follow_symlinks=False).st_mode)
    except OSError:
        return False


_TOP = PurePosixPath()


def _tree(root: Path, folder: PurePosixPath = _TOP) -> Iterator[tuple[str, bool]]:
    """Every path under ``root`` (relative, POSIX) and whether it is a folder; links are not
    followed."""
    for entry in sorted(os.scandir(root / folder), key=lambda e: e.name):
        name = folder / entry.name
        is_dir = entry.is_dir(follow_symlinks=False)
        yield name.as_posix(), is_dir
        if is_dir:
            yield from _tree(root, name)


def _link_tree(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in os.scandir(source):
        if entry.is_dir(follow_symlinks=False):
            _link_tree(Path(entry.path), target / entry.name)
        else:
            _link(Path(entry.path), target / entry.name)


def _link(source: Path, target: Path) -> None:
    """``source`` at ``target`` too, as a hard link (a link itself, never its target);
    a copy where the filesystem refuses hard links."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EMLINK, errno.EXDEV, errno.ENOTSUP):
            raise
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target, follow_symlinks=False)


def _swap(stage: Path, target: Path) -> None:
    """``stage`` becomes ``target``; the earlier ``target`` (if any) is left at ``stage``."""
    if not os.path.lexists(target):
        os.rename(stage, target)
        return
    if _exchange(stage, target):
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}{_OLD}{os.getpid()}-", dir=target.parent))
    os.rename(target, aside)  # a directory replaces an empty one
    try:
        os.rename(stage, target)
    except OSError:
        os.rename(aside, target)
        raise
    os.rename(aside, stage)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux's ``renameat2(..., RENAME_EXCHANGE)``; False
    where the call or the flag is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.renameat2
    except (OSError, AttributeError):
        return False
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    call.restype = ctypes.c_int
    done = call(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))
