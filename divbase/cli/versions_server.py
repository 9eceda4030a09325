"""`divbase version` against a server project: the routes under `/v1/projects/{project}/versions`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from divbase.cli.remote import ServerProject


class ServerVersions(ServerProject):
    RESOURCE = "versions"

    def _one(self, name: str) -> str:
        """The path of one version (its name percent-encoded: names may hold spaces, '?', '#', '%')."""
        return f"{self.base}/{quote(name, safe='')}"

    def add(self, name: str, description: str) -> dict[str, Any]:
        body = {"name": name, "description": description}
        row: dict[str, Any] = self.api.call("POST", self.base, body=body, timeout=300.0)
        return row

    def ls(self, include_deleted: bool) -> list[dict[str, Any]]:
        params = {"include_deleted": str(include_deleted).lower()}
        rows: list[dict[str, Any]] = self.api.call("GET", self.base, params=params)["versions"]
        return rows

    def info(self, name: str) -> dict[str, Any]:
        row: dict[str, Any] = self.api.call("GET", self._one(name))
        return row

    def update(self, name: str, new_name: str | None, new_description: str | None) -> dict[str, Any]:
        body = {"new_name": new_name, "new_description": new_description}
        row: dict[str, Any] = self.api.call("PATCH", self._one(name), body=body)
        return row

    def remove(self, name: str) -> dict[str, Any]:
        row: dict[str, Any] = self.api.call("DELETE", self._one(name))
        return row

    def restore(self, name: str) -> dict[str, Any]:
        row: dict[str, Any] = self.api.call("POST", f"{self._one(name)}/restore")
        return row
