"""Run bcftools: an argv list (never a shell), a time limit, its own process group, clear errors.

Every run starts bcftools in a new session (so in a new process group) with stdin closed. On a
timeout, or if the waiting parent is interrupted (Ctrl-C, a Celery soft time limit, any exception),
the whole group is killed with SIGKILL before the error propagates, so no bcftools or helper
process outlives the task. A non-zero exit becomes the error `core.bcftools_errors.classify` picks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from divbase.core.bcftools_errors import classify
from divbase.core.errors import BcftoolsError, Unavailable

ENV_VAR = "DIVBASE_BCFTOOLS"
DEFAULT_TIMEOUT = 3600.0

_INSTALL_HINT = (
    "Install it (Debian/Ubuntu: apt-get install bcftools tabix; "
    "conda: conda install -c bioconda bcftools) or set DIVBASE_BCFTOOLS to its path."
)


class Bcftools:
    """A bcftools executable with a time limit per run."""

    def __init__(self, executable: str = "bcftools", timeout: float = DEFAULT_TIMEOUT) -> None:
        self.executable = executable
        self.timeout = timeout
        self._version: str | None = None
        self.running: set[subprocess.Popen[bytes]] = set()
        """Processes started by any thread and not finished yet (see `stop_all`)."""
        self.spans: list[tuple[float, float]] = []
        """(start, end) monotonic times of every run, to separate bcftools time from divbase's own."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> Bcftools:
        """The executable named by DIVBASE_BCFTOOLS, else `bcftools` on PATH."""
        env = os.environ if environ is None else environ
        return cls(env.get(ENV_VAR) or "bcftools", timeout)

    def run(
        self,
        args: Sequence[str],
        *,
        operation: str,
        target: str,
        cwd: Path | None = None,
        stdout: Path | None = None,
    ) -> str:
        """Run `bcftools *args`; return its stdout, or "" when `stdout` names a file to write.

        `operation` ("indexing", "reading the header"...) and `target` (the file as the user knows
        it) only shape error messages. Raises the classified `TaskError` on a non-zero exit,
        `BcftoolsError` on a timeout and `Unavailable` when bcftools is missing.
        """
        argv = [self.executable, *args]
        began = time.monotonic()
        try:
            if stdout is None:
                out, err, code = self._execute(argv, subprocess.PIPE, cwd, operation, target)
            else:
                out, err, code = self._execute_to_file(argv, stdout, cwd, operation, target)
        finally:
            self.spans.append((began, time.monotonic()))
        if code != 0:
            raise classify(_text(err), operation=operation, target=target, returncode=code, argv=argv)
        return _text(out)

    def stop_all(self) -> None:
        """Kill every running bcftools process group (a task was cancelled or interrupted)."""
        for proc in list(self.running):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    def busy_seconds(self, since: float = 0.0) -> float:
        """Wall time during which at least one bcftools process (started after `since`) was running."""
        total, reach = 0.0, since
        for start, end in sorted(s for s in self.spans if s[0] >= since):
            if end > reach:
                total += end - max(start, reach)
                reach = end
        return total

    def version(self) -> str:
        """The first line of `bcftools --version`, e.g. 'bcftools 1.16' (cached)."""
        if self._version is None:
            text = self.run(["--version"], operation="checking its version", target="bcftools")
            self._version = (text.splitlines() or ["bcftools (unknown version)"])[0].strip()
        return self._version

    def _execute_to_file(
        self, argv: list[str], path: Path, cwd: Path | None, operation: str, target: str
    ) -> tuple[bytes, bytes, int]:
        """Like `_execute` with stdout written to `path`; a failed run leaves no file behind."""
        try:
            with open(path, "wb") as sink:
                out, err, code = self._execute(argv, sink, cwd, operation, target)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        if code != 0:
            path.unlink(missing_ok=True)
        return out, err, code

    def _execute(
        self, argv: list[str], sink: int | IO[Any], cwd: Path | None, operation: str, target: str
    ) -> tuple[bytes, bytes, int]:
        proc = self._spawn(argv, sink, cwd)
        self.running.add(proc)
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise BcftoolsError(
                f"bcftools timed out after {self.timeout:g} s while {operation} for {target}.",
                "The process and its children were stopped. Narrow the query (fewer files, a region, "
                "fewer samples) or raise the time limit.",
            ) from None
        except BaseException:
            _kill_group(proc)
            raise
        finally:
            self.running.discard(proc)
        return out or b"", err or b"", proc.returncode

    def _spawn(self, argv: list[str], sink: int | IO[Any], cwd: Path | None) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.PIPE,
                cwd=cwd,
                start_new_session=True,
                shell=False,
            )
        except FileNotFoundError as exc:
            if cwd is not None and not cwd.is_dir():
                raise BcftoolsError(f"Working directory {cwd} for bcftools does not exist.") from exc
            raise self._unavailable("was not found") from exc
        except PermissionError as exc:
            raise self._unavailable("is not executable") from exc

    def _unavailable(self, problem: str) -> Unavailable:
        if os.sep in self.executable:
            return Unavailable(f"bcftools {problem} at {self.executable}.", _INSTALL_HINT)
        if self.executable != "bcftools":
            return Unavailable(f"bcftools ('{self.executable}') {problem} on PATH.", _INSTALL_HINT)
        return Unavailable(f"bcftools {problem} on PATH.", _INSTALL_HINT)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group led by `proc`, then reap `proc`.

    Linux keeps a process-group id allocated while any member lives, so the id cannot name an
    unrelated group while our children remain.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()  # it left its group (setsid); kill it directly
    try:
        proc.communicate(timeout=10)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        proc.wait()


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
