"""党建口袋工具书 命令行（入口）。命令和说明见 `python scripts/toolbook.py --help` 和 hooks/kb/cli.py。"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hooks"))

from kb.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
