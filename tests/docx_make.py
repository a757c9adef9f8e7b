"""Word documents made for the tests: Chinese case documents in the shapes Chinese offices produce, and
hostile or broken files. Written part by part (a .docx is a zip of XML), so that each structure Word and
WPS use is there exactly: content controls, tracked changes, hyperlinks, fields, smart tags, text boxes
with their VML fallback, numbering, merged and nested table cells, images, WPS's numeric style ids and
Chinese style names, 公文 layout (一、/（一） headings, the signature and a date in Chinese numerals at
the end).

    path = gongwen_case(tmp_path / "gongwen.docx")
"""

from __future__ import annotations

import struct
import warnings
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
      'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" mc:Ignorable="w14"')
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
FONT = '<w:rFonts w:ascii="仿宋_GB2312" w:eastAsia="仿宋_GB2312" w:hint="eastAsia"/><w:sz w:val="32"/>'

# WPS writes numeric style ids and, in a Chinese WPS, Chinese style names
WPS_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {NS}>
<w:style w:type="paragraph" w:default="1" w:styleId="1"><w:name w:val="正文"/><w:rPr>{FONT}</w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="2"><w:name w:val="标题 1"/><w:basedOn w:val="1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="3"><w:name w:val="标题 2"/><w:basedOn w:val="1"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="4"><w:name w:val="小标题"/><w:basedOn w:val="1"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="10"><w:name w:val="标题"/><w:basedOn w:val="1"/></w:style>
<w:style w:type="character" w:styleId="20"><w:name w:val="Strong"/><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="character" w:styleId="21"><w:name w:val="Hyperlink"/><w:rPr><w:color w:val="0000FF"/></w:rPr></w:style>
</w:styles>"""

NUMBERING = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering {NS}>
<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>
<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="●"/></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"""


