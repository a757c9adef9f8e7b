"""Builds what cannot be committed sensibly; run on a copy of the data set."""

def make(data):
    (data / "methods/sandan.yml").unlink()
    for rel, old in (("standards/sanhui-yike.yml", "related: [sandan]"), ("cases/yusuan-gongjian.yml", "  - sandan\n"),
                     ("issues/2026-06.yml", "featured_methods: [sandan]")):
        path = data / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, old.replace("sandan", "index")), encoding="utf-8")
