"""党建口袋工具书 命令行。

    python scripts/toolbook.py check [--data DIR] [--drafts]   检查数据：0 = 通过，1 = 有问题，2 = 用法错误
    python scripts/toolbook.py build [--out DIR]    生成网站（默认 site/）：只显示中文信息，退出码同 check
    python scripts/toolbook.py new issue 2026-12 --theme 主题 --cases 4 | new case|method|standard 编号
    python scripts/toolbook.py import-docx 文件.docx [--issue 2026-12] [--id 编号]
    python scripts/toolbook.py finalize 编号或月份 [--date YYYY-MM-DD]
    python scripts/toolbook.py serve [--publish-to DIR] [--desk-anywhere]   安装依赖（如缺少）并启动本地预览和编辑台
    python scripts/toolbook.py test                 安装开发依赖（如缺少）并运行全部测试
    python scripts/toolbook.py publish --to DIR     生成、检查并切换到新版本（--rollback 回退一个版本）
    python scripts/toolbook.py bundle [--out FILE]  生成离线版 zip（解压后双击 index.html，可搜索）
    python scripts/toolbook.py pdf 2026-06 [--out FILE]  把一期月度专刊生成 PDF（封面、目录、全部案例）

Only the standard library is imported at start-up, so that each command first installs the
pinned requirements it needs and only those (check, new, finalize, synth: requirements-check.txt;
import-docx: requirements-docx.txt; build, serve, publish, bundle: requirements.txt; pdf:
requirements-pdf.txt; test: requirements-dev.txt) before anything else is imported. Works the same
on Windows (kb/platform.py).
scripts/toolbook.py is the entry point; the settings (kb/settings.py) are read once per command.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from kb.engine import quiet_banners  # standard library only, as kb.paths
from kb.paths import PROJECT as ROOT

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class _Stop(Exception):
    """End the command with this exit code (its message is already shown)."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse in Chinese: its help (usage, headings, -h) and its usage errors (exit 2)."""

    _HEADINGS = {"usage: ": "用法：", "positional arguments:": "参数：", "options:": "选项：", "optional arguments:": "选项："}
    _WORDS = {
        "unrecognized arguments": "无法识别的参数",
        "the following arguments are required": "缺少参数",
        "invalid choice": "无效的取值",
        "expected one argument": "需要一个参数值",
        "expected at least one argument": "至少需要一个参数值",
        "ambiguous option": "选项有歧义",
        "could match": "可能是",
        "not allowed with argument": "不能与此参数同用",
        "invalid int value": "不是整数",
        "invalid float value": "不是数字",
        "choose from": "可选",
        "argument ": "参数 ",
    }

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def format_usage(self) -> str:
        return self._chinese(super().format_usage())

    def format_help(self) -> str:
        return self._chinese(super().format_help())

    def _chinese(self, text: str) -> str:
        for en, zh in self._HEADINGS.items():
            text = text.replace(en, zh)
        return text

    def error(self, message: str):
        for en, zh in self._WORDS.items():
            message = message.replace(en, zh)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"用法错误：{message}\n")


def _settings(args, drafts: bool = False):
    """The settings of this command (--data, else $TOOLBOOK_DATA, else data/); the command ends (after saying why)
    if they cannot be used."""
    from kb.settings import Settings, SettingsError

    try:
        settings = Settings.read(getattr(args, "data", None), drafts=drafts)
    except SettingsError as e:  # a setting that cannot be used is a problem like one in the data
        print(e)
        raise _Stop(EXIT_PROBLEMS) from None
    if not settings.data.is_dir():
        print(f"用法错误：找不到数据目录 {settings.data}", file=sys.stderr)
        raise _Stop(EXIT_USAGE)
    return settings


def _keep_count(text: str) -> int:
    """`publish --keep`: a whole number of releases, 1 to 100."""
    if not (text.isdigit() and 1 <= int(text) <= 100):
        raise argparse.ArgumentTypeError(f"应为 1 到 100 之间的整数，收到 {text!r}")
    return int(text)


def _data_dir(args) -> Path:
    return _settings(args).data


