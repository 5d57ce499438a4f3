"""GET/POST /form: the hosted form, its validation, one-time token, honeypot, spam signals, rate limits."""

from __future__ import annotations

import re
import time

import boto3
import pytest

from loket.channels.web.forms import FormToken
from loket.core.data import tickets as repo
from loket.core.tickets import resolve
from loket.platform import signing
from tests.integration.web_form.conftest import BUCKET, GOOD, PNG, Web, status_parts
from tests.support.emf import emf_documents


def _ticket_count() -> int:
    """How many tickets exist: the numbers are gapless, so the counter is the count."""
    from loket.core.data.keys import NUMBER_COUNTER_PK
    from loket.core.data.models import CounterItem

    try:
        return int(CounterItem.get(NUMBER_COUNTER_PK, "COUNTER", consistent_read=True).value)
    except CounterItem.DoesNotExist:
        return 0


# --- GET /form ----------------------------------------------------------------------------------


def test_form_get_default_language_is_indonesian_with_a_label_for_every_field(web: Web) -> None:
    reply = web.get_form(headers={"accept-language": None})

    assert reply.status == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="id">' in reply.text
    assert "Hubungi dukungan" in reply.text
    for field in ("name", "email", "subject", "category", "message", "attachments"):
        assert f'<label for="f-{field}">' in reply.text
        assert f'id="f-{field}"' in reply.text
    assert 'enctype="multipart/form-data"' in reply.text
    assert "<script" not in reply.text
    assert reply.form_token()
    assert reply.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert reply.headers["x-content-type-options"] == "nosniff"


def test_form_get_accept_language_english_renders_english(web: Web) -> None:
    reply = web.get_form(headers={"accept-language": "en-GB,en;q=0.9,id;q=0.5"})

    assert '<html lang="en">' in reply.text
    assert "Contact support" in reply.text


def test_form_get_lang_query_overrides_accept_language(web: Web) -> None:
    reply = web.get_form(query={"lang": "id"}, headers={"accept-language": "en"})

    assert '<html lang="id">' in reply.text


def test_form_get_keyboard_order_follows_the_page_and_honeypot_is_out_of_it(web: Web) -> None:
    reply = web.get_form()

    assert 'tabindex="1' not in reply.text and 'tabindex="2' not in reply.text  # no positive tabindex
    order = [m.group(1) for m in re.finditer(r'<(?:input|select|textarea)[^>]*\bid="f-([a-z]+)"', reply.text)]
    assert order == ["name", "email", "subject", "category", "message", "attachments", "website"]
    honeypot = re.search(r'<div class="hp" aria-hidden="true">.*?</div>', reply.text)
    assert honeypot and 'tabindex="-1"' in honeypot.group(0)


# --- POST /form: success --------------------------------------------------------------------------


def test_form_post_valid_creates_web_ticket_with_confirmation_and_status_link(web: Web) -> None:
    reply = web.post_form(files=[("layar.png", PNG, "image/png")])

    assert reply.status == 200
    assert "Nomor tiket Anda adalah LKT-1." in reply.text
    ref, query = status_parts(reply.link("status/"))
    assert ref == "LKT-1"
    assert signing.verify("status", resolve("LKT-1").ticket_id, query["t"])
    ticket = resolve("LKT-1")
    assert ticket.channel == "web"
    assert ticket.requester_email == "budi@example.co.id"
    assert ticket.requester_name == "Budi Santoso"
    assert ticket.custom_fields == {"category": "account"}
    assert ticket.extra["lang"] == "id"
    assert ticket.extra["web"]["source_ip"] == "203.0.113.7"
    assert "spam_signals" not in ticket.extra
    [entry] = repo.list_entries(ticket.ticket_id)
    assert entry.kind == "customer_message"
    assert entry.body_text == GOOD["message"]
    [attachment] = entry.attachments
    assert (attachment.filename, attachment.content_type, attachment.size) == ("layar.png", "image/png", len(PNG))
    stored = boto3.client("s3").get_object(Bucket=BUCKET, Key=attachment.key)
    assert stored["Body"].read() == PNG
    assert stored["ContentDisposition"] == "attachment; filename*=UTF-8''layar.png"
    assert stored["ServerSideEncryption"] == "AES256"


