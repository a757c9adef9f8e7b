"""Builds what cannot be committed sensibly; run on a copy of the data set."""

def make(data):
    with open(data / "cases/jiaoyu-zhibu.yml", "wb") as f:
        f.write(b"id: jiaoyu-zhibu\nbody: |\n")
        f.write((b"  " + "长".encode() * 1000 + b"\n") * 16_666)
        f.truncate(50_000_000)
