"""`import-docx` on the inputs of issue 16, one kind at a time: damaged and hostile files are refused in
Chinese in seconds, no visible text is lost in silence, invisible characters and Markdown marks in plain
text are harmless, ids from file names are safe, unlabelled and 公文-style documents give their date,
and every message names the .docx, never a temporary file. (The YAML side is tests/test_yaml_guarantee.py;
the real-world corpus is tests/test_docx_corpus.py.)
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx_make
import pytest
from functools import partial

import helpers
from helpers import ROOT, case_of
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.data.load import load_knowledge_base

toolbook = partial(helpers.toolbook, today="2026-11-22")

GUARD = 10  # seconds for one import: a guard against a hang or a blow-up, not a measurement (see test_docx_corpus.py)
MEMORY_GUARD = 1 << 30  # bytes of address space for that process (a MemoryError is an internal error: the test fails)


def imported(data: Path, source: Path, *args: str):
    result = toolbook("import-docx", str(source), *args, data=data)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "内部错误" not in output, output
    return result


def draft(data: Path, source: Path, *args: str) -> dict:
    """Import `source`; the draft case written (it must pass check --drafts)."""
    result = imported(data, source, *args)
    assert result.returncode == 0, result.stderr
    written = [line.split("：", 1)[1] for line in result.stdout.splitlines() if line.startswith("已写入") and line.endswith(".yml")]
    kb, problems = load_knowledge_base(data, include_drafts=True)
    assert problems == [], problems
    return case_of(data, Path(written[0]).stem) | {"_id": Path(written[0]).stem, "_stdout": result.stdout}


# -- 4, 5: damaged, hostile and oversized files ----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(docx_make.HOSTILE))
def test_damaged_and_hostile_files_are_refused_in_chinese(data, tmp_path, name):
    make, reason = docx_make.HOSTILE[name]
    source = make(tmp_path / name)
    result = imported(data, source)
    assert result.returncode == 1 and f"无法导入 {name}：" in result.stderr and reason in result.stderr, result.stderr
    assert not any((data / "cases").glob(f"{source.stem}*")) and not (data / "assets").exists()


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_GUARD, MEMORY_GUARD))


@pytest.mark.parametrize("name", ["xml-bomb.docx", "near-limits.docx", "lying-sizes.docx", "paragraph-bomb.docx"])
def test_bombs_are_refused_within_the_guards(data, tmp_path, name):
    """100 MB of XML in 0.4 MB, a body just under every bound, a zip whose directory lies about a size (800 MB
    in its deflate stream: 1.6 GB when unpacked in one go), 30,000 empty paragraphs: each refused in seconds
    and in bounded memory (one once took 1.2 GB and was still running after 170 s)."""
    source = docx_make.HOSTILE[name][0](tmp_path / name)
    env = dict(os.environ, TOOLBOOK_DATA=str(data))
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "toolbook.py"), "import-docx", str(source)], env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=GUARD,  # TimeoutExpired past it
                            preexec_fn=_limit_memory if os.name == "posix" else None)
    assert result.returncode == 1 and name in result.stderr and "内部错误" not in result.stderr, result.stderr


def test_the_zip_directory_is_checked_before_unpacking(data, tmp_path, monkeypatch):
    """Sizes are read from the zip's own directory: nothing is decompressed for a part over its bound."""
    source = docx_make.xml_bomb(tmp_path / "bomb.docx")
    opened = []
    real = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: opened.append(getattr(name, "filename", name)) or real(self, name, *a, **k))
    from kb.editing.docx_import import import_docx
    from kb.editing.scaffold import ScaffoldError

    with pytest.raises(ScaffoldError, match="解压后有 100 MB"):
        import_docx(source, data)
    assert "word/document.xml" not in opened


# -- 6: visible text is kept -------------------------------------------------------------------------------

def test_text_in_hyperlinks_insertions_content_controls_fields_and_text_boxes_is_kept(data, tmp_path):
    case = draft(data, docx_make.gongwen_case(tmp_path / "gongwen.docx"))
    body = case["body"]
    assert docx_make.HYPERLINKED in body  # the hyperlink's text, once lost ("落实第十条")
    assert "每月开展主题党日" in body and "每季度" not in body  # an insertion accepted, a deletion dropped
    assert "驿站设在机关一楼" in body  # a paragraph in a content control, once vanished whole
    assert case["unit"] == "市财政局"  # the 单位 in an inline content control, once "not found"
    assert "由张三同志牵头，联系市财政局各处室，参照第二部分执行。" in body  # smart tag, simple field, complex field's result
    assert "REF" not in body and "DOCPROPERTY" not in body  # not the fields' codes
    assert body.count("驿站口号：身边的党员，贴心的服务。") == 1  # a text box, not also its VML fallback
    assert "| 走访户数 | 120 | 含困难户 低保 8 |" in body  # a nested table's text, in its cell
    assert "- 建立服务台账\n- 开展结对帮扶" in body and "1. 摸清群众需求\n1. 上门提供服务" in body
    assert case["images"] == [{"file": "image-1.png", "caption": "图1 驿站开放日"}]
    assert (data / "assets" / case["_id"] / "image-1.png").read_bytes() == docx_make.png()


