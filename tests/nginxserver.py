"""Real nginx (Debian's package) serving a published folder under /toolbook/ with the repository's config.

The test configuration around scripts/nginx/toolbook.conf only says where to listen and where to keep
nginx's own files (a temporary folder); the snippet itself is used as an administrator includes it,
with its placeholder root replaced by the folder under test.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path

NGINX = "/usr/sbin/nginx"
SNIPPET = Path(__file__).resolve().parent.parent / "scripts" / "nginx" / "toolbook.conf"
PLACEHOLDER = "/srv/toolbook/current/"


def available() -> str | None:
    return None if Path(NGINX).exists() else f"未找到 {NGINX}（Debian 软件包 nginx）"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(current: Path, work: Path):
    """Serve `current` (the published folder's `current`) at http://127.0.0.1:<port>/toolbook/; yields that URL."""
    work.mkdir(parents=True, exist_ok=True)
    snippet = SNIPPET.read_text(encoding="utf-8")
    assert PLACEHOLDER in snippet
    (work / "toolbook.conf").write_text(snippet.replace(PLACEHOLDER, f"{current}/"), encoding="utf-8")
    port = _free_port()
    temp = " ".join(f"{d}_temp_path {work / d};" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (work / "nginx.conf").write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
pid {work / "nginx.pid"};
error_log {work / "error.log"};
events {{}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {work / "access.log"};
    {temp}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include {work / "toolbook.conf"};
    }}
}}
""", encoding="utf-8")
    proc = subprocess.Popen([NGINX, "-p", str(work), "-e", str(work / "error.log"), "-c", str(work / "nginx.conf"),
                             "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx 启动失败：{proc.stdout.read().decode(errors='replace')}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("nginx 没有在 20 秒内开始监听")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/toolbook/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