def png(rgb: bytes = b"\xc0\x00\x00") -> bytes:
    """A 1×1 PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" + rgb)) + chunk(b"IEND", b""))


# -- XML pieces ---------------------------------------------------------------------------------------------

def t(text: str) -> str:
    return f'<w:t xml:space="preserve">{escape(text)}</w:t>'


def r(text: str, bold: bool = False, style: str | None = None) -> str:
    props = (f'<w:rStyle w:val="{style}"/>' if style else "") + ("<w:b/>" if bold else "") + FONT
    return f"<w:r><w:rPr>{props}</w:rPr>{t(text)}</w:r>"


def p(*content: str, style: str | None = None, num: int | None = None, center: bool = False) -> str:
    """A paragraph; each piece of `content` is text (a run) or XML (a piece from here, starting with "<w:")."""
    props = (f'<w:pStyle w:val="{style}"/>' if style else "") + (
        f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num}"/></w:numPr>' if num else "") + ('<w:jc w:val="center"/>' if center else "")
    runs = "".join(c if c.startswith("<w:") else r(c) for c in content)
    return f"<w:p><w:pPr>{props}</w:pPr>{runs}</w:p>"


def hyperlink(text: str, rid: str = "rIdLink1") -> str:
    return f'<w:hyperlink r:id="{rid}" w:history="1">{r(text, style="21")}</w:hyperlink>'


def inserted(text: str) -> str:
    return f'<w:ins w:id="11" w:author="张三" w:date="2026-03-01T09:00:00Z">{r(text)}</w:ins>'


def deleted(text: str) -> str:
    return f'<w:del w:id="12" w:author="张三" w:date="2026-03-01T09:00:00Z"><w:r><w:delText>{escape(text)}</w:delText></w:r></w:del>'


def inline_control(text: str, alias: str = "单位") -> str:
    return (f'<w:sdt><w:sdtPr><w:alias w:val="{alias}"/><w:tag w:val="{alias}"/><w:id w:val="101"/></w:sdtPr>'
            f"<w:sdtContent>{r(text)}</w:sdtContent></w:sdt>")


def block_control(*paragraphs: str, alias: str = "正文") -> str:
    return (f'<w:sdt><w:sdtPr><w:alias w:val="{alias}"/><w:id w:val="102"/></w:sdtPr>'
            f"<w:sdtContent>{''.join(paragraphs)}</w:sdtContent></w:sdt>")


def simple_field(text: str, instr: str = " DOCPROPERTY Company ") -> str:
    return f'<w:fldSimple w:instr="{instr}">{r(text)}</w:fldSimple>'


def complex_field(result: str, instr: str = " REF _Ref1 \\h ") -> str:
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve">{escape(instr)}</w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'{r(result)}<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def smart_tag(text: str) -> str:
    return f'<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="PersonName">{r(text)}</w:smartTag>'


def image(rid: str = "rIdImg1", name: str = "图片 1") -> str:
    return (f'<w:r><w:drawing><wp:inline><wp:extent cx="914400" cy="914400"/><wp:docPr id="1" name="{name}"/>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
            f'<pic:nvPicPr><pic:cNvPr id="1" name="{name}"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{rid}"/></pic:blipFill><pic:spPr/></pic:pic></a:graphicData></a:graphic>'
            "</wp:inline></w:drawing></w:r>")


def text_box(*paragraphs: str) -> str:
    """A text box as Word 2010+ writes it: the DrawingML shape, and the same text again in a VML fallback."""
    inner = "".join(paragraphs)
    return ('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:docPr id="5" name="文本框 5"/>'
            '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
            f'<wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic>'
            '</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>'
            f'<w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>')


def cell(*paragraphs: str, span: int = 1, merge: str | None = None) -> str:
    props = (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + (f'<w:vMerge w:val="{merge}"/>' if merge == "restart"
                                                                     else "<w:vMerge/>" if merge else "")
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{''.join(paragraphs) or '<w:p/>'}</w:tc>"


def table(*rows: list[str]) -> str:
    return "<w:tbl><w:tblPr/>" + "".join(f"<w:tr>{''.join(cells)}</w:tr>" for cells in rows) + "</w:tbl>"


# -- packages -----------------------------------------------------------------------------------------------

def package(path: Path, body: str, *, styles: str = WPS_STYLES, numbering: str | None = NUMBERING,
            links: dict[str, str] | None = None, images: dict[str, bytes] | None = None,
            document: str | None = None, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A .docx with `body` (the XML inside w:body) and the parts it refers to."""
    links = links or {"rIdLink1": "http://www.12371.cn/"}
    images = images if images is not None else {}
    rels = [f'<Relationship Id="rIdStyles" Type="{REL}/styles" Target="styles.xml"/>']
    if numbering:
        rels.append(f'<Relationship Id="rIdNumbering" Type="{REL}/numbering" Target="numbering.xml"/>')
    rels += [f'<Relationship Id="{rid}" Type="{REL}/hyperlink" Target="{escape(url)}" TargetMode="External"/>' for rid, url in links.items()]
    rels += [f'<Relationship Id="{rid}" Type="{REL}/image" Target="media/{rid}.png"/>' for rid in images]
    document = document if document is not None else (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {NS}><w:body>{body}'
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>')
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
        '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/_rels/document.xml.rels": '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{"".join(rels)}</Relationships>',
        "word/document.xml": document,
        "word/styles.xml": styles,
    }
    if numbering:
        parts["word/numbering.xml"] = numbering
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8") if isinstance(text, str) else text)
        for rid, content in images.items():
            z.writestr(f"word/media/{rid}.png", content)
    return path


# -- Chinese case documents ---------------------------------------------------------------------------------

