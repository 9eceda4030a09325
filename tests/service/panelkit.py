"""Reading starlette-admin list pages in tests: rows as {column: text, or the decoded JSON of a JSON cell}."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any, Protocol

import httpx

PASSWORD = "a good long password"


class Browser(Protocol):
    """A TestClient, or an httpx.Client of the running service."""

    def get(self, url: str, **kwargs: Any) -> httpx.Response: ...

    def post(self, url: str, **kwargs: Any) -> httpx.Response: ...


def login(client: Browser, email: str, password: str = PASSWORD) -> httpx.Response:
    """Submit the panel's login form (with its CSRF token)."""
    page = client.get("/admin/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert token is not None, page.text
    return client.post("/admin/login", data={"username": email, "password": password, "csrftoken": token.group(1)})


def redirected_to_login(response: httpx.Response) -> bool:
    return response.status_code == 303 and "/admin/login" in response.headers["location"]


class ListTable(HTMLParser):
    """The rows of a starlette-admin list page: {column: text, or the decoded JSON of a JSON cell}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.column: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and "data-sa-pk" in found:
            self.rows.append({})
        elif tag == "td" and self.rows and found.get("data-column"):
            self.column = found["data-column"]
            self.rows[-1][self.column] = ""
        elif self.column and found.get("data-json") is not None:
            self.rows[-1][self.column] = json.loads(found["data-json"] or "null")
            self.column = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.column:
            text = self.rows[-1][self.column].strip()
            self.rows[-1][self.column] = None if text == "-null-" else text
            self.column = None

    def handle_data(self, data: str) -> None:
        if self.column:
            self.rows[-1][self.column] += data


def list_rows(client: Browser, key: str, **params: str) -> list[dict[str, Any]]:
    response = client.get(f"/admin/{key}/list", params={"page_size": "100", **params})
    assert response.status_code == 200, response.text
    table = ListTable()
    table.feed(response.text)
    return table.rows