def test_form_post_same_token_twice_makes_one_ticket(web: Web, capsys: pytest.CaptureFixture[str]) -> None:
    token = web.get_form().form_token()
    capsys.readouterr()

    first = web.post_form(token=token)
    second = web.post_form(token=token)

    assert first.status == second.status == 200
    assert "LKT-1" in first.text and "LKT-1" in second.text
    assert _ticket_count() == 1
    created = [m for m in emf_documents(capsys.readouterr().out) if "TicketCreated" in m]
    assert [m["channel"] for m in created] == ["web"]


def test_form_post_same_token_with_other_email_makes_its_own_ticket(web: Web) -> None:
    token = web.get_form().form_token()

    web.post_form(token=token)
    web.post_form({**GOOD, "email": "other@example.com"}, token=token)

    assert _ticket_count() == 2


def test_form_post_urlencoded_without_files_creates_ticket(web: Web) -> None:
    from urllib.parse import urlencode

    token = web.get_form().form_token()
    body = urlencode({**GOOD, "form_token": token}).encode()

    reply = web.post_form(raw_body=body, content_type="application/x-www-form-urlencoded")

    assert reply.status == 200
    assert "LKT-1" in reply.text


def test_form_post_lang_field_answers_in_english(web: Web) -> None:
    reply = web.post_form({**GOOD, "lang": "en"})

    assert "Your ticket number is LKT-1." in reply.text
    assert resolve("LKT-1").extra["lang"] == "en"


# --- POST /form: bad input ------------------------------------------------------------------------


def test_form_post_missing_fields_answers_422_with_linked_error_summary_and_input_kept(web: Web) -> None:
    reply = web.post_form({"name": "Budi", "email": "", "subject": "", "category": "", "message": "", "lang": "en"})

    assert reply.status == 422
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert "There is a problem" in reply.text
    assert reply.text.index('class="error-summary"') < reply.text.index("<form")
    for field in ("email", "subject", "category", "message"):
        assert f'<a href="#f-{field}">' in reply.text
        assert re.search(
            rf'id="f-{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="f-{field}"', reply.text
        ) or (f'id="f-{field}-error"' in reply.text)
    assert "Enter your Email address." in reply.text
    assert 'value="Budi"' in reply.text
    assert "<title>There is a problem: Contact support</title>" in reply.text
    assert _ticket_count() == 0


def test_form_post_invalid_email_answers_422(web: Web) -> None:
    reply = web.post_form({**GOOD, "email": "budi@@example", "lang": "en"})

    assert reply.status == 422
    assert "Enter an email address like name@example.com." in reply.text
    assert 'value="budi@@example"' in reply.text
    assert _ticket_count() == 0


def test_form_post_unknown_category_answers_422(web: Web) -> None:
    reply = web.post_form({**GOOD, "category": "vip-lane", "lang": "en"})

    assert reply.status == 422
    assert "Choose a category from the list." in reply.text


def test_form_post_subject_too_long_answers_422(web: Web) -> None:
    reply = web.post_form({**GOOD, "subject": "x" * 201, "lang": "en"})

    assert reply.status == 422
    assert "Subject must be 200 characters or fewer." in reply.text


def test_form_post_too_many_files_answers_422(web: Web) -> None:
    files = [(f"s{i}.png", PNG, "image/png") for i in range(4)]

    reply = web.post_form({**GOOD, "lang": "en"}, files=files)

    assert reply.status == 422
    assert "Attach at most 3 files." in reply.text
    assert _ticket_count() == 0


