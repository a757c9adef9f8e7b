"""Builds what cannot be committed sensibly; run on a copy of the data set."""
import os


def make(data):
    os.mkfifo(data / "cases/guandao.yml")