def cmd_check(args) -> int:
    _ensure("requirements-check.txt")
    settings = _settings(args, drafts=args.drafts)
    from kb import cache
    from kb.data.load import load
    from kb.data.model import KINDS

    reads = cache.readings(settings)  # only the files changed since the last command are read again
    kb, problems = load(settings, reads)
    cache.keep_readings(settings, reads)
    if problems:
        for p in problems:
            print(p)
        print(f"共发现 {len(problems)} 个问题。", file=sys.stderr)
        return EXIT_PROBLEMS
    counts = "、".join(f"{k.label} {len(kb.of(k))} {k.measure}" for k in KINDS)
    if args.drafts:
        note = f"（含 {len(kb.drafts)} 条草稿或未到发布日期的记录）" if kb.drafts else ""
    else:
        note = f"另有 {len(kb.drafts)} 条草稿或未到发布日期的记录不发布，未计入（加 --drafts 一并检查）。" if kb.drafts else ""
    print(f"数据检查通过：{counts}。{note}", file=sys.stderr)
    return EXIT_OK


def _report(paths, done: str) -> None:
    from kb.data.problems import display_path

    for path in paths:
        print(f"{done}：{display_path(path)}")


def cmd_new(args) -> int:
    _ensure("requirements-check.txt")
    data = _data_dir(args)
    from kb.editing.scaffold import ScaffoldError, new_issue, new_record

    try:
        if args.kind == "issue":
            if not args.theme:
                print("用法错误：new issue 需要 --theme 主题（taxonomy.yml 里的主题名称）。", file=sys.stderr)
                return EXIT_USAGE
            written = new_issue(data, args.id, args.theme, 4 if args.cases is None else args.cases)
        else:
            if args.theme or args.cases is not None:
                print("用法错误：--theme 和 --cases 只用于 new issue。", file=sys.stderr)
                return EXIT_USAGE
            written = new_record(data, args.kind, args.id)
    except ScaffoldError as e:
        print(f"未创建任何文件：{e}", file=sys.stderr)
        return e.code
    _report(written, "已创建")
    print("新建的记录都是草稿（draft: true）：预览（serve）里能看到，正式网站里没有。"
          "把“待填写”的内容换成正文后，用 finalize 定稿发布。", file=sys.stderr)
    return EXIT_OK


def cmd_finalize(args) -> int:
    _ensure("requirements-check.txt")
    data = _data_dir(args)
    from kb.editing.scaffold import ScaffoldError, finalize

    try:
        changed = finalize(data, args.id, args.date)
    except ScaffoldError as e:
        print(f"未发布：{e}", file=sys.stderr)
        return e.code
    _report(changed, "已去掉草稿标记" if not args.date else "已修改")
    if not changed:
        print(f"{args.id} 已经不是草稿，没有需要修改的文件。", file=sys.stderr)
    args.drafts = False
    return cmd_check(args)


def cmd_import_docx(args) -> int:
    _ensure("requirements-docx.txt")
    data = _data_dir(args)
    from kb.editing.docx_import import import_docx
    from kb.editing.scaffold import ScaffoldError

    try:
        result = import_docx(Path(args.file), data, issue=args.issue, record_id=args.id)
    except ScaffoldError as e:
        print(f"未导入：{e}", file=sys.stderr)
        return e.code
    _report(result.written, "已写入")
    for line in result.notes:
        print(f"提示：{line}")
    if result.unmapped:
        print("下列内容未能转换，请对照原文档手工补上：")
        for line in result.unmapped:
            print(f"  - {line}")
    print("导入的案例是草稿（draft: true）：请在预览中核对，修改“待填写”的内容后用 finalize 定稿发布。", file=sys.stderr)
    return EXIT_OK


def cmd_build(args) -> int:
    _ensure("requirements.txt")
    settings = _settings(args)
    from kb.engine.build import BuildFailed, build

    out = Path(args.out).resolve()
    print(f"正在生成网站到 {out} ……", file=sys.stderr)
    try:
        built = build(settings, out, keep=True)  # the next build into `out` renders only what changed (kb.cache)
    except BuildFailed as e:
        print(e)
        print("未生成网站。" + ("输出目录里已写入一部分，内容不完整；改正后重新生成即可。" if e.touched else "输出目录保持原样。"),
              file=sys.stderr)
        return EXIT_PROBLEMS
    kept = f"（只重新生成有变化的 {built.rendered} 个页面，其余 {built.kept} 个沿用上次生成的）" if built.kept else ""
    print(f"已生成网站：{out}{kept}", file=sys.stderr)
    return EXIT_OK