HYPERLINKED = "落实《中国共产党支部工作条例（试行）》第十条"
# the body of a case of ordinary length (written for these tests): a real case runs to a few thousand characters
CASE_TEXT = [
    "近年来，支部围绕“党建引领、服务群众”的目标，把党员活动阵地延伸到基层一线，推动党建工作与业务工作深度融合。",
    "一是建强阵地。整合机关闲置用房，设置学习区、议事区和服务区，配齐党建书籍和宣传展板，为党员群众提供学习交流的固定场所。",
    "二是健全机制。制定值守、活动预约、意见收集等制度，每月召开一次支委会研究阵地工作，做到有计划、有记录、有反馈。",
    "三是丰富活动。围绕“三会一课”、主题党日等组织生活，开展政策宣讲、志愿服务、结对帮扶等活动，全年开展活动四十余场次。",
    "四是强化考核。把阵地工作纳入党员积分管理，实行季度通报、年底评议，评议结果作为评先评优的重要依据。",
    "在推进过程中，支部注重发挥党员先锋模范作用，设立党员示范岗十二个，组织党员认领服务项目，引导党员在岗位上亮身份、作表率。",
    "同时，支部加强与社区党组织的共建联建，签订共建协议，定期召开联席会议，共同研究解决群众反映的急难愁盼问题。",
    "支部还建立了线上学习群，每周推送学习资料，组织党员开展线上答题和心得交流，做到学习不断线、教育全覆盖。",
    "针对青年党员多的特点，支部开展“青年讲堂”活动，由青年党员轮流登台讲述岗位故事，分享学习体会，增强了学习的吸引力。",
    "在服务群众方面，支部梳理形成服务事项清单二十三项，明确责任人和完成时限，实行台账管理、销号落实，确保件件有回音。",
    "通过一年来的实践，党员的身份意识和服务意识明显增强，群众对机关作风的满意度持续提升，阵地已成为联系服务群众的重要平台。",
    "下一步，支部将进一步总结经验做法，完善服务清单，推动各项工作常态化、制度化，努力打造机关党建的特色品牌。",
    "支部书记表示，党建工作只有融入中心、服务大局，才能焕发持久的生命力，支部将以更高标准抓好各项任务落实。",
    "全体党员一致表示，要立足本职岗位，勤奋工作、担当作为，以实际行动践行初心使命，为推动高质量发展贡献力量。",
]


def gongwen_case(path: Path) -> Path:
    """A case as a 公文: plain-paragraph title and 一、/（一） headings, the unit in a content control, a
    hyperlinked regulation, tracked changes, fields, a smart tag, a table with merged and nested cells, an
    image with its caption, a text box, numbered and bulleted lists, the signature and date at the end."""
    body = "".join([
        p(r("关于“红色驿站”党建品牌建设情况的报告", bold=True), center=True),
        p("单位：", inline_control("市财政局")),
        p("党组织：市财政局预算处党支部"),
        p(r("一、基本情况", bold=True)),
        p("支部坚持", hyperlink("落实《中国共产党支部工作条例（试行）》"), "第十条，", inserted("每月"), deleted("每季度"),
          "开展主题党日。"),
        block_control(p("驿站设在机关一楼，每周二、四向干部群众开放，由党员轮流值守。")),
        p(r("（一）主要做法", bold=True)),
        p("由", smart_tag("张三"), "同志牵头，联系", simple_field("市财政局"), "各处室，参照", complex_field("第二部分"), "执行。"),
        p("建立服务台账", num=2),
        p("开展结对帮扶", num=2),
        p("摸清群众需求", num=1),
        p("上门提供服务", num=1),
        table([cell(p("项目")), cell(p("数量")), cell(p("备注"))],
              [cell(p("走访户数")), cell(p("120")), cell(p("含困难户"), table([cell(p("低保")), cell(p("8"))]))],
              [cell(p("服务次数"), merge="restart"), cell(p("46"), span=2)],
              [cell(p(""), merge="continue"), cell(p("季度")), cell(p("环比增长"))]),
        p(image()),
        p("图1 驿站开放日"),
        p(text_box(p("驿站口号：身边的党员，贴心的服务。")), "驿站的口号印在门口的展板上。"),
        *(p(text) for text in CASE_TEXT[:7]),
        p(r("二、取得成效", bold=True)),
        p("一年来驿站接待群众一千二百余人次，解决实际问题五十六件，群众满意率百分之九十八。"),
        *(p(text) for text in CASE_TEXT[7:]),
        p("市财政局预算处党支部"),
        p("二〇二六年三月五日"),
    ])
    return package(path, body, images={"rIdImg1": png()})


