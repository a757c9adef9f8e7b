"""The month's work at the editing desk (issue 26): what `new`, `import-docx`, `finalize` and `publish` do on the
command line, as the desk's buttons. kb.desk.records is about one record at a time; this is about the month.

    actions = Actions(desk)                      # the desk's store (kb.desk.records.Desk): its lock, settings, checks
    actions.setup()                              what the forms offer: themes, the next month, kinds, limits, publishing
    actions.new_issue(month, theme, cases)       kb.editing.scaffold.new_issue: the issue and its case stubs
    actions.new_record(kind, record_id)          kb.editing.scaffold.new_record
    actions.import_docx(issue, name, content, content_type)   kb.editing.docx_import.import_docx(…, issue=issue)
    actions.add_image(kind, record_id, name, content)         one picture into data/assets/<id>/
    actions.finalize(kind, record_id, date)      kb.editing.scaffold.finalize, refused if the published data would
                                                 then have problems (nothing written)
    actions.start_publish() / actions.publishing()            kb.deploy.publish.publish to Settings.publish_to
    actions.close()                              a publish under way is stopped (the preview ends)

Everything from the browser is checked here before anything is written: ids by the store (Desk.path, the scaffold's
pattern), an uploaded Word document's name (no folders, no "..", no drive letter, .docx) and a picture's name (the
case schema's pattern for images[].file) and content (its first bytes must be of the kind its extension says).
An uploaded document goes into a private temporary folder of its own, never into data/, and is removed after the
import; the import's messages name the file as the editor named it, never the temporary path. A picture is written
with kb.platform.write_whole and never replaces a file (a different one of that name is refused: DeskBusy).

Publishing runs `toolbook.py publish --to <Settings.publish_to>` as a child process (one at a time), on a thread
that collects its lines: the preview builds with MkDocs in this process, whose hook session is one per process
(MkDocs loads hooks once), so a second build here would share it; and a publish at 10,000 records takes ~400 MB,
given back when the child ends. The child is an owned one (kb.platform.owned_child_main): it stops when the preview
does, and a publish that is stopped leaves `current` as it was (kb.deploy.publish). The folder comes only from the
setting, never from the browser.

Never: write into data/ anything the CLI commands would not write, accept a path from the browser, or let a
traceback reach the browser (every failure is a DeskError, in Chinese, with the HTTP status it answers with).
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unicodedata
from pathlib import Path

from ..data.links import IMAGE_DIR
from ..data.model import CASE, ISSUE, KIND_NAMED, KINDS
from ..data.problems import inside_data, short
from ..editing.scaffold import DRAFT_LINE, MONTH, PUBLISH_DATE_LINE, TODO, ScaffoldError, names, q, taxonomy
from ..paths import HOOKS, PROJECT
from ..platform import child_env, read_link, stop_child, write_whole
from ..settings import DATA_ENV, PUBLISH_TO_ENV
from .records import Desk, DeskBusy, DeskError, DeskTooLarge, _read_bytes, _relative

DOCX_BYTES = 20_000_000  # an uploaded Word document (the import itself takes up to 100 MB from the command line)
IMAGE_BYTES = 5_000_000  # an uploaded picture
IMAGE_TYPES = ("jpg", "jpeg", "png", "gif", "webp")
DOCX_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/octet-stream")
NAME_MOST = 120  # characters of an uploaded file's name
# names Windows gives to devices, whatever the extension: never a file's name
DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
_FORBIDDEN = set('<>:"/\\|?*')  # not in a file name on Windows (and / nowhere)
SET_PUBLISH_TO = ("启动预览时加 --publish-to 目录（如 python scripts/toolbook.py serve --publish-to /srv/toolbook，"
                  "Windows 上如 D:\\toolbook），或设置环境变量 TOOLBOOK_PUBLISH_TO，然后重新启动预览")
_MAGIC = {
    "jpg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "gif": lambda b: b.startswith((b"GIF87a", b"GIF89a")),
    "webp": lambda b: len(b) >= 12 and b[:4] == b"RIFF" and b[8:12] == b"WEBP",
}
# a child that lives no longer than the preview (kb.platform.owned_child_main), running `toolbook.py publish`
_CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from kb import platform; platform.owned_child_main(sys.argv[2:])"


class Actions:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.settings = desk.settings
        self._publish: _Publishing | None = None
        self._publish_lock = threading.Lock()

    # -- what the forms offer -------------------------------------------------------------------------------------

    def setup(self) -> dict:
        data = self.settings.data
        try:
            themes = names(taxonomy(data), "themes")
        except ScaffoldError:  # taxonomy.yml does not read: the list of records says why
            themes = []
        with self._publish_lock:
            publishing = self._publish is not None and self._publish.running
        target = self.settings.publish_to
        return {"themes": themes, "next_month": self._next_month(),
                "kinds": [{"kind": k.name, "label": k.label} for k in KINDS],
                "publish_to": str(target) if target is not None else None, "publishing": publishing,
                "upload_limits": {"docx_bytes": DOCX_BYTES, "image_bytes": IMAGE_BYTES, "image_types": list(IMAGE_TYPES)}}

    def _next_month(self) -> str:
        folder = self.settings.data / ISSUE.folder
        months = sorted(p.stem for p in folder.iterdir() if MONTH.fullmatch(p.stem)) if folder.is_dir() else []
        if not months:
            return self.settings.today.strftime("%Y-%m")
        year, month = map(int, months[-1].split("-"))
        return f"{year + month // 12}-{month % 12 + 1:02d}"

    # -- new records ------------------------------------------------------------------------------------------------

    def new_issue(self, month, theme, cases) -> dict:
        from ..editing.scaffold import new_issue

        if not isinstance(month, str) or not isinstance(theme, str):
            raise DeskError("新建专刊需要月份（如 2027-01）和主题。")
        if isinstance(cases, bool) or not isinstance(cases, int) or not 1 <= cases <= 20:
            raise DeskError(f"收录几篇案例应是 1 到 20 之间的整数（每期通常 3–5 篇），收到“{short(cases)}”。")
        with self.desk.lock:
            written = _scaffolded(lambda: new_issue(self.settings.data, month, theme, cases))
        return {"written": self._written(written),
                "message": f"已新建 {month} 期专刊和 {len(written) - 1} 篇案例模板，都是草稿："
                           "预览里能看到，正式网站里没有。把“待填写”的内容换成正文（或导入 Word 文档）后定稿发布。"}

    def new_record(self, kind: str, record_id) -> dict:
        from ..editing.scaffold import new_record

        if kind == ISSUE.name:
            raise DeskError("新建月度专刊请用“新建专刊”（需要月份和主题）。")
        if kind not in KIND_NAMED:
            choices = "、".join(f"{k.name}（{k.label}）" for k in KINDS if k is not ISSUE)
            raise DeskError(f"不认识的记录类型“{short(kind)}”。可新建的类型：{choices}。")
        if not isinstance(record_id, str):
            raise DeskError("新建记录需要编号，如 sanhui-yike（小写英文字母、数字和连字符）。")
        with self.desk.lock:
            written = _scaffolded(lambda: new_record(self.settings.data, kind, record_id))
        return {"written": self._written(written),
                "message": f"已新建{KIND_NAMED[kind].label}“{record_id}”（草稿）：把“待填写”的内容换成正文后定稿发布。"}

    def _written(self, paths) -> list[dict]:
        """[{"kind", "id", "path"}] of files written into the data folder (a picture: kind "image", id its record's)."""
        data = self.settings.data
        folders = {k.folder: k.name for k in KINDS}
        out = []
        for path in paths:
            rel = _relative(path, data)
            top, _, rest = rel.partition("/")
            if top == IMAGE_DIR:
                out.append({"kind": "image", "id": rest.split("/")[0], "path": rel})
            else:
                out.append({"kind": folders.get(top, ""), "id": Path(rest).stem, "path": rel})
        return out

    # -- a Word document into an issue ------------------------------------------------------------------------------

    def import_docx(self, issue, name, content: bytes, content_type: str = "") -> dict:
        """What `import-docx <file> --issue <issue>` does, with the uploaded bytes as the file."""
        from ..editing.docx_import import import_docx

        if not isinstance(issue, str) or not MONTH.fullmatch(issue):
            raise DeskError(f"期号“{short(issue)}”不对：应为专刊的月份，如 2027-01。")
        name = _docx_name(name)
        kind = (content_type or "").split(";", 1)[0].strip().lower()
        if kind not in DOCX_TYPES:
            raise DeskError(f"上传的 {name} 不是 Word 文档（收到的类型是“{short(kind or '未注明')}”）。")
        if len(content) > DOCX_BYTES:
            raise DeskTooLarge(f"{name} 有 {len(content) / 1e6:.1f} MB，编辑台只接受 {DOCX_BYTES // 1_000_000} MB 以内的"
                               "Word 文档。请压缩或删去文档里的大图片后再上传，或在命令行用 import-docx 导入。")
        folder = Path(tempfile.mkdtemp(prefix="toolbook-desk-upload-"))  # private to this user (mode 0700)
        path = folder / name
        try:
            with open(path, "xb") as f:
                f.write(content)
            with self.desk.lock:
                try:
                    result = import_docx(path, self.settings.data, issue=issue)
                except ScaffoldError as e:
                    raise DeskError(_without(str(e), path, name)) from None
                except OSError as e:
                    raise DeskError(f"无法导入 {name}：写入数据目录时出错（{e.strerror or type(e).__name__}）。"
                                    "已写入的文件请在预览中核对。") from None
        except OSError as e:  # the temporary copy could not be written
            raise DeskError(f"无法导入 {name}：保存上传的文件时出错（{e.strerror or type(e).__name__}）。") from None
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        written = self._written(result.written)
        case_id = next((w["id"] for w in written if w["kind"] == CASE.name), "")
        return {"written": written, "notes": [_without(n, path, name) for n in result.notes],
                "unmapped": [_without(n, path, name) for n in result.unmapped], "id": case_id}

    # -- a picture of a case ----------------------------------------------------------------------------------------

    def add_image(self, kind: str, record_id: str, name, content: bytes) -> dict:
        """The picture `name` of record `record_id` into data/assets/<id>/, unless a different one has that name.
        The record is not edited: the form adds {file, caption} and the editor saves it."""
        k, _ = self.desk.path(kind, record_id)
        if k is not CASE:
            raise DeskError(f"只有典型案例可以配图（images 字段），{k.label}没有配图。")
        pattern = self._image_pattern()
        if not isinstance(name, str) or not name:
            raise DeskError("上传图片需要文件名，如 huodong-1.jpg。")
        if len(name) > NAME_MOST or not re.fullmatch(pattern, name) or name.split(".", 1)[0].upper() in DEVICES:
            raise DeskError(f"图片文件名“{short(name)}”不能用：只能由英文字母、数字、下划线、点和连字符组成，不以点开头，"
                            f"以 {'、'.join('.' + t for t in IMAGE_TYPES)} 结尾（小写），如 huodong-1.jpg。")
        if not content:
            raise DeskError(f"上传的图片 {name} 是空的（0 字节）。")
        if len(content) > IMAGE_BYTES:
            raise DeskTooLarge(f"图片 {name} 有 {len(content) / 1e6:.1f} MB，超过上限 {IMAGE_BYTES // 1_000_000} MB。"
                               "请缩小后再上传（网页上的配图宽 1600 像素已足够）。")
        ext = name.rsplit(".", 1)[1]
        if not _MAGIC[ext](content):
            raise DeskError(f"{name} 的内容不是 {ext.upper()} 图片（文件开头不对）：可能改过扩展名。"
                            "请用图片软件另存为 JPG 或 PNG 后再上传。")
        data = self.settings.data
        rel = f"{IMAGE_DIR}/{record_id}/{name}"
        with self.desk.lock:
            folder = data / IMAGE_DIR / record_id
            real_data = Path(data).resolve()
            for step in (data / IMAGE_DIR, folder):
                if os.path.lexists(step) and (not inside_data(step, real_data) or not step.is_dir()):
                    raise DeskError(f"{_relative(step, data)} 不是数据目录里的文件夹（或是指向数据目录以外的链接），"
                                    "出于安全考虑不往里写图片。")
            target = folder / name
            try:
                if os.path.lexists(target):
                    raise FileExistsError(target)
                folder.mkdir(parents=True, exist_ok=True)
                write_whole(target, content, create=True)
            except FileExistsError:  # there already (or written meanwhile by someone else)
                if not _same(target, content):
                    raise DeskBusy(f"{rel} 已有另一张同名的图片，不会覆盖。请给这张图片换一个文件名。") from None
                # the same picture again (a retried upload): nothing to do
            except OSError as e:
                raise DeskError(f"无法保存图片 {rel}：{e.strerror or e}。请检查磁盘空间和权限后重试。") from None
        return {"file": name, "path": rel}

    def _image_pattern(self) -> str:
        schemas = self.desk.cache.schemas_for(self.settings.schema_dir)
        return schemas.resolved(CASE.name)["properties"]["images"]["items"]["properties"]["file"]["pattern"]

    # -- finalize -----------------------------------------------------------------------------------------------

    def finalize(self, kind: str, record_id: str, date) -> dict:
        """What `finalize <id> [--date]` does (an issue: with its cases), refused before anything is written if the
        published data would then have problems (as the `check` after `finalize` would report them)."""
        from ..editing.scaffold import finalize

        k, path = self.desk.path(kind, record_id)
        if date is not None and not isinstance(date, str):
            raise DeskError("定时发布的日期应写成 YYYY-MM-DD，如 2027-01-01；不定时发布时不填。")
        date = date.strip() if date else None
        if date and k is not ISSUE:
            raise DeskError("定时发布的日期只用于月度专刊；其他记录定稿后在下一次发布时出现。")
        if date:
            try:
                datetime.date.fromisoformat(date)
            except ValueError:
                raise DeskError(f"日期“{short(date)}”格式不对，应为 YYYY-MM-DD，如 2027-01-01。") from None
        data = self.settings.data
        with self.desk.lock:
            changes = self._finalized(k, path, date)
            if changes is not None:  # else finalize itself refuses (待填写 left, a file that does not read)
                found = self.desk.problems_with(changes, published=True)
                if found:
                    lines = "\n".join(f"{p['file']}:{p['line']}: {p['field'] + ': ' if p['field'] else ''}{p['message']}"
                                      for p in found)
                    raise DeskError(f"定稿后这些记录会发布，但还有下列问题，未做任何修改：\n{lines}")
            try:
                changed = finalize(data, record_id, date)
            except ScaffoldError as e:
                raise DeskError(f"未定稿：{e}") from None
            except OSError as e:
                raise DeskError(f"无法修改文件：{e.strerror or e}。请检查权限后重试。") from None
        rels = [_relative(p, data) for p in changed]
        if not changed:
            message = f"{record_id} 已经不是草稿，没有需要修改的文件。"
        elif date:
            message = f"已定稿，定于 {date} 发布（这一天起生成的网站里才有它）：{'、'.join(rels)}。"
        else:
            message = f"已定稿：{'、'.join(rels)} 去掉了草稿标记，下一次发布时出现在网站上。"
        return {"changed": rels, "message": message}

    def _finalized(self, kind, path: Path, date: str | None) -> dict[Path, bytes] | None:
        """The files `finalize` would write and their new bytes (as kb.editing.scaffold.finalize makes them); None if
        it will refuse (待填写 left, a file that does not read, a case of the issue that is not there)."""
        files = [path]
        try:
            if kind is ISSUE:
                from ..data.yamlio import read_bytes

                doc, _ = read_bytes(_read_bytes(path), path.name)
                if doc is None or not isinstance(doc.value, dict):
                    return None
                for case_id in doc.value.get("cases") or []:
                    if isinstance(case_id, str):
                        _, case_path = self.desk.path(CASE.name, case_id)
                        files.append(case_path)
            changes = {}
            for f in files:
                raw = _read_bytes(f)
                text = raw.decode("utf-8-sig")
                if TODO in text:
                    return None
                new = DRAFT_LINE.sub("", text)
                if f == path and date:
                    new = PUBLISH_DATE_LINE.sub("", new).rstrip("\n") + f"\npublish_date: {q(date)}\n"
                changes[f] = new.encode("utf-8")
            return changes
        except (DeskError, UnicodeDecodeError):
            return None

    # -- publish ------------------------------------------------------------------------------------------------

    def start_publish(self) -> dict:
        target = self.settings.publish_to
        if target is None:
            raise DeskError(f"没有设置发布目录，编辑台不能发布。{SET_PUBLISH_TO}。")
        data = Path(self.settings.data).resolve()
        if target == data or data in target.parents:
            raise DeskError(f"发布目录 {target} 在数据目录里，不能发布到那里。请换一个目录：{SET_PUBLISH_TO}。")
        with self._publish_lock:
            if self._publish is not None and self._publish.running:
                raise DeskBusy("正在发布，请等这一次结束后再试。")
            self._publish = _Publishing(target, self.settings.data)
        return self.publishing()

    def publishing(self) -> dict:
        with self._publish_lock:
            job = self._publish
        if job is None:
            return {"running": False, "log": [], "ok": None, "message": "", "release": None}
        return job.state()

    def close(self) -> None:
        with self._publish_lock:
            job = self._publish
        if job is not None:
            job.stop()


class _Publishing:
    """One `toolbook.py publish --to <target>` of the data folder, as an owned child; its lines collected."""

    def __init__(self, target: Path, data: Path) -> None:
        self.target = target
        self._lines: list[str] = []
        self._ok: bool | None = None
        self._message = ""
        self._release: str | None = None
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._stopped = False
        env = child_env(**{DATA_ENV: str(data)})
        env.pop(PUBLISH_TO_ENV, None)  # the child publishes where --to says, and nowhere else
        self._command = publish_command(target)
        self._env = env
        self._thread = threading.Thread(target=self._run, name="toolbook-desk-publish", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        with self._lock:
            return self._ok is None

    def state(self) -> dict:
        with self._lock:
            return {"running": self._ok is None, "log": list(self._lines), "ok": self._ok, "message": self._message,
                    "release": self._release}

    def stop(self) -> None:
        """The preview ends: the publish is asked to stop (it leaves `current` as it was) and waited for."""
        with self._lock:
            self._stopped = True
            child = self._child
        if child is not None:
            stop_child(child, grace=10)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            options = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if os.name == "nt"
                       else {"start_new_session": True})  # Ctrl+C in the terminal reaches the preview, which stops it
            with self._lock:
                if self._stopped:
                    return self._end(False, "发布已取消，线上网站保持不变。")
                child = self._child = subprocess.Popen(self._command, cwd=PROJECT, env=self._env, stdin=subprocess.DEVNULL,
                                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **options)
            for raw in child.stdout:
                line = raw.decode("utf-8", errors="replace").rstrip()
                if line.strip():
                    with self._lock:
                        self._lines.append(line)
            code = child.wait()
            with self._lock:
                lines = list(self._lines)
            if code == 0:
                live = read_link(self.target / "current")
                self._end(True, lines[-1] if lines else "已发布。", live.name if live is not None else None)
            elif self._stopped or code in (130, -2):
                self._end(False, "发布被中断（预览已停止），线上网站保持不变。")
            else:
                said = [line for line in lines if not line.lstrip().startswith("正在")]
                self._end(False, "\n".join(said) or f"发布失败（退出码 {code}），线上网站保持不变。")
        except Exception as e:  # no traceback for the editor: the state says what happened
            self._end(False, f"发布时出错：{type(e).__name__}: {e}。线上网站保持不变。")

    def _end(self, ok: bool, message: str, release: str | None = None) -> None:
        with self._lock:
            self._ok, self._message, self._release = ok, message, release


# What the methods of Actions answer (kb.desk.http sends it as JSON; "path" is relative to the data folder):
#   setup         {"themes": [names], "next_month": "YYYY-MM" (after the latest issue; none: this month), "kinds":
#                 [{"kind", "label"}], "publish_to": folder as text or None, "publishing": bool, "upload_limits":
#                 {"docx_bytes", "image_bytes", "image_types": [extensions]}}
#   new_issue, new_record   {"written": [{"kind", "id", "path"}], "message"}
#   import_docx   {"written": [{"kind": "image" | "case", "id" (the case's), "path"}], "notes": [str], "unmapped":
#                 [str], "id": the case written}
#   add_image     {"file": name, "path": "assets/<id>/<name>"}
#   finalize      {"changed": [paths], "message"}
#   start_publish, publishing   {"running": bool, "log": [lines so far], "ok": True | False | None (running, or never
#                 started), "message": the last line or the error ("" if never started), "release": name or None}
# Refusals: DeskError (400), DeskBusy (409: a different picture of that name, a publish running), DeskTooLarge (413).


# -- helpers --------------------------------------------------------------------------------------------------------

def publish_command(target: Path) -> list[str]:
    """`toolbook.py publish --to <target>`, as a child that ends when this process does."""
    return [sys.executable, "-c", _CHILD, str(HOOKS), str(os.getpid()), "kb.cli", "publish", "--to", str(target)]


def _scaffolded(make) -> list[Path]:
    try:
        return make()
    except ScaffoldError as e:
        raise DeskError(f"未创建任何文件：{e}") from None
    except OSError as e:
        raise DeskError(f"无法创建文件：{e.strerror or e}。请检查磁盘空间和权限后重试。") from None


def _same(path: Path, content: bytes) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and path.read_bytes() == content
    except OSError:
        return False


def _docx_name(name) -> str:
    """The uploaded document's name as the editor's computer had it, if it is a plain .docx file name; else DeskError."""
    if not isinstance(name, str) or not name.strip():
        raise DeskError("上传 Word 文档需要它的文件名（?name=文件名.docx）。")
    name = unicodedata.normalize("NFC", name.strip())
    shown = short(name)
    if (any(c in _FORBIDDEN or ord(c) < 32 or ord(c) == 127 for c in name) or ".." in name
            or re.match(r"^[A-Za-z]:", name) or name.startswith(".")):
        raise DeskError(f"文件名“{shown}”不能用：只写文件本身的名称，不能含文件夹、盘符、“..”或 <>:\"/\\|?* 等字符。")
    if not name.lower().endswith(".docx") or len(name) <= len(".docx"):
        hint = "旧版 .doc 文件请先在 Word 或 WPS 中“另存为” .docx。" if name.lower().endswith(".doc") else ""
        raise DeskError(f"只能导入 .docx 文件，“{shown}”不是。{hint}")
    stem = name[: -len(".docx")]
    if len(name) > NAME_MOST or stem.rstrip(". ") != stem or stem.split(".", 1)[0].upper() in DEVICES:
        raise DeskError(f"文件名“{shown}”不能用（太长、以点或空格结尾，或是 Windows 保留的名称）。请改名后再上传。")
    return name


def _without(message: str, path: Path, name: str) -> str:
    """A message of the import with the temporary copy's path shown as the file's own name."""
    for shown in (str(path), path.as_posix()):
        message = message.replace(shown, name)
    for shown in (str(path.parent), path.parent.as_posix()):
        message = message.replace(shown + os.sep, "").replace(shown + "/", "").replace(shown, "")
    return message
