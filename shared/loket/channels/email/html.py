"""HTML from mail: sanitized with nh3 before anyone sees it, and turned into plain text when a mail has no text part."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

# inline images point at their MIME part by `cid:`; the console rewrites those to the stored attachment
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
# tags whose content is dropped, not just the tag (nh3 keeps the text of tags it does not allow)
_DROP_CONTENT = {"script", "style", "title", "head", "template", "noscript", "xml"}


def sanitize(html: str) -> str:
    """Safe HTML for the agent console: no scripts, handlers, forms, frames or foreign URL schemes."""
    return nh3.clean(html, url_schemes=_URL_SCHEMES, clean_content_tags=_DROP_CONTENT, strip_comments=True)


_BLOCK = {
    "address", "article", "aside", "blockquote", "div", "dl", "dt", "dd", "fieldset", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "tr", "ul",
}  # fmt: skip
_LINE_BLOCKS = {"div", "li", "tr", "dt", "dd", "header", "footer", "section", "article", "aside", "nav", "main"}
_SKIP = {"script", "style", "head", "title", "template", "noscript", "xml"}


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK:
            self._break(tag)
            if tag == "li":
                self.out.append("- ")
            elif tag == "blockquote":
                self.quote += 1
            elif tag == "pre":
                self.pre += 1
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(f"[{alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._break(tag)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
        if self.quote and data.strip() and (not self.out or self.out[-1].endswith("\n")):
            data = "> " * self.quote + data.lstrip()
        self.out.append(data)

    def _break(self, tag: str) -> None:
        """Paragraph-like blocks stand apart by a blank line; list items, rows and divs by a line break."""
        wanted = 1 if tag in _LINE_BLOCKS else 2
        tail = "".join(self.out[-3:])
        have = len(tail) - len(tail.rstrip("\n")) if tail.strip(" ") else wanted
        if self.out and wanted > have:
            self.out.append("\n" * (wanted - have))


def to_text(html: str) -> str:
    """Readable plain text of an HTML body (block elements become lines, quotes keep a `>` prefix)."""
    maker = _TextMaker()
    try:
        maker.feed(html)
        maker.close()
    except (AssertionError, ValueError):  # HTMLParser gives up on some broken markup: keep what it read
        pass
    text = "".join(maker.out).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
