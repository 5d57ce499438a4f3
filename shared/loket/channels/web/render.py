"""HTML of the customer pages: `string.Template` and `html.escape`, no template engine to load.

Every value that came from a person goes through `esc` before it reaches the markup; templates only hold
markup and `$placeholders`. Links are relative (status links from `loket.core.status_links.href`), so the
pages work under any base path (`/form`, `/status/LKT-12`). The pages need no JavaScript.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from string import Template
from urllib.parse import quote, urlencode

from loket.channels.web.forms import ALLOWED_EXTENSIONS, HONEYPOT_FIELD, TOKEN_FIELD, FieldError, Limits
from loket.channels.web.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from loket.core import status_links
from loket.core.domain.ticket import format_number


def esc(value: object) -> str:
    return escape(str(value), quote=True)


_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;margin:0;
color:#1b1b1b;background:#f6f7f9}
main{max-width:42rem;margin:0 auto;padding:1rem 1rem 3rem;background:#fff;min-height:100vh}
header.site{max-width:42rem;margin:0 auto;padding:.75rem 1rem;display:flex;
justify-content:space-between;flex-wrap:wrap;gap:.5rem}
.skip{position:absolute;left:-10000px}.skip:focus{position:static}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
label,legend{display:block;font-weight:600;margin-bottom:.25rem}
.field{margin-bottom:1.25rem}
.hint{color:#505a5f;margin:0 0 .25rem;font-size:.95rem}
.req{font-weight:400;color:#505a5f}
input[type=text],input[type=email],select,textarea{width:100%;padding:.5rem;font:inherit;
border:2px solid #0b0c0c;border-radius:0}
textarea{min-height:10rem}
input:focus,select:focus,textarea:focus,button:focus,a:focus{outline:3px solid #ffbf47;outline-offset:0}
.invalid input,.invalid select,.invalid textarea{border-color:#d4351c}
.invalid{border-left:4px solid #d4351c;padding-left:.75rem}
.error{color:#d4351c;font-weight:600;margin:0 0 .25rem}
.error-summary{border:4px solid #d4351c;padding:1rem;margin-bottom:1.5rem}
.error-summary h2{margin-top:0;font-size:1.2rem}
.error-summary a{color:#d4351c;font-weight:600}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;background:#00703c;color:#fff;border:0;cursor:pointer}
.notice{border-left:6px solid #1d70b8;padding:.5rem 1rem;background:#eef5fb;margin:1rem 0}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
article.entry{border-top:1px solid #b1b4b6;padding:.75rem 0}
article.entry.customer{background:#fafafa}
article.entry header{font-weight:600}
article.entry .body{white-space:pre-wrap;overflow-wrap:anywhere}
time{color:#505a5f;font-weight:400}
"""

_PAGE = Template("""<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>$title</title>
<style>$css</style>
</head>
<body>
<a class="skip" href="#main">$skip</a>
<header class="site"><strong>$site</strong>
<nav aria-label="$language_label">$languages</nav></header>
<main id="main" tabindex="-1">
$content
</main>
</body>
</html>
""")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # status links carry their token in the query string
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def page(t: Translator, title: str, content: str, query: dict[str, str] | None = None) -> str:
    """The whole document. `query` is kept in the language links (the status page's token)."""
    links = []
    for code in LANGUAGES:
        name = esc(LANGUAGE_NAMES[code])
        if code == t.lang:
            links.append(f'<span aria-current="true" lang="{code}">{name}</span>')
        else:
            href = "?" + urlencode({**(query or {}), "lang": code})
            links.append(f'<a href="{esc(href)}" hreflang="{code}" lang="{code}">{name}</a>')
    return _PAGE.substitute(
        lang=esc(t.lang),
        title=esc(title),
        css=_CSS,
        skip=esc(t("skip_link")),
        site=esc(t("site_name")),
        language_label=esc(t("language")),
        languages=" | ".join(links),
        content=content,
    )


# --- pieces -------------------------------------------------------------------------------------


def _field_id(name: str) -> str:
    return f"f-{name}"


