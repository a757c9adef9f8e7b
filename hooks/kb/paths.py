"""Where the project is: the one home of its folders (standard library only: the command line imports this before
it has installed anything).

    PROJECT     the folder of mkdocs.yml, README.md and data/
    HOOKS       hooks/: what a child process needs on its path to import kb
    SCHEMA_DIR  the project's data/schema (a data folder may bring its own: kb.settings.schema_dir_for)
"""

from pathlib import Path

HOOKS = Path(__file__).resolve().parents[1]
PROJECT = HOOKS.parent
SCHEMA_DIR = PROJECT / "data" / "schema"