def test_form_post_file_over_the_cap_answers_422(web: Web, web_settings: dict[str, str]) -> None:
    reply = web.post_form(
        {**GOOD, "lang": "en"}, files=[("big.pdf", b"%PDF" + b"0" * (2 * 1024 * 1024), "application/pdf")]
    )

    assert reply.status == 422
    assert "The file big.pdf is larger than 2 MB." in reply.text


def test_form_post_file_of_a_refused_type_answers_422(web: Web) -> None:
    reply = web.post_form({**GOOD, "lang": "en"}, files=[("run.exe", b"MZ\x90\x00", "application/octet-stream")])

    assert reply.status == 422
    assert "The file run.exe has a type we do not accept" in reply.text


def test_form_post_empty_file_answers_422(web: Web) -> None:
    reply = web.post_form({**GOOD, "lang": "en"}, files=[("empty.txt", b"", "text/plain")])

    assert reply.status == 422
    assert "The file empty.txt is empty." in reply.text


@pytest.fixture
def small_body(web_settings: dict[str, str]) -> None:
    web_settings["WEB_MAX_BODY_BYTES"] = "4096"


def test_form_post_body_over_the_cap_answers_413_keeping_the_text(small_body: None, web: Web) -> None:
    reply = web.post_form({**GOOD, "lang": "en"}, files=[("log.txt", b"x" * 5000, "text/plain")])

    assert reply.status == 413
    assert "What you sent is larger than 4 KB." in reply.text
    assert "Tidak bisa masuk ke akun" in reply.text
    assert _ticket_count() == 0


def test_form_post_truncated_multipart_answers_400(web: Web) -> None:
    body = b'--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nBudi'

    reply = web.post_form(raw_body=body, content_type="multipart/form-data; boundary=QQQ")

    assert reply.status == 400
    assert "We could not read what your browser sent" in reply.text or "Kami tidak dapat membaca" in reply.text
    assert reply.form_token()


def test_form_post_json_content_type_answers_400(web: Web) -> None:
    reply = web.post_form(raw_body=b'{"name": "x"}', content_type="application/json")

    assert reply.status == 400


def test_form_post_body_not_base64_answers_400(web: Web) -> None:
    from tests.conftest import load_event

    event = load_event("web_form/post_form.json")
    event["body"] = "!!!not base64!!!"

    reply = web.call(event)

    assert reply.status == 400


def test_form_post_invalid_utf8_field_answers_400(web: Web) -> None:
    body = b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\n\xff\xfe\r\n--B--\r\n'

    reply = web.post_form(raw_body=body, content_type="multipart/form-data; boundary=B")

    assert reply.status == 400


def test_form_post_without_token_answers_400_and_keeps_input(web: Web) -> None:
    reply = web.post_form({**GOOD, "lang": "en"}, token=None)

    assert reply.status == 400
    assert "We could not verify this form." in reply.text
    assert 'value="Budi Santoso"' in reply.text
    assert reply.form_token()
    assert _ticket_count() == 0


def test_form_post_forged_token_answers_400(web: Web) -> None:
    forged = f"{'a' * 32}.{int(time.time())}.{'b' * 20}"

    reply = web.post_form({**GOOD, "lang": "en"}, token=forged)

    assert reply.status == 400
    assert _ticket_count() == 0


def test_form_post_expired_token_answers_400_with_a_fresh_one(web: Web) -> None:
    old = FormToken("c" * 32, int(time.time()) - 2 * 24 * 3600).encode()

    reply = web.post_form({**GOOD, "lang": "en"}, token=old)

    assert reply.status == 400
    assert "This form was open for too long." in reply.text
    assert reply.form_token() != old
    assert _ticket_count() == 0


def test_form_post_markup_in_input_is_escaped_when_shown_again(web: Web) -> None:
    evil = '"><script>alert(1)</script>'

    reply = web.post_form({**GOOD, "name": evil, "email": "bad", "lang": "en"})

    assert reply.status == 422
    assert "<script>alert(1)</script>" not in reply.text
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in reply.text


# --- spam and abuse -------------------------------------------------------------------------------