def error_summary(t: Translator, errors: list[FieldError]) -> str:
    if not errors:
        return ""
    items = "".join(f'<li><a href="#{_field_id(e.field)}">{esc(e.message(t))}</a></li>' for e in errors)
    return (
        '<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" '
        f'id="error-summary" autofocus><h2 id="error-summary-title">{esc(t("error_summary_title"))}</h2>'
        f"<ul>{items}</ul></div>"
    )


def _field_errors(t: Translator, name: str, errors: list[FieldError]) -> tuple[str, str, list[str]]:
    """(class suffix, error paragraphs, describedby ids) of one field."""
    mine = [e for e in errors if e.field == name]
    if not mine:
        return "", "", []
    error_id = f"{_field_id(name)}-error"
    text = " ".join(esc(e.message(t)) for e in mine)
    label = "Error" if t.lang == "en" else "Kesalahan"
    return (
        " invalid",
        f'<p class="error" id="{error_id}"><span class="visually-hidden">{label}:</span> {text}</p>',
        [error_id],
    )


def _input(
    t: Translator,
    name: str,
    value: str,
    errors: list[FieldError],
    *,
    kind: str = "text",
    autocomplete: str = "",
    maxlength: int = 0,
    hint: str = "",
    required: bool = True,
) -> str:
    fid = _field_id(name)
    cls, error_html, described = _field_errors(t, name, errors)
    hint_html = ""
    if hint:
        hint_html = f'<p class="hint" id="{fid}-hint">{esc(hint)}</p>'
        described = [f"{fid}-hint", *described]
    attrs = [f'id="{fid}"', f'name="{name}"']
    if kind == "textarea":
        pass
    else:
        attrs.append(f'type="{kind}"')
        attrs.append(f'value="{esc(value)}"')
    if autocomplete:
        attrs.append(f'autocomplete="{autocomplete}"')
    if maxlength:
        attrs.append(f'maxlength="{maxlength}"')
    if required:
        attrs.append('required aria-required="true"')
    if described:
        attrs.append(f'aria-describedby="{" ".join(described)}"')
    if cls:
        attrs.append('aria-invalid="true"')
    marker = t("required") if required else t("optional")
    label = f'<label for="{fid}">{esc(t("field_" + name))} <span class="req">({esc(marker)})</span></label>'
    control = (
        f'<textarea {" ".join(attrs)} rows="10">{esc(value)}</textarea>'
        if kind == "textarea"
        else f"<input {' '.join(attrs)}>"
    )
    return f'<div class="field{cls}">{label}{hint_html}{error_html}{control}</div>'


def _select(t: Translator, name: str, value: str, options: Iterable[str], errors: list[FieldError]) -> str:
    fid = _field_id(name)
    cls, error_html, described = _field_errors(t, name, errors)
    opts = ['<option value="">&#8212;</option>']
    for option in options:
        selected = " selected" if option == value else ""
        opts.append(f'<option value="{esc(option)}"{selected}>{esc(t("category_" + option))}</option>')
    extra = f' aria-describedby="{" ".join(described)}" aria-invalid="true"' if described else ""
    return (
        f'<div class="field{cls}"><label for="{fid}">{esc(t("field_" + name))} '
        f'<span class="req">({esc(t("required"))})</span></label>{error_html}'
        f'<select id="{fid}" name="{name}" required aria-required="true"{extra}>{"".join(opts)}</select></div>'
    )


def _files(t: Translator, limits: Limits, errors: list[FieldError]) -> str:
    fid = _field_id("attachments")
    cls, error_html, described = _field_errors(t, "attachments", errors)
    hint = t(
        "hint_attachments",
        count=limits.max_files,
        size=t.size(limits.max_file_bytes),
        types=", ".join(ALLOWED_EXTENSIONS),
    )
    described = [f"{fid}-hint", *described]
    accept = ",".join("." + ext for ext in ALLOWED_EXTENSIONS)
    invalid = ' aria-invalid="true"' if cls else ""
    return (
        f'<div class="field{cls}"><label for="{fid}">{esc(t("field_attachments"))} '
        f'<span class="req">({esc(t("optional"))})</span></label>'
        f'<p class="hint" id="{fid}-hint">{esc(hint)}</p>{error_html}'
        f'<input id="{fid}" name="attachments" type="file" multiple accept="{accept}" '
        f'aria-describedby="{" ".join(described)}"{invalid}></div>'
    )


