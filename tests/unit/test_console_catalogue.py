"""The console's catalogues (frontend/i18n/<lang>.json) and a static check that its JavaScript and index.html
write no user-visible words of their own: every label, button, message and aria-label goes through t()."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parent.parent.parent / "frontend"
LANGUAGES = ("en", "id")
PLACEHOLDER = re.compile(r"\{(\w+)\}")

# Strings with capitals that are not words for people: HTTP header names and schemes, key names, algorithms.
TECHNICAL = {"Accept", "Authorization", "Content-Type", "ETag", "Idempotency-Key", "If-Match", "Bearer", "Enter",
             "Escape", "Tab", "SHA-256", "HTTP", "Loket", "openid email profile"}  # fmt: skip
# Where a literal would be shown as it is: text, tooltips, placeholders, accessible names, children of h(...),
# messages. The code before a literal (spaces removed) ending with one of these marks it as visible.
SINKS = ("textContent=", "innerText=", "innerHTML=", "title:", "placeholder:", "'aria-label':", "alt:", "},",
         "notify(", "Error(", "confirm(", "alert(", "prompt(")  # fmt: skip
# Where a literal is a class attribute (hooks for tests and scripts need not be in the CSS).
CLASS_CONTEXTS = ("class:", "className=", "classList.add(", "classList.toggle(", "classList.remove(")


def catalogue(lang: str) -> dict[str, str]:
    data = json.loads((FRONTEND / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# ---------------------------------------------------------------------------- JavaScript string literals


def literals(source: str) -> Iterator[tuple[str, str]]:
    """Each string literal of a JavaScript source as (static text, code before it); a template literal's
    ${...} parts become {} in the text and are scanned as code. Comments and regular expressions are skipped."""
    yield from _scan(source, 0, len(source))


def _scan(src: str, start: int, end: int) -> Iterator[tuple[str, str]]:
    i = start
    code: list[str] = []  # the code since the last literal, for the sink check
    while i < end:
        c = src[i]
        if src.startswith("//", i):
            i = src.find("\n", i)
            i = end if i < 0 else i
        elif src.startswith("/*", i):
            i = src.index("*/", i) + 2
        elif c == "/" and _regex_may_start("".join(code)):
            i = _skip_regex(src, i)
            code.append("/re/")
        elif c in "'\"":
            j = i + 1
            while src[j] != c:
                j += 2 if src[j] == "\\" else 1
            yield src[i + 1 : j], "".join(code)
            code = [src[i : j + 1]]
            i = j + 1
        elif c == "`":
            text, i, inner = _template(src, i)
            yield from inner
            yield text, "".join(code)
            code = ["``"]
        else:
            code.append(c)
            i += 1


def _regex_may_start(before: str) -> bool:
    last = before.rstrip()[-1:]
    return last == "" or last in "(,=:[!&|?{};" or before.rstrip().endswith("return")


def _skip_regex(src: str, i: int) -> int:
    j, in_class = i + 1, False
    while True:
        ch = src[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            j += 1
            while j < len(src) and src[j].isalpha():
                j += 1
            return j
        j += 1


def _template(src: str, i: int) -> tuple[str, int, list[tuple[str, str]]]:
    """A template literal from its opening backtick: its static text, the index after it, its inner literals."""
    text: list[str] = []
    inner: list[tuple[str, str]] = []
    j = i + 1
    while src[j] != "`":
        if src[j] == "\\":
            text.append(src[j : j + 2])
            j += 2
        elif src.startswith("${", j):
            close = _expression_end(src, j + 2)
            inner.extend(_scan(src, j + 2, close))
            text.append("{}")
            j = close + 1
        else:
            text.append(src[j])
            j += 1
    return "".join(text), j + 1, inner


def _expression_end(src: str, k: int) -> int:
    """The index of the } closing a ${ expression that starts at k (strings and nested braces skipped)."""
    depth = 0
    while True:
        ch = src[k]
        if ch in "'\"":
            k += 1
            while src[k] != ch:
                k += 2 if src[k] == "\\" else 1
        elif ch == "`":
            _, k, _ = _template(src, k)
            continue
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return k
            depth -= 1
        k += 1


def css_classes() -> set[str]:
    css = (FRONTEND / "css" / "console.css").read_text(encoding="utf-8")
    return set(re.findall(r"\.([A-Za-z_][\w-]*)", re.sub(r"/\*.*?\*/", "", css, flags=re.S)))


def looks_like_selector(text: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9\s,.#:\[\]=\"~*()>{}_-]+", text)) and any(ch in text for ch in ",[:#>")


def visible_literals(source: str, classes: set[str]) -> list[str]:
    """Literals of `source` that read as words for a person, written outside the catalogue."""
    found = []
    for text, before in literals(source):
        bare = text.replace("{}", "0").strip()
        if not re.search(r"[^\W\d_]{2}", bare) or " ".join(text.replace("{}", "").split()) in TECHNICAL:
            continue
        if re.fullmatch(r"[a-z_]+(\.[a-z_{}]+)+\.?", text):  # a catalogue key (t('queue.title'), `status.${s}`)
            continue
        code = re.sub(r"\s+", "", before)
        if code.endswith(CLASS_CONTEXTS) or looks_like_selector(bare):
            continue
        tokens = [token for token in bare.split() if re.search(r"[^\W\d_]", token)]
        if all(
            token in classes or any(c.startswith(token) for c in classes if token.endswith("-")) for token in tokens
        ):
            continue
        # words: more than one, or one capitalised word ("Queue"), or a sentence; not identifiers or paths
        prose = (
            len(tokens) > 1
            or bool(re.fullmatch(r"[A-Z][a-z]+[.!?]?", bare))
            or bool(re.search(r"\w[.!?]$", bare) and " " in bare)
        )
        shown = code.endswith(SINKS)
        if prose or shown:
            found.append(text)
    return found


def js_files() -> list[Path]:
    return sorted((FRONTEND / "js").rglob("*.js"))


# ---------------------------------------------------------------------------- the tests


def test_both_catalogues_have_exactly_the_same_keys_and_no_empty_value() -> None:
    en, id_ = catalogue("en"), catalogue("id")
    assert sorted(set(en) - set(id_)) == [], "keys only in en.json"
    assert sorted(set(id_) - set(en)) == [], "keys only in id.json"
    for lang in LANGUAGES:
        empty = [key for key, value in catalogue(lang).items() if not isinstance(value, str) or not value.strip()]
        assert empty == [], f"{lang}.json has empty values"


# Words Indonesian writes as English does; any other Indonesian value equal to the English one is a copy left
# untranslated (the browser test only sees English values that differ from the Indonesian ones).
SAME_IN_BOTH = {"API", "email", "Email", "WhatsApp", "Cc", "CC", "status", "Status", "tag", "Tag", "normal", "admin", "SLA",
                "Enter", "LKT-…", "{name} {value}", "({type}, {kb} KB)",
                "{field} {operator} {value}"}  # fmt: skip


def test_no_indonesian_value_is_an_english_copy_left_untranslated() -> None:
    en, id_ = catalogue("en"), catalogue("id")
    assert sorted(k for k in en if en[k] == id_[k] and en[k] not in SAME_IN_BOTH) == []


def test_each_translation_has_the_placeholders_of_the_english_text() -> None:
    en, id_ = catalogue("en"), catalogue("id")
    differ = {k: (en[k], id_[k]) for k in en if set(PLACEHOLDER.findall(en[k])) != set(PLACEHOLDER.findall(id_[k]))}
    assert differ == {}


def test_every_catalogue_key_the_javascript_names_exists() -> None:
    keys = set(catalogue("en"))
    namespaces = {key.split(".")[0] for key in keys}
    missing: dict[str, list[str]] = {}
    for path in js_files():
        for text, _ in literals(path.read_text(encoding="utf-8")):
            if not re.fullmatch(r"[a-z_]+(\.[a-z_{}]+)+", text) or text.split(".")[0] not in namespaces:
                continue
            if "{}" in text:  # `queue.filter.${name}`: at least one key must start that way
                prefix = text.split("{}")[0]
                ok = any(key.startswith(prefix) for key in keys)
            else:
                ok = text in keys or any(key.startswith(f"{text}.") for key in keys)  # tn('queue.showing', n)
            if not ok:
                missing.setdefault(path.name, []).append(text)
    assert missing == {}


def test_no_javascript_file_writes_visible_words_outside_the_catalogue() -> None:
    classes = css_classes()
    found = {
        p.relative_to(FRONTEND).as_posix(): visible_literals(p.read_text(encoding="utf-8"), classes) for p in js_files()
    }
    assert {path: texts for path, texts in found.items() if texts} == {}


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("h('p', {}, 'Hello there')", ["Hello there"]),
        ("h('span', { class: 'muted' }, 'unassigned')", ["unassigned"]),
        ("el.textContent = `Showing ${n} tickets`;", ["Showing {} tickets"]),
        ("field('and set status', control)", ["and set status"]),
        ("h('input', { placeholder: 'search' })", ["search"]),
        ("const title = 'Queue';", ["Queue"]),
        ("h('button', { class: 'link attachment' }, name); sessionStorage.getItem('loket.idToken')", []),
        ("ctx.notify('saved', 'success')", ["saved"]),
        ("h('button', {'aria-label': `Release ${n}`}, t('quarantine.release'))", ["Release {}"]),
        ("h('p', {}, t('queue.title')) // Say Hello here", []),
        ("h('div', { class: 'flash alert' }, '—', `${a} / ${b}`)", []),
        ("document.querySelector('input, textarea, [contenteditable=\"true\"]')", []),
        ("x.replace(/'(Not words)'/g, '')", []),
        ("headers: { 'Content-Type': 'application/json', Accept: 'application/json' }", []),
        ("t(`status.${value}`) + `${a}: ${t('error.request', { x: 'Hidden words' })}`", ["Hidden words"]),
    ],
)
def test_the_static_check_flags_words_and_passes_keys_classes_and_selectors(source: str, flagged: list[str]) -> None:
    assert visible_literals(source, {"muted", "flash", "alert"}) == flagged


class _Texts(HTMLParser):
    """Text of index.html that lacks a data-i18n key (the product name and language names in their own language
    excepted), and the keys it names."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str | None]] = []
        self.untranslated: list[str] = []
        self.keys: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.keys += [v for k, v in attrs if k.startswith("data-i18n") and v]
        for name in ("aria-label", "title", "placeholder", "alt"):
            if attributes.get(name) and not attributes.get(f"data-i18n-{name}") and tag != "meta":
                self.untranslated.append(f"{tag}[{name}]={attributes[name]}")
        if tag not in ("meta", "link", "input", "br", "img"):
            self.stack.append({"tag": tag, **attributes})

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()["tag"] != tag:
            pass

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not text or text in ("Loket", "…") or not self.stack:
            return
        element = self.stack[-1]
        if element["tag"] in ("title", "script", "style") or "data-i18n" in element or "lang" in element:
            return
        self.untranslated.append(text)


def test_index_html_text_is_all_in_the_catalogue() -> None:
    parser = _Texts()
    parser.feed((FRONTEND / "index.html").read_text(encoding="utf-8"))
    assert parser.untranslated == []
    assert sorted(set(parser.keys) - set(catalogue("en"))) == []


# ---------------------------------------------------------------------------- audit entries


def audit_fields() -> set[str]:
    """Every `field` the backend writes into a ticket's audit trail: the fields an agent may change (PATCHABLE), the
    status a use case moves, and the entries of their own (`created`, `routing`, `macro`, `merged_from`, ...) that
    `AuditEvent(...)`, `_set(...)` and `change_with_entry(...)` name in shared/loket."""
    from loket.core.tickets import PATCHABLE, ROUTING

    found = {*PATCHABLE, ROUTING}
    shared = FRONTEND.parent / "shared" / "loket"
    for path in shared.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"AuditEvent\(\s*\w+,\s*\"(\w+)\"", source))
        found |= set(re.findall(r"\b_set\(\s*\w+,\s*\w+,\s*\"(\w+)\"", source))
        found |= set(re.findall(r"change_with_entry\([^\n]*\"(\w+)\",\s*\w+\)", source))
    return found


def test_the_audit_field_finder_sees_the_entries_of_routing_macros_and_merges() -> None:
    assert {"created", "routing", "macro", "merged_from", "merged_into", "status", "ticket_type"} <= audit_fields()


def test_every_audit_field_the_backend_writes_has_its_name_in_both_catalogues() -> None:
    """The ticket page names each audit entry's field with label('field', name): a field without a key would show
    its raw name (in English, on the Indonesian page too)."""
    for lang in LANGUAGES:
        keys = set(catalogue(lang))
        assert sorted(f for f in audit_fields() if f"field.{f}" not in keys) == [], lang
