"""A second Python process that runs functions of one salescope module while this one works.

Two parts of a report are slow for reasons of their own, not of the data: laying out the
PDF (WeasyPrint, 6-8 s for a full report) and importing the statistical libraries
(statsmodels with SciPy and pandas, about 2.5 s). Both are Python, so a thread would not run
beside this process's own Python; a second interpreter on the other core does. A
:class:`Helper` starts one when it is made; the interpreter imports its module and calls
the module's ``warm()`` (the slow imports), while this process goes on, then answers the
calls :meth:`Helper.submit` sends it, one at a time. Inside a :func:`shared_helper` block,
code that wants one for a module uses the block's (:func:`shared`), started early.

It is a new interpreter (``sys.executable -P -c ...``), not a ``multiprocessing`` child,
which would run a caller's script again when the script has no ``__main__`` guard. Calls
and answers go through its stdin and stdout as pickles (between two processes of the same
salescope: nothing else writes there). The interpreter has a session of its own, so Ctrl-C
reaches only this process, which stops it.

Nothing depends on the helper being there: where no process can be started, or it dies,
:meth:`Helper.result` runs the call in this process, the same function on the same
arguments. An error the function raises in the helper is raised here.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any

log = logging.getLogger("salescope")

# The helper's command (``-P``: the working folder is not put first on its path): the
# salescope the caller imported (a folder it put on sys.path itself included), then serve.
_START = (
    "import sys; sys.path.insert(0, sys.argv[1]) if sys.argv[1] not in sys.path else None; "
    "from salescope.helper import serve; sys.exit(serve(sys.argv[2], int(sys.argv[3])))"
)


class Helper:
    """Calls of functions of ``module`` (a salescope module's name), run by a process of its
    own; with ``nice`` (1-19), one of a lower priority, which takes only the CPU time this
    process and the others leave.

    >>> with Helper("salescope.render.pdf") as pdf:  # doctest: +SKIP
    ...     pdf.submit("write_pdf", html, folder / "report.pdf")
    ...     write_the_other_formats()
    ...     path = pdf.result()
    """

    def __init__(self, module: str, nice: int = 0) -> None:
        self.module = module
        self._proc: subprocess.Popen[bytes] | None = None
        self._pending: tuple[str, tuple[Any, ...], dict[str, Any]] | None = None
        package = Path(__file__).resolve().parents[1]  # where this salescope is imported from
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-P", "-c", _START, str(package), module, str(nice)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,  # Ctrl-C stops this process, which stops that one
            )
        except OSError as exc:
            log.info("%s runs in this process: %s", module, exc)

    @property
    def running(self) -> bool:
        """Whether the process is there to take calls (else they run in this one)."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pending(self) -> bool:
        """Whether a call submitted has not been answered yet."""
        return self._pending is not None

    def submit(self, function: str, *args: Any, **kwargs: Any) -> None:
        """Send the call ``function(*args, **kwargs)``; :meth:`result` returns its value.
        One call at a time: each side would wait for the other to read a large pickle."""
        if self._pending is not None:
            raise RuntimeError("Helper.submit() before the result() of the call before")
        call = self._pending = (function, args, kwargs)
        if self._proc is None or self._proc.stdin is None:
            return
        try:  # the process reads it as this writes, once its imports are done
            pickle.dump(call, self._proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._proc.stdin.flush()
        except OSError as exc:  # the process is gone
            self._gone(exc)

    def result(self) -> Any:
        """The value of the call submitted, once it is there; its error, if the function
        raised one."""
        if self._pending is None:
            raise RuntimeError("Helper.result() without a call submitted")
        function, args, kwargs = self._pending
        if self._proc is not None and self._proc.stdout is not None:
            try:
                ok, value = pickle.load(self._proc.stdout)
            except Exception as exc:  # noqa: BLE001 - gone, or an answer this side cannot read
                self._gone(exc)
            else:
                self._pending = None
                if ok:
                    return value
                raise value  # the function's own error, pickled by the process started here
        self._pending = None
        return getattr(importlib.import_module(self.module), function)(*args, **kwargs)

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` run by the process: :meth:`submit`, then
        :meth:`result`."""
        self.submit(function, *args, **kwargs)
        return self.result()

    def _gone(self, reason: BaseException) -> None:
        log.info("the %s process is gone (%s); its calls run in this one", self.module, reason)
        self.close()

    def close(self) -> None:
        """Stop the process (at once: a call it is running is not needed any more)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with suppress(OSError):
                    stream.close()

    def __enter__(self) -> Helper:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


_shared: dict[str, Helper] = {}  # module -> the process of the enclosing shared_helper block


@contextmanager
def shared_helper(module: str, nice: int = 0) -> Iterator[None]:
    """A :class:`Helper` for ``module``, started now, which :func:`shared` gives the code this
    block runs; a block inside another for the same module uses the outer block's."""
    if module in _shared:
        yield
        return
    with Helper(module, nice) as helper:
        _shared[module] = helper
        try:
            yield
        finally:
            del _shared[module]


def shared(module: str) -> Helper | None:
    """The helper of the enclosing :func:`shared_helper` block for ``module``, if any."""
    return _shared.get(module)


def serve(module: str, nice: int = 0) -> int:
    """The helper process: import ``module``, run its ``warm()``, then answer each call read
    from stdin, in order, until stdin ends. An answer is ``(True, value)`` or
    ``(False, error)``. ``nice`` lowers the process's scheduling priority first."""
    if nice:
        with suppress(OSError):
            os.nice(nice)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # what a library prints goes to stderr, not into the answers
    sys.stdout = sys.stderr
    target = importlib.import_module(module)
    warm = getattr(target, "warm", None)
    if warm is not None:
        with suppress(Exception):  # a library that cannot load: the call says so, in order
            warm()
    calls = sys.stdin.buffer
    while True:
        try:
            function, args, kwargs = pickle.load(calls)
        except EOFError:  # the caller is done
            return 0
        try:
            answer: tuple[bool, Any] = (True, getattr(target, function)(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - every error goes back to the caller
            answer = (False, exc)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - a value or an error that cannot be pickled
            ok, value = answer
            text = (
                f"{function} returned a {type(value).__name__}, which cannot be pickled"
                if ok
                else f"{type(value).__name__}: {value}"
            )
            data = pickle.dumps((False, RuntimeError(text)))
        answers.write(data)
        answers.flush()