# --- pages --------------------------------------------------------------------------------------


def form_page(
    t: Translator,
    values: dict[str, str],
    errors: list[FieldError],
    token: str,
    limits: Limits,
) -> str:
    fields = [
        _input(t, "name", values.get("name", ""), errors, autocomplete="name", maxlength=100),
        _input(t, "email", values.get("email", ""), errors, kind="email", autocomplete="email", maxlength=254,
               hint=t("hint_email")),
        _input(t, "subject", values.get("subject", ""), errors, maxlength=200),
        _select(t, "category", values.get("category", ""), limits.categories, errors),
        _input(t, "message", values.get("message", ""), errors, kind="textarea", maxlength=20000),
        _files(t, limits, errors),
    ]  # fmt: skip
    form_errors = "".join(
        f'<p class="error" id="{_field_id("form")}">{esc(e.message(t))}</p>' for e in errors if e.field == "form"
    )
    hp_id = _field_id(HONEYPOT_FIELD)
    honeypot = (
        f'<div class="hp" aria-hidden="true"><label for="{hp_id}">{esc(t("field_honeypot"))}</label>'
        f'<input id="{hp_id}" name="{HONEYPOT_FIELD}" type="text" tabindex="-1" autocomplete="off"></div>'
    )
    content = (
        f"{error_summary(t, errors)}<h1>{esc(t('form_title'))}</h1><p>{esc(t('form_intro'))}</p>{form_errors}"
        f'<form method="post" action="form" enctype="multipart/form-data" novalidate>'
        f'<input type="hidden" name="{TOKEN_FIELD}" value="{esc(token)}">'
        f'<input type="hidden" name="lang" value="{esc(t.lang)}">'
        f"{''.join(fields)}{honeypot}"
        f'<button type="submit">{esc(t("submit"))}</button></form>'
    )
    title = t("form_title")
    if errors:
        title = f"{t('error_summary_title')}: {title}"
    return page(t, title, content)


def thanks_page(t: Translator, number: int | None, token: str | None) -> str:
    """The confirmation. Without a number (a honeypot hit) it says only that the request arrived."""
    parts = [f"<h1>{esc(t('thanks_title'))}</h1>"]
    if number is not None and token is not None:
        href = "status/" + status_links.href(number, token, t.lang)
        parts.append(f"<p><strong>{esc(t('thanks_number', number=format_number(number)))}</strong></p>")
        parts.append(f"<p>{esc(t('thanks_received'))}</p>")
        parts.append(f'<p><a href="{esc(href)}">{esc(t("thanks_status_link"))}</a></p>')
        parts.append(f'<p class="hint">{esc(t("thanks_keep_link"))}</p>')
    else:
        parts.append(f"<p>{esc(t('thanks_received'))}</p>")
    parts.append(f'<p><a href="form?lang={esc(t.lang)}">{esc(t("thanks_new_form"))}</a></p>')
    return page(t, t("thanks_title"), "".join(parts))


def _when(iso: str) -> str:
    text = iso[:16].replace("T", " ")
    return f'<time datetime="{esc(iso)}">{esc(text)} UTC</time>'