def test_form_post_honeypot_filled_answers_like_success_and_creates_nothing(web: Web) -> None:
    reply = web.post_form({**GOOD, "website": "http://spam.example"})

    assert reply.status == 200
    assert "Terima kasih, permintaan Anda sudah kami terima" in reply.text
    assert "LKT-" not in reply.text
    assert _ticket_count() == 0


@pytest.fixture
def slow_humans(web_settings: dict[str, str]) -> None:
    web_settings["WEB_MIN_FILL_SECONDS"] = "30"


def test_form_post_fast_and_link_heavy_records_spam_signals_on_the_ticket(slow_humans: None, web: Web) -> None:
    links = " ".join(f"https://spam{i}.example/buy" for i in range(5))

    reply = web.post_form({**GOOD, "message": f"Cheap offers {links}"})

    assert reply.status == 200
    ticket = resolve("LKT-1")
    signals = {s["signal"]: s for s in ticket.extra["spam_signals"]}
    assert signals["many_links"]["links"] == 5
    assert signals["filled_too_fast"]["seconds"] < 30
    assert "possible-spam" in ticket.tags


@pytest.fixture
def tight_ip_limit(web_settings: dict[str, str]) -> None:
    web_settings["WEB_IP_LIMIT"] = "2"


@pytest.mark.usefixtures("one_rate_window")
def test_form_post_over_the_ip_limit_answers_429_page(tight_ip_limit: None, web: Web) -> None:
    for n in range(2):
        assert web.post_form({**GOOD, "email": f"user{n}@example.com"}).status == 200

    reply = web.post_form({**GOOD, "email": "user9@example.com", "lang": "en"})

    assert reply.status == 429
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert "Too many requests" in reply.text
    assert 0 < int(reply.headers["retry-after"]) <= 3600
    assert _ticket_count() == 2


def test_form_post_other_ip_is_not_limited_by_the_first(tight_ip_limit: None, web: Web) -> None:
    for n in range(2):
        web.post_form({**GOOD, "email": f"user{n}@example.com"})
    web.ip = "198.51.100.20"

    reply = web.post_form({**GOOD, "email": "user9@example.com"})

    assert reply.status == 200


@pytest.fixture
def tight_email_limit(web_settings: dict[str, str]) -> None:
    web_settings["WEB_EMAIL_LIMIT"] = "1"


@pytest.mark.usefixtures("one_rate_window")
def test_form_post_over_the_sender_limit_answers_429_from_any_ip(tight_email_limit: None, web: Web) -> None:
    assert web.post_form().status == 200
    web.ip = "198.51.100.20"

    reply = web.post_form({**GOOD, "email": "BUDI@example.co.id"})

    assert reply.status == 429
    assert _ticket_count() == 1


@pytest.mark.usefixtures("one_rate_window")
def test_form_double_submit_is_not_counted_against_the_rate_limit(tight_email_limit: None, web: Web) -> None:
    token = web.get_form().form_token()

    assert web.post_form(token=token).status == 200
    assert web.post_form(token=token).status == 200


def test_unknown_route_answers_404_page(web: Web) -> None:
    from tests.conftest import load_event

    event = load_event("web_form/get_form.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/nowhere"

    reply = web.call(event)

    assert reply.status == 404
    assert reply.headers["content-type"] == "text/html; charset=utf-8"


def test_form_post_database_failure_answers_503_with_input_kept_and_a_fresh_token(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from tests.support.botocore_hooks import on_dynamodb_call

    token = web.get_form().form_token()

    def fail(model: object, **_: object) -> None:
        if getattr(model, "name", "") == "TransactWriteItems":
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "TransactWriteItems")

    with on_dynamodb_call(monkeypatch, fail):
        reply = web.post_form({**GOOD, "lang": "en"}, token=token)

    assert reply.status == 503
    assert "We could not save this just now." in reply.text
    assert 'value="Budi Santoso"' in reply.text
    assert reply.form_token() != token
    assert _ticket_count() == 0
