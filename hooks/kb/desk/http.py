"""The editing desk over HTTP, without a server of its own: the preview server (kb/engine/serve.py) hands it
every request under MOUNT, and sends back what it answers.

    GET  /_desk/                                   the desk's page (its token in a <meta>)
    GET  /_desk/static/<file>                      its scripts, styles and vendored parts (kb/desk/static/)
    GET  /_desk/api/records                        the list of records (kb.desk.records.Desk.list_records)
    GET  /_desk/api/records/<kind>/<id>            one record as a form opens it (open_record)
    PUT  /_desk/api/records/<kind>/<id>            save: {"values", "version"} (save_record)
    POST /_desk/api/records/<kind>/<id>/undo       put back the version before the last save (undo)
    the month's work (kb.desk.actions.Actions):
    GET  /_desk/api/setup                          what the forms offer (themes, next month, kinds, limits, publishing)
    POST /_desk/api/issues                         new issue: {"month", "theme", "cases"} (`new issue`)
    POST /_desk/api/records/<kind>                 new record: {"id"} (`new standard|method|case`)
    POST /_desk/api/records/issue/<month>/docx?name=<file name>   the body a .docx: `import-docx --issue <month>`
    POST /_desk/api/records/<kind>/<id>/images?name=<file name>   the body a picture: into data/assets/<id>/
    POST /_desk/api/records/<kind>/<id>/finalize   {"date": "YYYY-MM-DD" or null} (`finalize`)
    POST /_desk/api/publish                        start publishing to Settings.publish_to (`publish --to`)
    GET  /_desk/api/publish                        how the publish is going: {"running", "log", "ok", "message", "release"}

Answers are JSON; a refusal is {"error": "<Chinese>"} with 400 (bad input, refused), 404 (no such address), 409
(a file of that name, a publish running), 413 (too large) or 403 (the checks below). What each answers is
written beside the methods that make it (kb.desk.records, kb.desk.actions); the desk's page (kb/desk/static/)
calls exactly these.

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
import sys
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .actions import DOCX_BYTES, IMAGE_BYTES, Actions
from .mount import MOUNT
from .records import Desk, DeskError

STATIC = Path(__file__).resolve().parent / "static"
TOKEN_HEADER = "X-Desk-Token"
MOST_BYTES = 2_000_000  # of a request's body, but for uploads: a record is at most 1 MB of YAML
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


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
        self.actions = Actions(self.desk)
        self.token = secrets.token_urlsafe(32)
        names = {host if ":" not in host or host.startswith("[") else f"[{host}]"}  # an IPv6 address: [::1]:8000
        if host in LOOPBACK:
            names |= {"127.0.0.1", "localhost"}
        self.hosts = {f"{name}:{port}" for name in names}
        self.origins = {f"http://{h}" for h in self.hosts}

    def most_bytes(self, method: str, target: str) -> int:
        """The largest body a request to `target` (path and query) may carry: the preview server reads no more."""
        route = urlsplit(target).path
        if method == "POST" and route.startswith(MOUNT + "api/records/"):
            if route.endswith("/docx"):
                return DOCX_BYTES
            if route.endswith("/images"):
                return IMAGE_BYTES
        return MOST_BYTES

    def too_large(self, method: str, target: str) -> Answer:
        """The answer to a request whose body is larger than most_bytes (read by the server no further)."""
        most = self.most_bytes(method, target)
        what = "Word 文档" if most == DOCX_BYTES else "图片" if most == IMAGE_BYTES else "提交的内容"
        return _refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"{what}太大：编辑台只接受 {most / 1e6:.0f} MB 以内的{what}。")

    def expect_readings(self) -> None:
        """The preview's first build is starting: the desk's first load waits for its readings (Desk.expect_readings)."""
        self.desk.expect_readings()

    def adopt(self, reads) -> None:
        """The preview's readings after one of its builds (kb.desk.records.Desk.adopt), or None if it has none: the
        desk's list need not read every file again."""
        if reads is not None:
            self.desk.adopt(reads)
        self.desk.readings_offered()

    def warm(self) -> None:
        """The preview's first readings are there: the list is made in the background (Desk.warm)."""
        self.desk.warm()

    def close(self) -> None:
        """The preview ends: a publish under way is stopped; the list is kept for the next preview's desk."""
        self.actions.close()
        try:
            self.desk.keep_list()
        except Exception as e:  # a bug of ours: the next desk makes its list itself
            print(f"编辑台没能保存记录列表（{type(e).__name__}: {e}），下次打开时重新生成。", file=sys.stderr)

    def handle(self, method: str, path: str, headers, body: bytes = b"") -> Answer:
        """Answer one request (`path` with or without its query; `headers` as a mapping with .get)."""
        path, _, query = path.partition("?")
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
        if len(body) > self.most_bytes(method, path):
            return self.too_large(method, path)
        try:
            return self._api(method, rest[len("api/"):], parse_qs(query), headers, body)
        except DeskError as e:
            return _refuse(e.status, str(e))
        except Exception as e:  # a bug of ours: said plainly, without a traceback
            return _refuse(HTTPStatus.INTERNAL_SERVER_ERROR, f"编辑台内部错误：{type(e).__name__}: {e}。请把这条信息报告给网站管理员。")

    def _api(self, method: str, route: str, query: dict, headers, body: bytes) -> Answer:
        parts = [unquote(p) for p in route.split("/")]
        actions = self.actions
        if parts == ["records"] and method == "GET":
            return _json(HTTPStatus.OK, self.desk.list_records())
        if parts == ["setup"] and method == "GET":
            return _json(HTTPStatus.OK, actions.setup())
        if parts == ["issues"] and method == "POST":
            given = _body(body)
            return _json(HTTPStatus.OK, actions.new_issue(given.get("month"), given.get("theme"), given.get("cases", 4)))
        if len(parts) == 2 and parts[0] == "records" and method == "POST":
            return _json(HTTPStatus.OK, actions.new_record(parts[1], _body(body).get("id")))
        if len(parts) == 4 and parts[0] == "records" and method == "POST" and parts[3] in ("docx", "images", "finalize"):
            kind, record_id, what = parts[1:]
            if what == "docx":
                if kind != "issue":
                    raise DeskError("Word 文档只能导入到一期月度专刊：records/issue/<月份>/docx。")
                return _json(HTTPStatus.OK, actions.import_docx(record_id, _name(query), body,
                                                                headers.get("Content-Type") or ""))
            if what == "images":
                return _json(HTTPStatus.OK, actions.add_image(kind, record_id, _name(query), body))
            given = _body(body) if body.strip() else {}
            return _json(HTTPStatus.OK, actions.finalize(kind, record_id, given.get("date")))
        if parts == ["publish"] and method == "POST":
            return _json(HTTPStatus.OK, actions.start_publish())
        if parts == ["publish"] and method == "GET":
            return _json(HTTPStatus.OK, actions.publishing())
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


def _name(query: dict) -> str | None:
    """The `name` of the query (the uploaded file's name, URL-encoded by the page)."""
    given = query.get("name")
    return given[0] if given else None


def _body(body: bytes) -> dict:
    try:
        given = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeskError("提交的内容不是有效的 JSON。") from None
    if not isinstance(given, dict):
        raise DeskError("提交的内容格式不对。")
    return given
