"""Builds what cannot be committed sensibly; run on a copy of the data set."""

import shutil


def make(data):
    outside = data.parent / "outside-methods"
    shutil.move(data / "methods", outside)
    (data / "methods").symlink_to(outside, target_is_directory=True)