def cmd_synth(args) -> int:
    _ensure("requirements-check.txt")
    from kb.dev.synth import synthesize

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        print(f"用法错误：输出目录 {out} 不是空的。请换一个新目录，以免覆盖已有数据。", file=sys.stderr)
        return EXIT_USAGE
    counts = synthesize(args.records, out, args.seed)
    print(f"已生成 {sum(counts.values())} 条记录到 {out}：标准 {counts['standards']}、工作法 {counts['methods']}、"
          f"案例 {counts['cases']}、专刊 {counts['issues']}。", file=sys.stderr)
    return EXIT_OK


def cmd_bench(args) -> int:
    _ensure("requirements.txt")  # the sites measured are built
    if args.anchor:  # the project's cold build next to Hugo + Pagefind (kb/dev/anchor.py): no browser
        return _bench_anchor(args)
    if args.release:  # build and publish before and after next month's issue (kb/dev/release.py): no browser
        return _bench_release(args)
    _ensure("requirements-pdf.txt")  # Playwright measures the search in a browser
    from kb.dev.bench import run, table

    if args.search:  # the search evaluation (kb/dev/searcheval.py)
        from kb.dev.searcheval import cli
        return cli(args)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 10:
        print(f"用法错误：--sizes 应为逗号分隔的记录数（每个不少于 10），如 1000,10000；收到 {args.sizes!r}", file=sys.stderr)
        return EXIT_USAGE
    quiet_banners()
    if args.preview and args.desk:
        print("用法错误：--preview 和 --desk 一次只能用一个。", file=sys.stderr)
        return EXIT_USAGE
    if args.preview:
        return _bench_preview(args)
    if args.desk:
        return _bench_desk(args)
    rows = run(sizes, args.seed, args.query, Path(args.json), Path(args.keep) if args.keep else None)
    print(table(rows))
    print(f"结果已写入 {args.json}", file=sys.stderr)
    return EXIT_OK


def _measured(args, measure, what: str):
    """`measure(data)` on the sample data or, with --records N, on N synthetic records in a temporary folder;
    the result, or an exit code after saying in Chinese why not."""
    import tempfile

    from kb.dev.synth import synthesize

    if args.records < 0 or 0 < args.records < 10:
        print(f"用法错误：--records 应为 0（示例数据）或不少于 10 的记录数；收到 {args.records}", file=sys.stderr)
        return EXIT_USAGE
    with tempfile.TemporaryDirectory(prefix="toolbook-bench-") as work:
        data = ROOT / "data"
        if args.records:
            data = Path(work) / "data"
            print(f"正在合成 {args.records} 条记录……", file=sys.stderr, flush=True)
            synthesize(args.records, data, args.seed)
        print(f"正在启动预览并{what}（每项 3 次）……", file=sys.stderr, flush=True)
        try:
            return measure(data)
        except RuntimeError as e:
            print(f"测量失败：{e}", file=sys.stderr)
            return EXIT_PROBLEMS


def _written(args, key: str, result) -> int:
    import json

    from kb.dev.bench import machine

    Path(args.json).write_text(json.dumps({"machine": machine(), key: result}, ensure_ascii=False, indent=2),
                               encoding="utf-8")
    print(f"结果已写入 {args.json}", file=sys.stderr)
    return EXIT_OK


def _bench_preview(args) -> int:
    """`bench --preview [--records N]`: the preview's refresh after each kind of change, on the sample or N synthetic records."""
    from kb.dev.bench import PREVIEW_SCENARIOS, measure_preview

    result = _measured(args, measure_preview, "逐项测量")
    if isinstance(result, int):
        return result
    if "preview_note" in result:
        print(f"无法测量：{result['preview_note']}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"预览（{result['records']} 条记录）：启动后 {result['first_page_seconds']:.1f} 秒回应第一个页面，"
          f"{result['whole_site_seconds']:.1f} 秒生成全部页面（之后才开始逐项测量）")
    for name, label in PREVIEW_SCENARIOS:
        rounds = "、".join(f"{t:.2f}" for t in result["rounds"][name])
        print(f"{label}：保存后最慢 {result['worst'][name]:.2f} 秒看到（各次：{rounds} 秒）")
    again = result["again"]
    first = again["first_pages_seconds"]
    print(f"停止后再次启动（数据未变）：{again['answered_seconds']:.1f} 秒回应第一个页面（上次预览留下的页面），"
          f"{'—' if first is None else f'{first:.1f}'} 秒生成首页和各栏目，{again['whole_site_seconds']:.1f} 秒生成全部页面，"
          f"沿用上次预览生成的页面 {again['kept_pages']} 个")
    return _written(args, "preview", result)


