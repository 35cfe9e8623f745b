"""Replace one <!-- section:NAME --> … <!-- /section:NAME --> block of README.md with a file's text."""

import sys
from pathlib import Path

name, src = sys.argv[1], Path(sys.argv[2])
readme = Path(__file__).resolve().parents[1] / "README.md"
text = readme.read_text()
start, end = f"<!-- section:{name} -->", f"<!-- /section:{name} -->"
a, b = text.index(start) + len(start), text.index(end)
readme.write_text(text[:a] + "\n" + src.read_text().strip() + "\n" + text[b:])
