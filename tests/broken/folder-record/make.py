"""Builds what cannot be committed sensibly; run on a copy of the data set."""


def make(data):
    (data / "standards/wenjianjia.yml").mkdir()
    (data / "standards/wenjianjia.yml/note.txt").write_text("a folder, not a record\n", encoding="utf-8")