def _bench_desk(args) -> int:
    """`bench --desk [--records N]`: the editing desk's list, form and save, under a real preview, on the sample or
    N synthetic records."""
    from kb.dev.bench import desk_table, measure_desk

    result = _measured(args, measure_desk, "测量编辑台")
    if isinstance(result, int):
        return result
    print(desk_table(result))
    return _written(args, "desk", result)


def _bench_anchor(args) -> int:
    """`bench --anchor [--records N] [--seed S]`: the project's cold build next to Hugo + Pagefind on the same N
    synthetic records (default 10,000), alternating, twice each (issue 27: the build ≤ 0.8 × Hugo + Pagefind)."""
    records = _many_records(args, "anchor", ("preview", "desk", "search", "release"))
    if records is None:
        return EXIT_USAGE
    from kb.dev.anchor import REQUIREMENTS, AnchorUnavailable, hugo_missing, run, table

    why = hugo_missing()  # before anything is installed or synthesized
    if why:
        print(f"无法对照：{why}", file=sys.stderr)
        return EXIT_PROBLEMS
    _ensure(REQUIREMENTS)  # Pagefind from PyPI
    quiet_banners()
    try:
        result = run(records, args.seed, Path(args.keep) if args.keep else None)
    except AnchorUnavailable as e:
        print(f"无法对照：{e}", file=sys.stderr)
        return EXIT_PROBLEMS
    except RuntimeError as e:
        print(f"测量失败：{e}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(table(result))
    return _written(args, "anchor", result)


def _bench_release(args) -> int:
    """`bench --release [--records N] [--seed S]`: build and publish with no cache, with nothing changed, and after
    next month's issue with 4 cases, on N synthetic records (default 10,000), and what the new release adds to the
    disk (issue 27: ≤ 5 s, ≤ 10 s, ≤ 5 %)."""
    records = _many_records(args, "release", ("preview", "desk", "search", "anchor"))
    if records is None:
        return EXIT_USAGE
    from kb.dev.release import run, table

    quiet_banners()
    try:
        result = run(records, args.seed, Path(args.keep) if args.keep else None)
    except RuntimeError as e:
        print(f"测量失败：{e}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(table(result))
    return _written(args, "release", result)


def _many_records(args, option: str, others: tuple[str, ...]) -> int | None:
    """The records of `bench --<option>` (default 10,000), or None once the usage error is said: the option cannot be
    used with the `others`, and needs at least 10 records."""
    if any(getattr(args, name) for name in others):
        names = [f"--{name}" for name in others]
        print(f"用法错误：--{option} 不能与 {'、'.join(names[:-1])} 或 {names[-1]} 同用。", file=sys.stderr)
        return None
    records = args.records or 10_000
    if records < 10:
        print(f"用法错误：--records 应为不少于 10 的记录数（--{option} 默认 10000）；收到 {args.records}", file=sys.stderr)
        return None
    return records


def _ensure(requirements: str) -> None:
    """Install the pinned requirements unless every pin is already satisfied."""
    from importlib import metadata

    wanted = []
    for line in (ROOT / requirements).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            _ensure(line[3:].strip())
        elif "==" in line:
            wanted.append(line.split(";", 1)[0].split("[", 1)[0].split("=="))
    try:
        if all(metadata.version(name.strip()) == version.strip() for name, version in wanted):
            return
    except metadata.PackageNotFoundError:
        pass
    install(requirements)


def install(requirements: str) -> None:
    """pip-install `requirements` into this Python, or say in Chinese why not and how (SystemExit 1)."""
    import importlib
    import importlib.util

    from kb.platform import child_env

    by_hand = f'"{sys.executable}" -m pip install -r {requirements}'
    if externally_managed():
        print("不能把依赖装进这个 Python：它由系统管理（Debian/Ubuntu 的 externally-managed-environment）。\n"
              "请在项目文件夹里先建立并启用虚拟环境，再运行同一条命令：\n"
              "  python3 -m venv .venv && . .venv/bin/activate\n"
              "（提示 ensurepip is not available 时，先运行 sudo apt-get install python3-venv）", file=sys.stderr)
        raise SystemExit(EXIT_PROBLEMS)
    if importlib.util.find_spec("pip") is None:
        print(f"不能安装依赖：这个 Python（{sys.executable}）没有 pip。请运行 \"{sys.executable}\" -m ensurepip，"
              "或重新建立虚拟环境（Debian/Ubuntu 先 sudo apt-get install python3-venv），然后再试。", file=sys.stderr)
        raise SystemExit(EXIT_PROBLEMS)
    print(f"正在安装依赖（{requirements}，只在第一次运行时需要，可能要几分钟）……", file=sys.stderr)
    code = subprocess.call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-r",
                            str(ROOT / requirements)], env=child_env())
    if code != 0:
        print(f"安装依赖失败（pip 退出码 {code}，原因见上面 pip 的输出）。请检查网络连接；单位内网请向管理员要 PyPI 镜像地址，"
              f"用 python -m pip config set global.index-url 镜像地址 设置。然后手动安装：\n  {by_hand}", file=sys.stderr)
        raise SystemExit(EXIT_PROBLEMS)
    importlib.invalidate_caches()  # the packages just installed are importable in this process too