def test_what_is_not_converted_is_said_once_with_its_count(data, tmp_path):
    inner = docx_make.table([docx_make.cell(docx_make.p("内一")), docx_make.cell(docx_make.p("内二"))])
    nested = docx_make.table([docx_make.cell(docx_make.p("外"), inner), docx_make.cell(docx_make.p("旁"))])
    source = docx_make.package(tmp_path / "qiantao.docx", docx_make.p("四个嵌套表格") + nested * 4
                               + docx_make.p("脚注在此", '<w:r><w:footnoteReference w:id="1"/></w:r>'))
    result = imported(data, source)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("嵌套的表格") == 1 and "嵌套的表格（其中的文字已并入所在的单元格）：共 4 处" in result.stdout
    assert "脚注" in result.stdout


# -- 7: invisible characters, and messages that name the .docx -------------------------------------------------

def test_invisible_characters_are_cleaned(data, tmp_path):
    case = draft(data, docx_make.wps_case(tmp_path / "wps.docx"))
    text = "".join(str(v) for v in case.values())
    assert not re.search("[\ufeff\x7f-\x9f\u2028\u2029]", text)
    assert "支部青年党员多，理论学习需求大。" in case["body"] and "交流会。" in case["body"]


def test_messages_name_the_docx_and_the_paragraph_never_a_temporary_file(data, tmp_path):
    source = docx_make.package(tmp_path / "changbiaoti.docx", docx_make.p("长" * 2500, style="10") + docx_make.p("正文。"))
    result = imported(data, source)
    assert result.returncode == 1
    assert "无法导入 changbiaoti.docx" in result.stderr and "title（第 1 段）" in result.stderr, result.stderr
    assert "/tmp" not in result.stderr and ".yml:" not in result.stderr
    too_long = docx_make.package(tmp_path / "tai-chang.docx", "".join(docx_make.p("党建" * 600) for _ in range(100)))
    result = imported(data, too_long)
    assert result.returncode == 1 and "无法导入 tai-chang.docx" in result.stderr and "上限" in result.stderr
    assert "/tmp" not in result.stderr


# -- 8: ids from file names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", ["index", "search", "a" * 80, "52288", "no", "1e3"])
def test_an_unusable_file_name_gets_an_automatic_id(data, tmp_path, stem):
    case = draft(data, docx_make.unlabelled_case(tmp_path / f"{stem}.docx"))
    if len(stem) > 64 or stem in ("index", "search"):
        assert case["_id"] == "anli-20261122-1" and "不能用作案例编号" in case["_stdout"]
    else:
        assert case["_id"] == stem and case["id"] == stem  # a number-like id is quoted in the record


def test_without_an_issue_the_automatic_id_does_not_look_like_an_issue_case(data, tmp_path):
    source = docx_make.unlabelled_case(tmp_path / "志愿服务.docx")
    assert draft(data, source)["_id"] == "anli-20261122-1"
    assert draft(data, source)["_id"] == "anli-20261122-2"
    assert toolbook("new", "issue", "2026-12", "--theme", "过硬支部建设", "--cases", "1", data=data).returncode == 0
    assert draft(data, source, "--issue", "2026-12")["_id"] == "2026-12-anli-1"  # the issue's blank stub
    assert draft(data, source, "--issue", "2026-12")["_id"] == "2026-12-anli-2"


# -- 9: plain text stays plain text --------------------------------------------------------------------------

def test_plain_paragraphs_stay_plain_text(data, tmp_path):
    from kb.site.markup import EXTENSIONS as EDITOR_EXTENSIONS, clean
    import markdown

    case = draft(data, docx_make.injection_case(tmp_path / "zhuru.docx"))
    rendered = clean(markdown.markdown(case["body"], extensions=EDITOR_EXTENSIONS))
    assert not re.search(r"<(hr|ul|ol|li|h[1-6]|blockquote|table|code|pre|strong|em|a|b|div)\b", rendered), rendered
    paragraphs = [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p>(.*?)</p>", rendered, re.S)]
    for text in docx_make.INJECTIONS:
        assert text.strip() in paragraphs, (text, paragraphs)


PLAIN = st.lists(st.sampled_from(list("-+*#>!|_`[]()<>&;.=~:\\ 1234567890amp") + ["党", "建", "。", "2026", "**", "---", "!!!", "&amp;"]),
                 min_size=1, max_size=30).map("".join).map(str.strip).filter(bool)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(PLAIN)
def test_any_plain_paragraph_renders_as_itself(text):
    """A paragraph of Markdown marks, as the importer escapes it, renders as one paragraph of exactly that text."""
    from kb.editing.docx_import import paragraph_markdown
    from kb.site.markup import EXTENSIONS as EDITOR_EXTENSIONS, clean
    import markdown

    rendered = clean(markdown.markdown(paragraph_markdown([(False, text)]), extensions=EDITOR_EXTENSIONS)).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1, (text, rendered)
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered[3:-4])) == text, (text, rendered)


