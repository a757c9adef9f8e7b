"""Imports Word documents one after another as `toolbook.py import-docx` does, and reports on each.

    python tests/docx_corpus.py OUT.jsonl DOC.docx ...

For each document: a fresh copy of tests/fixtures/minimal; `import-docx`, then for a document imported
`check --drafts`, both through the command line's own main() in this process (starting Python once per
document would cost more than most imports); the exit codes and messages; the seconds taken; the peak
resident memory meanwhile (Linux: the high-water mark is reset before each document through
/proc/self/clear_refs); and for an imported document the share of its visible characters that the draft
keeps, against the text of the document's own XML. One JSON line per document as soon as it is done,
after a "start" line: a run that is killed shows which document it was on (tests/test_docx_corpus.py).
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import shutil
import sys
import tempfile
import time
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).parent / "fixtures" / "minimal"
W_MAIN = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main", "http://purl.oclc.org/ooxml/wordprocessingml/main")
NOT_SHOWN = {"del", "moveFrom", "Fallback", "delText", "instrText"}  # deleted text, a drawing's second copy, field codes


def visible(text: str) -> Counter:
    """The characters of `text` a reader sees: no white space, no control or format characters."""
    return Counter(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn"))


def document_text(path: Path) -> str:
    """The text of the body of a .docx as its XML has it: every w:t, less deleted and hidden runs and the
    fallback copies of drawings. Written apart from the importer, on purpose."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        names = {n.lower(): n for n in z.namelist()}
        main = "word/document.xml"
        if "_rels/.rels" in names:
            rels = etree.fromstring(z.read(names["_rels/.rels"]))
            main = next((r.get("Target").lstrip("/") for r in rels if (r.get("Type") or "").endswith("/officeDocument")), main)
        root = etree.fromstring(z.read(names[main.lower()]), etree.XMLParser(resolve_entities=False, no_network=True))
    out: list[str] = []

    def hidden(run) -> bool:
        for props in run:
            if isinstance(props.tag, str) and etree.QName(props).localname == "rPr":
                for p in props:
                    if isinstance(p.tag, str) and etree.QName(p).localname in ("vanish", "specVanish"):
                        return (p.get(f"{{{etree.QName(p).namespace}}}val") or "true").lower() not in ("0", "false", "off")
        return False

    def walk(element) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child)
            if name.localname in NOT_SHOWN or (name.localname == "r" and name.namespace in W_MAIN and hidden(child)):
                continue
            if name.localname == "t" and name.namespace in W_MAIN:
                out.append(child.text or "")
            walk(child)

    body = next((c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "body"), root)
    walk(body)
    return "".join(out)


def draft_text(data: Path) -> str:
    """Every text value of the draft case written; the Markdown body as a reader sees it (escapes taken out)."""
    from kb.data.yamlio import read_document

    out = []
    for path in (data / "cases").glob("*.yml"):
        if path.name == "jiaoyu-zhibu.yml":
            continue
        doc, _ = read_document(path)
        for key, value in doc.value.items() if doc is not None else ():
            if key == "body":
                out.append(html.unescape(re.sub(r"\\(.)", r"\1", value)))
            elif key == "images":
                out += [image["caption"] for image in value]
            elif key != "id" and isinstance(value, str):
                out.append(value)
    return "\n".join(out)


def peak_reset() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_megabytes() -> float:
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):  # no /proc: the process's own peak so far (none at all on Windows)
        try:
            import resource
        except ImportError:
            return 0.0
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cli(*args: str) -> tuple[int, str, str]:
    from kb.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def one(doc: Path, work: Path) -> dict:
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(MINIMAL, data)
    peak_reset()
    start = time.perf_counter()
    code, out, err = cli("import-docx", str(doc), "--data", str(data))
    report = {"doc": str(doc), "code": code, "out": out, "err": err}
    if code == 0:
        report["check_code"], check_out, check_err = cli("check", "--drafts", "--data", str(data))
        report["check"] = check_out + check_err
    report["seconds"] = time.perf_counter() - start
    report["megabytes"] = peak_megabytes()
    if code == 0:
        try:
            reference = visible(document_text(doc))
        except Exception as e:  # noqa: BLE001 - the reference is this script's, not the importer's: say so, go on
            report["reference_error"] = f"{type(e).__name__}: {e}"
        else:
            kept = visible(draft_text(data))
            report["chars"] = sum(reference.values())
            report["kept"] = sum(min(n, kept[c]) for c, n in reference.items())
    return report


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT / "hooks"))  # a worker run on its own, as the command line is
    out_path, docs = Path(argv[0]), [Path(a) for a in argv[1:]]
    with tempfile.TemporaryDirectory() as tmp, open(out_path, "a", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps({"start": str(doc)}, ensure_ascii=False) + "\n")
            out.flush()
            out.write(json.dumps(one(doc, Path(tmp)), ensure_ascii=False) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
