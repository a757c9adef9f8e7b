"""The editing desk over HTTP, without a server of its own: the preview server (kb/engine/serve.py) hands it
every request under MOUNT, and sends back what it answers.

    GET  /_desk/                                   the desk's page (its token in a <meta>)
    GET  /_desk/static/<file>                      its scripts, styles and vendored parts (kb/desk/static/)
    GET  /_desk/api/records                        the list of records (kb.desk.records.Desk.list_records)
    GET  /_desk/api/records/<kind>/<id>            one record as a form opens it (open_record)
    PUT  /_desk/api/records/<kind>/<id>            save: {"values", "version"} (save_record)
    POST /_desk/api/records/<kind>/<id>/undo       put back the version before the last save (undo)

Only the editor gets in. The desk answers only requests whose Host is the address the preview is bound to (a
page elsewhere cannot reach it through a name that resolves to 127.0.0.1: DNS rebinding); a change (PUT, POST)
must come from the desk's own page (its Origin) and every call of the API carries the token of this preview
session, which only the desk's page has (a page on another site can make the browser send a request, not read
the token). Bodies are bounded; ids and kinds are checked by the store (kb.desk.records), which never reads or
writes outside the data folder.

Never: serve anything outside kb/desk/static/, answer without these checks, or print a traceback to the browser.
"""

from __future__ import annotations

import json
import mimetypes
import secrets
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote

from .records import Desk, DeskError

MOUNT = "/_desk/"
STATIC = Path(__file__).resolve().parent / "static"
TOKEN_HEADER = "X-Desk-Token"
MOST_BYTES = 2_000_000  # of a request's body: a record is at most 1 MB of YAML


@dataclass
class Answer:
    status: int
    body: bytes = b""
    kind: str = "application/json; charset=utf-8"
    headers: dict = field(default_factory=dict)


def _json(status: int, value) -> Answer:
    return Answer(status, json.dumps(value, ensure_ascii=False).encode("utf-8"))


def _refuse(status: int, message: str) -> Answer:
    return _json(status, {"error": message})


class DeskApp:
    def __init__(self, settings, host: str, port: int) -> None:
        """`settings`: the preview's (drafts included); `host`, `port`: the address the preview is bound to."""
        self.desk = Desk(settings)
        self.token = secrets.token_urlsafe(32)
        names = {host}
        if host in ("127.0.0.1", "localhost", "::1", "[::1]"):
            names |= {"127.0.0.1", "localhost"}
        self.hosts = {f"{name}:{port}" for name in names}
        self.origins = {f"http://{h}" for h in self.hosts}

    def handle(self, method: str, path: str, headers, body: bytes = b"") -> Answer:
        """Answer one request (`path` without the query; `headers` as a mapping with .get)."""
        if (headers.get("Host") or "") not in self.hosts:
            return _refuse(HTTPStatus.FORBIDDEN, "编辑台只接受本机预览地址上的请求。")
        rest = path[len(MOUNT):] if path.startswith(MOUNT) else None
        if rest is None:
            return _refuse(HTTPStatus.NOT_FOUND, "找不到这个地址。")
        if method in ("GET", "HEAD") and not rest.startswith("api/"):
            return self._static(rest)
        if not rest.startswith("api/"):
            return _refuse(HTTPStatus.METHOD_NOT_ALLOWED, "不支持这种请求。")
        if method not in ("GET", "HEAD") and headers.get("Origin") not in self.origins:
            return _refuse(HTTPStatus.FORBIDDEN, "修改只能从编辑台页面提交。")
        if not secrets.compare_digest(headers.get(TOKEN_HEADER) or "", self.token):
            return _refuse(HTTPStatus.FORBIDDEN, "编辑台的凭据不对或已过期：请刷新编辑台页面（重新启动预览后须刷新）。")
        if len(body) > MOST_BYTES:
            return _refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "提交的内容太大。")
        try:
            return self._api(method, rest[len("api/"):], body)
        except DeskError as e:
            return _refuse(HTTPStatus.BAD_REQUEST, str(e))
        except Exception as e:  # a bug of ours: said plainly, without a traceback
            return _refuse(HTTPStatus.INTERNAL_SERVER_ERROR, f"编辑台内部错误：{type(e).__name__}: {e}。请把这条信息报告给网站管理员。")

    def _api(self, method: str, route: str, body: bytes) -> Answer:
        parts = [unquote(p) for p in route.split("/")]
        if parts == ["records"] and method == "GET":
            return _json(HTTPStatus.OK, self.desk.list_records())
        if len(parts) == 3 and parts[0] == "records" and method == "GET":
            return _json(HTTPStatus.OK, self.desk.open_record(parts[1], parts[2]))
        if len(parts) == 3 and parts[0] == "records" and method == "PUT":
            given = _body(body)
            if not isinstance(given.get("values"), dict) or not isinstance(given.get("version"), str):
                raise DeskError("保存的内容不完整（缺少 values 或 version）。")
            saved = self.desk.save_record(parts[1], parts[2], given["values"], given["version"])
            status = HTTPStatus.CONFLICT if "conflict" in saved else HTTPStatus.UNPROCESSABLE_ENTITY if "refused" in saved else HTTPStatus.OK
            return _json(status, saved)
        if len(parts) == 4 and parts[0] == "records" and parts[3] == "undo" and method == "POST":
            return _json(HTTPStatus.OK, self.desk.undo(parts[1], parts[2]))
        return _refuse(HTTPStatus.NOT_FOUND, "找不到这个地址。")

    def _static(self, rest: str) -> Answer:
        name = "index.html" if rest == "" else rest[len("static/"):] if rest.startswith("static/") else None
        if not name or "\\" in name or ":" in name:
            return _refuse(HTTPStatus.NOT_FOUND, "找不到这个地址。")
        path = (STATIC / unquote(name)).resolve()
        if not path.is_relative_to(STATIC) or not path.is_file():
            return _refuse(HTTPStatus.NOT_FOUND, "找不到这个地址。")
        body = path.read_bytes()
        if path.name == "index.html":
            body = body.replace(b"{{token}}", self.token.encode("ascii"))
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml"):
            kind += "; charset=utf-8"
        # the page carries the token: never kept by the browser; a page elsewhere may not frame it
        return Answer(HTTPStatus.OK, body, kind, {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                                 "Content-Security-Policy": "frame-ancestors 'none'"})


def _body(body: bytes) -> dict:
    try:
        given = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeskError("提交的内容不是有效的 JSON。") from None
    if not isinstance(given, dict):
        raise DeskError("提交的内容格式不对。")
    return given