def status_page(
    t: Translator,
    view: object,
    reply_token: str,
    limits: Limits,
    message: str = "",
    errors: list[FieldError] | None = None,
    notice: str = "",
) -> str:
    from loket.channels.web.web_form import StatusView

    assert isinstance(view, StatusView)
    errors = errors or []
    ticket = view.ticket
    number = format_number(int(ticket.number))
    query = {"t": view.token}
    status_label = t(f"status_{ticket.status}")
    parts = [error_summary(t, errors)]
    if notice:
        parts.append(f'<div class="notice" role="status">{esc(notice)}</div>')
    parts.append(f"<h1>{esc(t('status_title', number=number))}</h1>")
    parts.append(
        '<dl class="facts">'
        f"<dt>{esc(t('status_subject'))}</dt><dd>{esc(ticket.subject)}</dd>"
        f"<dt>{esc(t('status_status'))}</dt><dd>{esc(status_label)}</dd>"
        f"<dt>{esc(t('status_opened'))}</dt><dd>{_when(ticket.created_at)}</dd></dl>"
    )
    if view.follow_up_of is not None:
        parts.append(f"<p>{esc(t('follow_up_note', number=format_number(view.follow_up_of)))}</p>")
    if view.merged_into is not None:
        target, target_token = view.merged_into
        href = status_links.href(target, target_token, t.lang)
        parts.append(
            f'<div class="notice"><p>{esc(t("merged_note", number=format_number(target)))}</p>'
            f'<p><a href="{esc(href)}">{esc(t("merged_link", number=format_number(target)))}</a></p></div>'
        )
    parts.append(f"<h2>{esc(t('conversation'))}</h2>")
    for entry in view.entries:
        customer = entry.kind == "customer_message"
        author = t("author_you") if customer else t("author_support")
        files = ""
        if entry.attachments:
            links = "".join(
                f'<li><a href="{esc(quote(number))}/attachments/{esc(quote(entry.entry_id))}/{i}?'
                f'{esc(urlencode({"t": view.token}))}" download>{esc(a.filename)}</a> ({esc(t.size(int(a.size)))})</li>'
                for i, a in enumerate(entry.attachments)
            )
            files = f"<p><strong>{esc(t('attachments'))}</strong></p><ul>{links}</ul>"
        parts.append(
            f'<article class="entry {"customer" if customer else "support"}">'
            f"<header>{esc(author)} {_when(entry.created_at)}</header>"
            f'<div class="body">{esc(entry.body_text)}</div>{files}</article>'
        )
    if view.merged_into is None:
        if ticket.status == "closed":
            parts.append(f'<p class="notice">{esc(t("closed_note"))}</p>')
        action = status_links.href(int(ticket.number), view.token, t.lang)
        parts.append(
            f'<h2 id="reply">{esc(t("reply_title"))}</h2>'
            f'<form method="post" action="{esc(action)}" enctype="multipart/form-data" novalidate>'
            f'<input type="hidden" name="{TOKEN_FIELD}" value="{esc(reply_token)}">'
            f'<input type="hidden" name="lang" value="{esc(t.lang)}">'
            + _reply_input(t, message, errors)
            + _files(t, limits, errors)
            + f'<button type="submit">{esc(t("reply_submit"))}</button></form>'
        )
    title = t("status_title", number=number)
    if errors:
        title = f"{t('error_summary_title')}: {title}"
    return page(t, title, "".join(parts), query)


def _reply_input(t: Translator, message: str, errors: list[FieldError]) -> str:
    fid = _field_id("message")
    cls, error_html, described = _field_errors(t, "message", errors)
    extra = f' aria-describedby="{" ".join(described)}" aria-invalid="true"' if described else ""
    return (
        f'<div class="field{cls}"><label for="{fid}">{esc(t("reply_label"))}</label>{error_html}'
        f'<textarea id="{fid}" name="message" rows="6" maxlength="20000" required aria-required="true"{extra}>'
        f"{esc(message)}</textarea></div>"
    )


def follow_up_page(t: Translator, old_number: int, new_number: int, token: str) -> str:
    href = status_links.href(new_number, token, t.lang)
    content = (
        f"<h1>{esc(t('reply_closed_title'))}</h1>"
        f"<p>{esc(t('reply_closed_body', number=format_number(new_number), old=format_number(old_number)))}</p>"
        f'<p><a href="{esc(href)}">{esc(t("reply_closed_link"))}</a></p>'
        f'<p class="hint">{esc(t("thanks_keep_link"))}</p>'
    )
    return page(t, t("reply_closed_title"), content)


def message_page(t: Translator, title_key: str, body: str) -> str:
    """A page with a heading and one paragraph: 404, 429, 503."""
    return page(t, t(title_key), f"<h1>{esc(t(title_key))}</h1><p>{esc(body)}</p>")
