"""Builds what cannot be committed sensibly (an invisible character); run on a copy of the data set."""


def make(data):
    path = data / "cases/jiaoyu-zhibu.yml"
    text = path.read_text(encoding="utf-8").replace("body: 正文。", "body: |\n  第一段。\n\n  第二段\u2028接着写。")
    path.write_text(text, encoding="utf-8")
