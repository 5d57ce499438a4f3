"""HTML from mail: sanitizing and plain text."""

from __future__ import annotations

from loket.channels.email.html import sanitize, to_text


def test_sanitize_removes_scripts_handlers_frames_and_bad_schemes() -> None:
    dirty = (
        "<div onmouseover='x()'>hi<script>alert(1)</script><iframe src='https://e.example'></iframe>"
        "<a href='javascript:alert(1)'>a</a><a href='vbscript:x'>b</a><form><input></form></div>"
    )

    clean = sanitize(dirty)

    for bad in ("script", "onmouseover", "iframe", "javascript:", "vbscript:", "<form", "<input"):
        assert bad not in clean
    assert "hi" in clean


def test_sanitize_keeps_inline_image_cid_references() -> None:
    assert 'src="cid:logo@x"' in sanitize('<img src="cid:logo@x" alt="logo">')


def test_sanitize_drops_style_and_title_content() -> None:
    clean = sanitize("<html><head><title>T</title><style>p{}</style></head><body><p>x</p></body></html>")

    assert clean == "<p>x</p>"


def test_to_text_blocks_lists_breaks_and_quotes() -> None:
    html = "<p>One</p><p>Two<br>Three</p><ul><li>a</li><li>b</li></ul><blockquote>quoted</blockquote>&amp;&nbsp;end"

    assert to_text(html) == "One\n\nTwo\nThree\n\n- a\n- b\n\n> quoted\n\n& end"


def test_to_text_survives_broken_markup() -> None:
    assert to_text("<p>open <b>never closed <div><<<>>> text") == "open never closed\n<<<>>> text"