# -- 11: unlabelled and 公文-style documents -----------------------------------------------------------------

def test_a_date_alone_under_the_title_is_the_date_not_the_summary(data, tmp_path):
    case = draft(data, docx_make.unlabelled_case(tmp_path / "zhiyuan.docx"))
    assert case["date"] == "2026-11-20" and "2026年11月20日" not in case["body"]
    assert case["summary"].startswith("市教育局机关党委组织党员志愿服务队") and case["unit"] == "市教育局"


def test_chinese_numeral_dates_and_two_labels_on_one_line(data, tmp_path):
    assert draft(data, docx_make.chinese_date_case(tmp_path / "dangke.docx"))["date"] == "2026-03-05"
    case = draft(data, docx_make.wps_case(tmp_path / "dushu.docx"))
    assert (case["unit"], case["date"], case["branch"]) == ("市教育局", "2026-11-20", "市教育局基础教育处党支部")
    assert case["title"] == "青年理论学习小组“读原著”活动"  # the Title style, named 标题 by WPS
    assert "## 活动背景" in case["body"] and "### 主要做法" in case["body"] and "### 分享心得" in case["body"]  # 标题 1/2, outline level


def test_a_gongwen_gives_its_headings_signature_and_date(data, tmp_path):
    case = draft(data, docx_make.gongwen_case(tmp_path / "gongwen.docx"))
    assert case["date"] == "2026-03-05" and "二〇二六年三月五日" not in case["body"]
    assert case["body"].startswith("## 一、基本情况\n\n") and "\n### （一）主要做法\n" in case["body"]
    assert case["branch"] == "市财政局预算处党支部" and not case["body"].rstrip().endswith("党支部")


# -- 12: messages that say what the file is -----------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "docx"


def test_strict_open_xml_is_read(data, tmp_path):
    source = tmp_path / "strict.docx"
    shutil.copy(FIXTURES / "mammoth" / "strict-format.docx", source)
    case = draft(data, source)
    assert "Test" in case["title"] + case["body"]


@pytest.mark.parametrize("name, says", [("poi/bug53475-password-is-pass.docx", "密码"), ("poi/protected_agile.docx", "密码"),
                                        ("poi/ExternalEntityInText.docx", "DTD")])
def test_encrypted_and_external_entity_documents_say_so(data, name, says):
    result = imported(data, FIXTURES / name)
    assert result.returncode == 1 and says in result.stderr and "KeyError" not in result.stderr, result.stderr


def test_a_folder_or_fifo_named_docx(data, tmp_path):
    folder = tmp_path / "wenjianjia.docx"
    folder.mkdir()
    result = imported(data, folder)
    assert result.returncode == 2 and "是一个文件夹" in result.stderr
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "guandao.docx")
        result = imported(data, tmp_path / "guandao.docx")  # under toolbook()'s timeout: it must not wait
        assert result.returncode == 2 and "不是普通文件" in result.stderr


# -- any structure: never an internal error -----------------------------------------------------------------

TAGS = ["p", "r", "t", "hyperlink", "ins", "del", "moveFrom", "moveTo", "sdt", "sdtContent", "smartTag", "fldSimple", "tbl", "tr",
        "tc", "tcPr", "gridSpan", "vMerge", "br", "tab", "sym", "fldChar", "instrText", "txbxContent", "pPr", "pStyle", "numPr",
        "numId", "ilvl", "rPr", "b", "vanish", "ruby", "rt", "rubyBase", "customXml", "footnoteReference", "outlineLvl", "trPr", "gridBefore"]
VALUES = st.sampled_from(["begin", "separate", "end", "0", "1", "-3", "99999", "abc", "", "F0B7", "restart", "continue", "2"])


def _xml(depth: int):
    leaf = st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=6).map(docx_make.escape),
                     st.builds(lambda tag, v: f'<w:{tag} w:val="{v}" w:fldCharType="{v}" w:char="{v}"/>', st.sampled_from(TAGS), VALUES))
    if depth == 0:
        return leaf
    return st.one_of(leaf, st.builds(lambda tag, kids: f"<w:{tag}>{''.join(kids)}</w:{tag}>", st.sampled_from(TAGS),
                                     st.lists(_xml(depth - 1), max_size=4)))


@settings(max_examples=80, deadline=None, derandomize=True, database=None)
@given(st.lists(_xml(4), max_size=6).map("".join))
def test_any_body_structure_is_imported_or_refused(body):
    """Random nestings of the elements the reader walks, with odd attribute values: a draft or a refusal."""
    import tempfile

    from helpers import MINIMAL
    from kb.editing.docx_import import import_docx
    from kb.editing.scaffold import ScaffoldError

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(MINIMAL, data)
        source = docx_make.package(Path(tmp) / "suiji.docx", body)
        try:
            import_docx(source, data)
        except ScaffoldError as e:
            assert "suiji.docx" in str(e) or "taxonomy" in str(e), str(e)
            return
        kb, problems = load_knowledge_base(data, include_drafts=True)
        assert problems == [], problems