def externally_managed() -> bool:
    """Whether pip would refuse this Python (PEP 668: Debian's system Python outside a virtual environment)."""
    import sysconfig

    if sys.prefix != sys.base_prefix or os.environ.get("PIP_BREAK_SYSTEM_PACKAGES"):
        return False
    return (Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED").is_file()


def cmd_serve(args) -> int:
    _ensure("requirements.txt")
    quiet_banners()
    from kb.platform import child_env, run_owned
    from kb.settings import PUBLISH_TO_ENV

    env = child_env()
    # where the desk's 发布 button publishes: --publish-to, else $TOOLBOOK_PUBLISH_TO, as a full path (the server
    # runs in the project folder, the path was meant from here)
    publish_to = args.publish_to if args.publish_to is not None else env.get(PUBLISH_TO_ENV, "")
    if publish_to.strip():
        folder = Path(publish_to.strip()).resolve()
        if folder.exists() and not folder.is_dir():
            print(f"用法错误：发布目录 {folder} 是一个文件，应是目录。", file=sys.stderr)
            return EXIT_USAGE
        env[PUBLISH_TO_ENV] = str(folder)
    else:
        env.pop(PUBLISH_TO_ENV, None)
    addr = serve_address(args.addr)
    if addr is None:
        return EXIT_USAGE
    from kb.engine import PREVIEW

    # The server is our child for good: ending this command in any way ends it (kb.platform.run_owned).
    return run_owned(PREVIEW, [addr, *(["--desk-anywhere"] if args.desk_anywhere else [])], cwd=ROOT, env=env)


def serve_address(addr: str) -> str | None:
    """`addr` (host:port), or the next free port on that host if its port is taken (said in Chinese)."""
    from kb.platform import free_port

    host, _, port_text = addr.rpartition(":")
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        print(f"用法错误：--addr 应写成 地址:端口，如 127.0.0.1:8000；收到 {addr!r}", file=sys.stderr)
        return None
    port = int(port_text)
    free = free_port(host, port)
    if free is None:
        print(f"端口 {port} 及其后的端口都被占用，无法启动预览。请关闭其他预览或程序后再试。", file=sys.stderr)
        return None
    if free != port:
        print(f"端口 {port} 已被占用（可能另一个预览还在运行，或别的程序在用它），改用端口 {free}。", file=sys.stderr)
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    print(f"预览地址：http://{shown}:{free}/（按 Ctrl+C 停止预览）", file=sys.stderr)
    return f"{host}:{free}"


def cmd_publish(args) -> int:
    _ensure("requirements.txt")
    from kb.deploy.publish import PublishError, publish, rollback

    target = Path(args.to).resolve()
    try:
        if args.rollback:
            rollback(target, log=lambda m: print(m, file=sys.stderr))
        else:
            settings = _settings(args)
            if args.keep is not None:
                settings = settings.but(keep_releases=args.keep)
            publish(target, log=lambda m: print(m, file=sys.stderr), settings=settings)
    except PublishError as e:
        print(str(e), file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_bundle(args) -> int:
    _ensure("requirements.txt")
    from kb.outputs.offline import BundleError, build_bundle

    settings = _settings(args)
    out = Path(args.out).resolve()
    print("正在生成离线版……", file=sys.stderr)
    try:
        figures = build_bundle(settings, out)
    except BundleError as e:
        print(str(e), file=sys.stderr)
        return EXIT_PROBLEMS
    kept = (f"只重新生成有变化的 {figures['rendered']} 个页面，其余 {figures['kept']} 个沿用上次生成的；"
            if figures["kept"] else "")
    print(f"已生成离线版 {out}（{kept}{figures['pages']} 个可搜索页面，{figures['files']} 个文件，"
          f"{figures['bytes'] / 1e6:.1f} MB）。解压后打开 toolbook 文件夹里的 index.html 即可阅读和搜索。", file=sys.stderr)
    return EXIT_OK


def cmd_pdf(args) -> int:
    _ensure("requirements-pdf.txt")  # Playwright drives the browser that prints the PDF; no MkDocs, no test tools
    from kb.outputs.booklet import PdfError, write_pdf

    settings = _settings(args)
    out = Path(args.out or f"toolbook-{args.month}.pdf").resolve()
    try:
        size = write_pdf(settings, args.month, out)
    except PdfError as e:
        print(str(e), file=sys.stderr)
        return e.code
    print(f"已生成 {out}（{size / 1024:.0f} KB）。", file=sys.stderr)
    return EXIT_OK


def cmd_test(args) -> int:
    _ensure("requirements-dev.txt")
    quiet_banners()
    from kb.platform import child_env

    return subprocess.call([sys.executable, "-m", "pytest", *args.pytest_args], cwd=ROOT, env=child_env())


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="toolbook.py", description="党建口袋工具书 命令行工具")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("check", help="检查数据，列出所有问题（文件:行号: 字段: 说明）")
    p.add_argument("--data", metavar="目录", help="数据目录（默认为 $TOOLBOOK_DATA 或项目的 data/）")
    p.add_argument("--drafts", action="store_true", help="连同草稿一起检查（预览看到的内容）；默认只检查要发布的内容")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="生成网站：只显示中文信息，数据有问题时列出全部问题并以退出码 1 结束（输出目录不变）")
    p.add_argument("--out", default=str(ROOT / "site"), metavar="目录", help="输出目录（默认为项目的 site/）")
    p.add_argument("--data", metavar="目录", help="数据目录（默认为 $TOOLBOOK_DATA 或项目的 data/）")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("new", help="新建记录（草稿）：new issue 2026-12 --theme 主题 --cases 4，或 new case|method|standard 编号")
    p.add_argument("kind", choices=["issue", "case", "method", "standard"], metavar="种类", help="issue、case、method 或 standard")
    p.add_argument("id", metavar="编号", help="记录编号（专刊为月份，如 2026-12）")
    p.add_argument("--theme", metavar="主题", help="专刊主题（taxonomy.yml 里的名称）")
    p.add_argument("--cases", type=int, metavar="N", help="专刊收录几篇案例（默认 4），同时生成这几篇案例的模板")
    p.add_argument("--data", metavar="目录", help="数据目录（默认为 $TOOLBOOK_DATA 或项目的 data/）")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("import-docx", help="把 Word 文档（.docx）导入为案例草稿")
    p.add_argument("file", metavar="文件.docx", help="Word 文档")
    p.add_argument("--issue", metavar="月份", help="同时把案例收入这一期专刊，如 2026-12")
    p.add_argument("--id", metavar="编号", help="案例编号（默认取文件名，或按月份自动编号）")
    p.add_argument("--data", metavar="目录", help="数据目录（默认为 $TOOLBOOK_DATA 或项目的 data/）")
    p.set_defaults(func=cmd_import_docx)

    p = sub.add_parser("finalize", help="定稿：去掉 draft: true（专刊连同它收录的案例），再检查要发布的内容")
    p.add_argument("id", metavar="编号", help="记录编号，或专刊月份如 2026-12")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="专刊定时发布：这一天起生成的网站里才有它")
    p.add_argument("--data", metavar="目录", help="数据目录（默认为 $TOOLBOOK_DATA 或项目的 data/）")
    p.set_defaults(func=cmd_finalize)

    p = sub.add_parser("synth", help="生成指定规模的合成数据（用于性能测试）")
    p.add_argument("--records", type=int, required=True, metavar="N", help="记录总数")
    p.add_argument("--out", required=True, metavar="目录", help="输出目录（须为空或不存在）")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子，相同种子生成相同数据（默认 1）")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("bench", help="生成合成数据并测量构建用时、内存、输出大小和搜索下载量")
    p.add_argument("--sizes", default="1000,10000", metavar="N,N", help="各次测量的记录数（默认 1000,10000）")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="合成数据的随机种子（默认 1）")
    p.add_argument("--query", default="党费", metavar="词", help="测量搜索用的关键词（默认 党费）")
    p.add_argument("--json", default="bench.json", metavar="文件", help="结果另存为 JSON（默认 bench.json）")
    p.add_argument("--keep", metavar="目录", help="保留合成数据和生成的网站到此目录（默认测完即删）")
    p.add_argument("--preview", action="store_true", help="改为测量预览（serve）中从保存修改到浏览器显示的用时（改正文、改标题、新增、删除、出错和改正各 3 次）及启动用时")
    p.add_argument("--search", action="store_true", help="改为评测搜索：人工判定的查询（答案在前 3 的比例、MRR、无结果）和完全包含的查询（召回率、准确率），以及用时和下载量")
    p.add_argument("--desk", action="store_true", help="改为测量编辑台：启动后第一次打开记录列表、再次打开列表、打开表单，以及保存后校验完毕、预览页面显示新标题的用时（各 3 次）")
    p.add_argument("--anchor", action="store_true", help="改为对照：同一批合成记录上，本项目无缓存生成与 Hugo + Pagefind 交替各 2 次，"
                   "比较用时和内存（需要 hugo：sudo apt-get install -y hugo；Pagefind 自动从 PyPI 安装）")
    p.add_argument("--release", action="store_true", help="改为测量发布：无缓存生成、未改动再生成、首次发布，新增下个月的一期专刊"
                   "（4 篇案例）后再生成和发布，以及新版本比线上版本多占的磁盘")
    p.add_argument("--records", type=int, default=0, metavar="N", help="与 --search、--preview、--desk、--anchor 或 --release 同用："
                   "合成 N 条记录测量（默认 0：示例数据；--anchor 和 --release 默认 10000）")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("serve", help="安装依赖（如缺少）并启动本地预览和编辑台（/_desk/），修改 data/ 后自动刷新")
    p.add_argument("--addr", default="127.0.0.1:8000", metavar="地址:端口", help="预览地址（默认 127.0.0.1:8000）")
    p.add_argument("--publish-to", metavar="目录", help="编辑台的“发布”按钮发布到这个目录（同 publish --to；"
                   "默认取环境变量 TOOLBOOK_PUBLISH_TO，都没有时编辑台不能发布）")
    p.add_argument("--desk-anywhere", action="store_true", help="预览绑定本机以外的地址（如 --addr 192.168.1.10:8000）时"
                   "也提供编辑台。注意：编辑台没有账号和密码，任何能访问这个地址的人都可以修改 data/ 里的数据并发布网站")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("publish", help="生成网站到新版本目录，检查全部链接，与线上版本相同的文件共用，原子切换 current；保留最近 5 个版本")
    p.add_argument("--to", required=True, metavar="目录", help="发布目录：版本在 目录/releases/，网站服务器指向 目录/current")
    p.add_argument("--keep", type=_keep_count, metavar="N", help="保留最近 N 个版本（1–100，默认 5 或环境变量 TOOLBOOK_KEEP_RELEASES）")
    p.add_argument("--rollback", action="store_true", help="不生成新版本，把 current 切回上一个版本")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("bundle", help="生成离线版 zip：不用服务器，解压后双击 index.html 即可阅读和搜索")
    p.add_argument("--out", default="toolbook-offline.zip", metavar="文件", help="输出文件（默认 toolbook-offline.zip）")
    p.set_defaults(func=cmd_bundle)

    p = sub.add_parser("pdf", help="把一期月度专刊生成 PDF：封面、目录、卷首语和全部案例")
    p.add_argument("month", metavar="期号", help="专刊的月份，如 2026-06")
    p.add_argument("--out", metavar="文件", help="输出文件（默认 toolbook-期号.pdf）")
    p.set_defaults(func=cmd_pdf)

    p = sub.add_parser("test", help="安装开发依赖（如缺少）并运行全部测试；其余参数原样传给 pytest")
    p.set_defaults(func=cmd_test)

    for stream in (sys.stdout, sys.stderr):  # a console that cannot show a character must not crash us
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    try:
        return args.func(args)
    except _Stop as e:
        return e.code
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # never a traceback for a user; TOOLBOOK_DEBUG=1 shows it
        if os.environ.get("TOOLBOOK_DEBUG"):
            raise
        print(f"内部错误：{type(e).__name__}: {e}（设置环境变量 TOOLBOOK_DEBUG=1 可查看详细信息）", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
