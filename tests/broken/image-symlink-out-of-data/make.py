"""Builds what cannot be committed sensibly; run on a copy of the data set."""

def make(data):
    outside = data.parent / "outside.jpg"
    outside.write_bytes(b"\xff\xd8\xff")
    (data / "assets/jiaoyu-zhibu").mkdir(parents=True)
    (data / "assets/jiaoyu-zhibu/huodong.jpg").symlink_to(outside)