def wps_case(path: Path) -> Path:
    """A case as WPS saves it: numeric style ids with Chinese names (标题、标题 1、标题 2, an outline level
    on a custom style), the unit and date on one line, invisible characters pasted into the text."""
    body = "".join([
        p("青年理论学习小组“读原著”活动", style="10"),
        p("报送单位：市教育局\u3000\u3000报送日期：2026年11月20日"),
        p("党组织：市教育局基础教育处党支部"),
        p("活动背景", style="2"),
        p("\ufeff支部青年党员多，理论学习\u007f需求大。\u0085每月安排一次读原著\u2028交流会\u0093。"),
        p("主要做法", style="3"),
        p("领读一章", num=2),
        p("撰写笔记", num=2),
        p("分享心得", style="4"),
        p(r("每位党员", bold=True), r("每季度至少领读一次，", style="20"), "形成学习笔记。"),
        *(p(text) for text in CASE_TEXT),
    ])
    return package(path, body)


def unlabelled_case(path: Path) -> Path:
    """No 单位/日期 labels: the date alone under the title, a unit named in the text."""
    body = "".join([
        p("机关党员志愿服务队走进社区"),
        p("2026年11月20日"),
        p("市教育局机关党委组织党员志愿服务队，到联系社区开展文明创建志愿服务。"),
        p("志愿者分成三个小组，分别负责环境整治、政策宣讲和为老服务。"),
        *(p(text) for text in CASE_TEXT),
    ])
    return package(path, body)


def chinese_date_case(path: Path) -> Path:
    body = "".join([
        p("支部书记讲党课"),
        p("单位：市教育局"),
        p("日期：二〇二六年三月五日"),
        p("支部书记围绕学习贯彻党章讲专题党课，全体党员参加。"),
        *(p(text) for text in CASE_TEXT),
    ])
    return package(path, body)


INJECTIONS = ["---", "- 不是列表", "#标签开头的段落", "2026. 年度总结", "!!! note 不是提示框", "> 不是引用", "+ 加号开头",
              "* 星号开头", "1) 括号编号", "| 竖线 | 表格 |", "<b>不是加粗</b>", "**也不是加粗**", "=====", "    缩进四格",
              "[链接](http://x.cn)", "`代码`", "\\反斜杠", "## 不是小标题 ##"]


def injection_case(path: Path) -> Path:
    """Plain paragraphs that Markdown would read as a rule, a list, a heading, a numbered item, …"""
    body = p("纯文本段落") + p("单位：市教育局") + "".join(p(text) for text in INJECTIONS + CASE_TEXT)
    return package(path, body)


def tracked_case(path: Path) -> Path:
    body = "".join([
        p("修订中的案例"),
        p("第一段", inserted("新增的文字"), deleted("删掉的文字"), "。"),
        '<w:p><w:moveFrom w:id="21" w:author="李四" w:date="2026-03-01T09:00:00Z">' + r("移走的句子。") + "</w:moveFrom></w:p>",
        '<w:p><w:moveTo w:id="22" w:author="李四" w:date="2026-03-01T09:00:00Z">' + r("移来的句子。") + "</w:moveTo></w:p>",
        '<w:ins w:id="23" w:author="李四" w:date="2026-03-01T09:00:00Z"></w:ins>',
        p("第三段。"),
    ])
    return package(path, body)


CHINESE = {"gongwen-case.docx": gongwen_case, "wps-case.docx": wps_case, "unlabelled-case.docx": unlabelled_case,
           "chinese-date-case.docx": chinese_date_case, "injection-case.docx": injection_case, "tracked-case.docx": tracked_case}


# -- hostile and broken files -------------------------------------------------------------------------------

