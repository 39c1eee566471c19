"""Floor for ``mapws list``: list the workbooks of a folder with pathlib, one line each (slug, path)."""

import sys
from pathlib import Path

for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
    print(f"{path.stem:<32} {path.resolve()}")
