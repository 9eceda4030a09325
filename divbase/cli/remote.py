"""Talking to a divbase server: configuration, stored tokens, HTTP with clear errors."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import typer

from divbase.core.errors import DivbaseError, InvalidInput, NotAuthorized, NotFound, TaskError, Unavailable

LOGIN_HINT = "Log in with 'divbase auth login EMAIL' (or set DIVBASE_TOKEN to a personal access token)."
ENV_TOKEN_HINTS = {
    401: "The personal access token in DIVBASE_TOKEN was refused. Create a new one with "
    "'divbase auth token create NAME' (after 'divbase auth login EMAIL'), or unset DIVBASE_TOKEN to use your login.",
    403: "The personal access token in DIVBASE_TOKEN does not allow this. Create one with a wider scope with "
    "'divbase auth token create NAME --project P --role ROLE', or unset DIVBASE_TOKEN to use your login.",
}


def config_dir() -> Path:
    return Path(os.environ.get("DIVBASE_CONFIG_DIR") or typer.get_app_dir("divbase"))


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


@dataclass
class Config:
    """`<config dir>/config.json`: server URL and default project; tokens live in `tokens.json` (0600)."""

    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Config:
        return cls(_read(config_dir() / "config.json"))

    def save(self) -> None:
        _write(config_dir() / "config.json", self.values)

    @property
    def url(self) -> str | None:
        url = os.environ.get("DIVBASE_URL") or self.values.get("url")
        return str(url).rstrip("/") if url else None

    def project(self, given: str | None) -> str:
        project = given or os.environ.get("DIVBASE_PROJECT") or self.values.get("default_project")
        if not project:
            raise InvalidInput(
                "No project given.", "Pass --project NAME or run 'divbase config set default_project NAME'."
            )
        return str(project)


def use_server(directory: Path | None) -> bool:
    """Read from the server unless a bucket dir is named (option or env) or the current dir is a local bucket."""
    from divbase.local import STATE_DIR

    if directory is not None or (Path.cwd() / STATE_DIR).is_dir():
        return False
    return Config.load().url is not None


def load_tokens() -> dict[str, Any]:
    return _read(config_dir() / "tokens.json")


def save_tokens(tokens: dict[str, Any]) -> None:
    _write(config_dir() / "tokens.json", tokens)


def forget_tokens() -> None:
    (config_dir() / "tokens.json").unlink(missing_ok=True)


@contextmanager
def tokens_lock() -> Iterator[None]:
    """Serialise refreshes between divbase processes sharing a login (parallel Snakemake jobs): a refresh
    token works once, so two processes refreshing with the same one would end the session."""
    path = config_dir() / "tokens.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Api:
    """HTTP calls to the server; maps statuses to divbase errors (and so to exit codes)."""

    def __init__(self, url: str | None = None, token: str | None = None) -> None:
        self.url = url or Config.load().url
        if not self.url:
            raise InvalidInput(
                "No divbase server configured.",
                "Run 'divbase config set url https://SERVER' or set DIVBASE_URL.",
            )
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
        timeout: float = 30.0,
    ) -> Any:
        import httpx

        token = self._token() if auth else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = httpx.request(
                method, f"{self.url}{path}", json=body, params=params, headers=headers, timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise Unavailable(
                f"Cannot reach the divbase server at {self.url} ({type(exc).__name__}).",
                "Check the URL ('divbase config show') and your network.",
            ) from None
        if response.status_code == 401 and auth and self.token is None and self._refresh(token):
            return self.call(method, path, body=body, params=params, auth=auth, timeout=timeout)
        if response.status_code >= 400:
            error = error_for(response.status_code, _detail(response))
            if auth and self.token is None and os.environ.get("DIVBASE_TOKEN"):
                error.hint = ENV_TOKEN_HINTS.get(response.status_code, error.hint)
            raise error
        return response.json() if response.content else None

    def _token(self) -> str:
        token = self.token or os.environ.get("DIVBASE_TOKEN") or load_tokens().get("access_token")
        if not token:
            raise NotAuthorized("You are not logged in.", LOGIN_HINT)
        return str(token)

    def _refresh(self, refused: str | None) -> bool:
        """Renew the stored session after `refused` was turned down: True when a new access token is stored,
        False when there is no session to renew; NotAuthorized (tokens forgotten) when the server ends it."""
        if os.environ.get("DIVBASE_TOKEN"):
            return False
        with tokens_lock():
            tokens = load_tokens()
            if not tokens.get("refresh_token"):
                return False
            if tokens.get("access_token") != refused:  # another divbase process renewed it meanwhile
                return True
            try:
                body = {"refresh_token": tokens["refresh_token"]}
                fresh = self.call("POST", "/v1/auth/refresh", body=body, auth=False)
            except NotAuthorized:
                forget_tokens()  # the session is over; say why (expired, logged out, or ended by reuse)
                raise
            save_tokens({**tokens, **fresh})
        return True


@dataclass
class ServerProject:
    """A project on the server and the API to reach it; `RESOURCE` names the routes under the project."""

    api: Api
    project: str
    RESOURCE: ClassVar[str] = ""

    @classmethod
    def connect(cls, project: str | None) -> Self:
        config = Config.load()
        return cls(Api(config.url), config.project(project))

    @property
    def where(self) -> str:
        return f"project '{self.project}'"

    @property
    def base(self) -> str:
        return f"/v1/projects/{self.project}/{self.RESOURCE}"


TASK_ERRORS = {"TaskError", *(cls.__name__ for cls in TaskError.__subclasses__())}


def _detail(response: Any) -> tuple[str, str | None, str]:
    """(message, hint, error type) from the server's error body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or f"HTTP {response.status_code}", None, ""
    if not isinstance(body, dict):
        return json.dumps(body), None, ""
    detail = body.get("detail")
    message = detail if isinstance(detail, str) else json.dumps(detail)
    return message, body.get("hint"), str(body.get("type", ""))


def error_for(status: int, detail: tuple[str, str | None, str]) -> DivbaseError:
    message, hint, kind = detail
    if status == 401:
        return NotAuthorized(message, hint or LOGIN_HINT)
    if status == 403:
        return NotAuthorized(message, hint or "Ask a project manager for a stronger role.")
    if status == 429:
        return NotAuthorized(message, hint or "Wait, then try again.")
    if status == 404:
        return NotFound(message, hint)
    if kind in TASK_ERRORS:
        return TaskError(message, hint)
    if status in (400, 409, 422):
        return InvalidInput(message, hint)
    return Unavailable(f"The divbase server failed (HTTP {status}): {message}", hint or "Try again later.")