def _document(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document {NS}><w:body>{body}</w:body></w:document>'


def xml_bomb(path: Path, megabytes: int = 100) -> Path:
    """Deflate makes 100 MB of repeated XML a file of a few hundred KB."""
    unit = p("党建工作要抓在经常、融入日常。")
    return package(path, "", document=_document(unit * (megabytes * 1_000_000 // len(unit.encode()))))


def near_limits(path: Path) -> Path:
    """Just under every bound before parsing (19 MB of XML, 19,000 paragraphs): read, and refused as too long."""
    text = "党建工作要抓在经常、融入日常，"
    unit = p(text * ((19_000_000 // 19_000 - len(p("").encode())) // len(text.encode())))
    return package(path, "", document=_document(unit * 19_000))


def paragraph_bomb(path: Path) -> Path:
    return package(path, "", document=_document("<w:p/>" * 30_000))


def lying_sizes(path: Path, megabytes: int = 800) -> Path:
    """A zip whose directory says the body unpacks to 1 KB while its deflate stream holds 800 MB (in a few MB):
    a reader that trusts the directory and unpacks the member in one go (zipfile's read()) takes 1.6 GB."""
    package(path, p("党建"))
    with zipfile.ZipFile(path, "a") as z, warnings.catch_warnings():  # a second word/document.xml, found last
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        member = zipfile.ZipInfo("word/document.xml", (2026, 1, 1, 0, 0, 0))
        member.compress_type, member._compresslevel = zipfile.ZIP_DEFLATED, 1  # the fastest to make
        with z.open(member, "w") as f:
            block = b" " * 1_000_000
            for _ in range(megabytes):
                f.write(block)
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    for signature, size_at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):  # central directory, local header
        at = data.find(signature)
        while at >= 0:
            name_at = at + (46 if signature == b"PK\x01\x02" else 30)
            if data[name_at:name_at + len(name)] == name:
                data[at + size_at:at + size_at + 4] = struct.pack("<I", 1000)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


def billion_laughs(path: Path) -> Path:
    entities = '<!ENTITY l0 "哈哈">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    document = (f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]><w:document {NS}><w:body>'
                f"{p('标题')}<w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>")
    return package(path, "", document=document)


def bad_crc(path: Path) -> Path:
    package(path, p("党建") * 50, compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    at = data.find("党建".encode())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    return path


def bad_central_directory(path: Path) -> Path:
    package(path, p("党建") * 50)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])
    return path


def malformed_xml(path: Path) -> Path:
    return package(path, "", document=f"<w:document {NS}><w:body><w:p><w:r><w:t>未闭合</w:r></w:body>")


def deep_nesting(path: Path, depth: int = 300) -> Path:
    return package(path, "<w:sdt><w:sdtContent>" * depth + p("很深") + "</w:sdtContent></w:sdt>" * depth)


def encrypted(path: Path) -> Path:
    """What Word writes for a document with an opening password: a Compound File holding EncryptedPackage."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le").ljust(128, b"\x00") + "EncryptedPackage".encode("utf-16-le").ljust(128, b"\x00")
    path.write_bytes(header + directory + b"\x00" * 1024)
    return path


def old_doc(path: Path) -> Path:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    path.write_bytes(header + "WordDocument".encode("utf-16-le").ljust(128, b"\x00") + b"\x00" * 1024)
    return path


def excel_renamed(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>')
    return path


def text_renamed(path: Path) -> Path:
    path.write_text("这是一个改了扩展名的文本文件。\n", encoding="utf-8")
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


HOSTILE = {"xml-bomb.docx": (xml_bomb, "解压后有"), "paragraph-bomb.docx": (paragraph_bomb, "个段落"),
           "near-limits.docx": (near_limits, "超过一篇案例的上限"), "lying-sizes.docx": (lying_sizes, "损坏"),
           "billion-laughs.docx": (billion_laughs, "DTD"), "bad-crc.docx": (bad_crc, "校验和不对"),
           "bad-central-directory.docx": (bad_central_directory, "损坏"), "malformed-xml.docx": (malformed_xml, "不是合法的 XML"),
           "deep-nesting.docx": (deep_nesting, "嵌套过深"), "encrypted.docx": (encrypted, "密码"),
           "old-doc.docx": (old_doc, "旧版 Word"), "excel-renamed.docx": (excel_renamed, "Excel"),
           "text-renamed.docx": (text_renamed, "不是有效的 Word"), "empty-file.docx": (empty_file, "空文件")}
