"""The output folder: which folders salescope writes into, and writing without following links.

Files are written into a staging folder inside the output folder, then moved onto their
names with ``os.replace`` through directory handles opened with ``O_NOFOLLOW``: a link at
a file's name is replaced (never written through), a link at a subfolder's name
(``charts -> /elsewhere``) is replaced by a real folder. A marker file records what each
run wrote, so the next run recognises the folder as salescope's and removes the files of
the earlier run it did not write again (only those: nothing else in the folder is touched).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from salescope._version import __version__
from salescope.errors import ConfigError

MARKER = ".salescope.json"
STAGING = ".salescope-tmp-"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
# what a report writes at the top of its folder (``by-<dimension>/`` folders too)
REPORT_FILES = frozenset(
    {"report.json", "report.md", "report.html", "report.pdf", "report.xlsx", "quarantine.csv"}
    | {"quality.json"}
    | {"index.md", "index.html"}
)
REPORT_FOLDERS = frozenset({"charts", "tables", "departments"})
_OWN_FOLDER = "name a folder of its own, e.g. --out salescope-report (it is created if missing)"


def check_out(folder: Path, *, force: bool = False, inputs: Sequence[str] = ()) -> None:
    """Refuse an output folder salescope must not write into, before any work is done.

    Always refused: a file, the root or home folder, a folder inside an input folder (the
    next read of that folder would take the report's CSV tables for data) and a folder
    where the report would write over an input. A non-empty folder without a salescope
    report: refused unless ``force``. A folder that holds the inputs' folder (the demo's
    ``salescope-demo`` around ``salescope-demo/data``) follows the last rule.
    """
    check_target(folder)
    where = folder.resolve()
    for source, is_folder in input_paths(inputs):
        if is_folder and (where == source or source in where.parents):
            raise ConfigError(
                f"the output folder {str(folder)!r} is inside the input folder {str(source)!r}",
                hint=f"write the report outside the inputs: {_OWN_FOLDER}",
            )
        if (
            not is_folder
            and where in source.parents
            and _written_by_report(source.relative_to(where))
        ):
            raise ConfigError(
                f"the report would write over the input {str(source)!r}",
                hint=f"write the report elsewhere: {_OWN_FOLDER}",
            )
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
def staging(folder: Path) -> Iterator[Path]:
    """A fresh folder inside ``folder`` (created if missing) to write files into before
    :func:`publish` moves them onto their names; removed afterwards."""
    check_target(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _sweep_staging(folder)
        stage = Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=folder))
    except OSError as exc:
        raise ConfigError(
            f"cannot write into the output folder {str(folder)!r}: {exc.strerror}",
            hint="check its permissions and the free space, or " + _OWN_FOLDER,
        ) from exc
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _sweep_staging(folder: Path) -> None:
    """Staging folders a killed run left in ``folder`` (its process gone)."""
    for entry in os.scandir(folder):
        if not entry.name.startswith(STAGING) or not entry.is_dir(follow_symlinks=False):
            continue
        pid = entry.name[len(STAGING) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def publish(folder: Path, stage: Path, files: Sequence[str], group: str = "report") -> list[Path]:
    """Move ``files`` (paths relative to ``stage``) onto their names in ``folder`` without
    following links, then record them under ``group`` in the marker, removing the files an
    earlier run recorded under ``group`` that are not written again. Returns the paths."""
    for name in files:
        _relative(name)
    try:
        with _opened(folder) as top, _opened(stage) as staged:
            for name in files:
                *parents, leaf = _relative(name)
                with (
                    _walk(staged, parents, create=False) as source,
                    _walk(top, parents) as target,
                ):
                    _make_way(target, leaf, folder / name)
                    os.replace(leaf, leaf, src_dir_fd=source, dst_dir_fd=target)
            record(top, group, files)
    except OSError as exc:
        raise ConfigError(
            f"cannot write into the output folder {str(folder)!r}: {exc.strerror or exc}",
            hint="check its permissions and the free space, or " + _OWN_FOLDER,
        ) from exc
    return [folder / name for name in files]


def record(top: int, group: str, files: Sequence[str]) -> None:
    """Set ``group``'s files in the marker of the folder open as ``top`` and remove the
    files the marker listed under it before that no group lists now."""
    old = _marker(top)
    groups: dict[str, list[str]] = dict(old)
    groups[group] = sorted(set(files))
    kept = {name for names in groups.values() for name in names}
    for name in sorted(set(old.get(group, ())) - kept, reverse=True):
        _remove(top, name)
    text = json.dumps({"salescope": __version__, "files": groups}, indent=1, sort_keys=True)
    temporary = f"{MARKER}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary, dir_fd=top)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=top)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    os.replace(temporary, MARKER, src_dir_fd=top, dst_dir_fd=top)


def record_folder(folder: Path, group: str, files: Sequence[str]) -> None:
    """:func:`record` for a folder given by its path (a link the user named is followed)."""
    with _opened(folder) as top:
        record(top, group, files)


def real_folder(base: Path, *parts: str) -> Path:
    """``base/parts...`` as real folders: created when missing, a link or file at one of
    the names replaced by a folder (the link's target is left alone)."""
    check_target(base)
    base.mkdir(parents=True, exist_ok=True)
    with _opened(base) as top, _walk(top, list(parts)):
        pass
    return base.joinpath(*parts)


def _marker(top: int) -> dict[str, list[str]]:
    try:
        fd = os.open(MARKER, os.O_RDONLY | _NOFOLLOW, dir_fd=top)
    except OSError:
        return {}
    try:
        with os.fdopen(fd, encoding="utf-8") as handle:
            data = json.load(handle)
    except ValueError:
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {
        str(group): [n for n in names if isinstance(n, str) and _safe(n)]
        for group, names in files.items()
        if isinstance(names, list)
    }


def _safe(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not PurePosixPath(name).is_absolute() and ".." not in parts


def _relative(name: str) -> list[str]:
    if not _safe(name):
        raise ValueError(f"not a relative path inside the output folder: {name!r}")
    return list(PurePosixPath(name).parts)


def _remove(top: int, name: str) -> None:
    """Remove an earlier run's file (a link itself, never its target) and then the folders
    it leaves empty."""
    *parents, leaf = _relative(name)
    try:
        with _walk(top, parents, create=False) as where:
            info = os.stat(leaf, dir_fd=where, follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode):
                os.unlink(leaf, dir_fd=where)
    except OSError:
        return
    for depth in range(len(parents), 0, -1):
        try:
            with _walk(top, parents[: depth - 1], create=False) as where:
                os.rmdir(parents[depth - 1], dir_fd=where)
        except OSError:
            return


@contextlib.contextmanager
def _opened(folder: Path) -> Iterator[int]:
    fd = os.open(folder, _DIRECTORY)
    try:
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def _walk(top: int, parts: Sequence[str], create: bool = True) -> Iterator[int]:
    """A handle on ``top/parts...``, never through a link; with ``create``, a missing
    folder is made and a link or file in the way replaced by a folder."""
    fd = os.dup(top)
    try:
        for part in parts:
            try:
                child = os.open(part, _DIRECTORY | _NOFOLLOW, dir_fd=fd)
            except OSError:
                if not create:
                    raise
                with contextlib.suppress(FileNotFoundError):
                    info = os.stat(part, dir_fd=fd, follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        raise
                    os.unlink(part, dir_fd=fd)  # a link (only the link goes) or a file
                os.mkdir(part, dir_fd=fd)
                child = os.open(part, _DIRECTORY | _NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _make_way(where: int, leaf: str, shown: Path) -> None:
    """A folder at a file's name cannot be replaced: say so instead of failing later."""
    try:
        info = os.stat(leaf, dir_fd=where, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(
            f"cannot write {str(shown)!r}: a folder of that name is in the way",
            hint="move it away or name another output folder",
        )
