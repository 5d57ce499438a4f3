"""The HTML of the customer pages: escaping, labels, error summary, language (no AWS)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from loket.channels.web import render
from loket.channels.web.forms import FieldError, Limits
from loket.channels.web.i18n import Translator

LIMITS = Limits(max_files=3, max_file_bytes=2 * 1024 * 1024, max_total_bytes=4 * 1024 * 1024,
                categories=("general", "billing"))  # fmt: skip


class _Elements(HTMLParser):
    """Every start tag with its attributes, and a check that the document parses."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.tags


def test_form_page_every_visible_control_has_a_label() -> None:
    html = render.form_page(Translator("en"), {}, [], "tok", LIMITS)

    tags = _elements(html)
    labelled = {a["for"] for t, a in tags if t == "label"}
    controls = [a for t, a in tags if t in ("input", "select", "textarea") and a.get("type") != "hidden"]
    assert controls
    assert all(c["id"] in labelled for c in controls)


def test_form_page_ids_are_unique() -> None:
    html = render.form_page(Translator("en"), {}, [FieldError("email", "err_invalid_email")], "tok", LIMITS)

    ids = [a["id"] for _t, a in _elements(html) if a.get("id")]
    assert len(ids) == len(set(ids))


def test_form_page_errors_summary_links_each_field_and_describes_it() -> None:
    errors = [FieldError("email", "err_invalid_email"), FieldError("subject", "err_required", (("field", "subject"),))]

    html = render.form_page(Translator("en"), {"email": "x"}, errors, "tok", LIMITS)

    assert '<a href="#f-email">Enter an email address like name@example.com.</a>' in html
    assert '<a href="#f-subject">Enter your Subject.</a>' in html
    email = next(a for t, a in _elements(html) if a.get("id") == "f-email")
    assert email["aria-invalid"] == "true"
    assert "f-email-error" in (email["aria-describedby"] or "")


def test_form_page_values_are_escaped_in_attributes_and_text() -> None:
    evil = '"><script>x</script>'

    html = render.form_page(Translator("en"), {"name": evil, "message": "</textarea><b>"}, [], 'a"b', LIMITS)

    assert "<script>" not in html and "</textarea><b>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert 'value="a&quot;b"' in html


def test_form_page_language_attribute_and_switch_link() -> None:
    html = render.form_page(Translator("id"), {}, [], "tok", LIMITS)

    assert '<html lang="id">' in html
    assert '<a href="?lang=en" hreflang="en" lang="en">English</a>' in html


def test_form_page_selected_category_kept() -> None:
    html = render.form_page(Translator("en"), {"category": "billing"}, [], "tok", LIMITS)

    assert '<option value="billing" selected>Billing and payment</option>' in html


def test_thanks_page_without_a_number_shows_no_ticket_and_no_link() -> None:
    html = render.thanks_page(Translator("en"), None, None)

    assert "LKT-" not in html
    assert "status/" not in html


def test_thanks_page_status_link_is_relative_and_carries_the_token() -> None:
    html = render.thanks_page(Translator("en"), 12, "tok123")

    assert re.search(r'href="status/LKT-12\?t=tok123&amp;lang=en"', html)


def test_message_page_escapes_body() -> None:
    html = render.message_page(Translator("en"), "not_found_title", "<i>x</i>")

    assert "&lt;i&gt;x&lt;/i&gt;" in html
