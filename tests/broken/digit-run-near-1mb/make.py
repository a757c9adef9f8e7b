"""Builds what cannot be committed sensibly; run on a copy of the data set."""

def make(data):
    path = data / "cases/jiaoyu-zhibu.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("summary: 支部规范化建设。", "summary: " + "1" * 990_000), encoding="utf-8")
