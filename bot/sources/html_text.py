"""Readable text of an arXiv HTML page (LaTeXML): what /explain reads when a paper has full text."""

from __future__ import annotations

from html.parser import HTMLParser

FULL_TEXT_MAX_CHARS = 250_000  # a long paper with its appendix; thread questions retrieve from all of it


class _TextExtractor(HTMLParser):
    """Readable text of an arXiv (LaTeXML) HTML page: blocks become lines, math becomes its TeX."""

    # arXiv's page chrome (banner header, navbar, footer, "report issue" buttons) is not the paper.
    SKIP = frozenset({"script", "style", "nav", "noscript", "template", "head", "button", "svg", "header", "footer"})
    BLOCK = frozenset(
        "p div section article h1 h2 h3 h4 h5 h6 li ul ol br tr table figure figcaption blockquote "
        "pre dd dt".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0  # depth inside elements whose text we drop

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP or tag == "math":
            self._skip += 1
            if tag == "math" and self._skip == 1:
                # LaTeXML keeps the source TeX in alttext; MathML's tokens read as noise.
                self.parts.append(f" {dict(attrs).get('alttext') or ''} ")
        elif tag in self.BLOCK and not self._skip:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP or tag == "math":
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCK and not self._skip:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            # Line breaks in the source are just spaces; only block elements end a line.
            self.parts.append(data.replace("\r", " ").replace("\n", " "))

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line for line in lines if line)


def html_to_text(html: str, *, max_chars: int = FULL_TEXT_MAX_CHARS) -> str:
    """Readable text of an HTML page (no scripts, styles or navigation), at most `max_chars` long."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return parser.text()[:max_chars]
