"""The whole system from template.yaml, started in-process and driven as a user would: real HTTP to the gateway,
a real SMTP client to the SMTP port, the outbox and the developer endpoints over HTTP."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from loket_local.auth import DEV_USERS
from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http

pytestmark = pytest.mark.e2e


def agent(stack: LocalStack) -> str:
    return stack.issuer.tokens()["agent"]


def support_address(stack: LocalStack) -> str:
    return next(r for rule in stack.receipt.rules for r in rule.recipients if "@" in r)


def tickets(stack: LocalStack) -> list[dict]:
    return http(stack, "GET", "/v1/tickets?limit=100", token=agent(stack)).json()["items"]


def send_mail(stack: LocalStack, sender: str, to: str, subject: str, text: str, **headers: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid(domain="example.org")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        smtp.send_message(message)


def test_health_route_public_without_token(local_stack: LocalStack) -> None:
    reply = http(local_stack, "GET", "/v1/health")

    assert reply.status == 200


def test_protected_route_without_token_is_401_unauthorized(local_stack: LocalStack) -> None:
    reply = http(local_stack, "GET", "/v1/tickets")

    assert reply.status == 401
    assert reply.json() == {"message": "Unauthorized"}


def test_route_not_in_template_is_404_not_found(local_stack: LocalStack) -> None:
    reply = http(local_stack, "DELETE", "/v1/tickets")

    assert reply.status == 404
    assert reply.json() == {"message": "Not Found"}


def test_ticket_created_with_dev_token_is_listed_and_readable(local_stack: LocalStack) -> None:
    subject = f"Cannot print invoices {uuid.uuid4().hex[:6]}"
    body = {
        "subject": subject,
        "body": "The print button does nothing.",
        "requester": {"email": "budi@example.co.id", "name": "Budi"},
        "priority": "high",
    }

    created = http(local_stack, "POST", "/v1/tickets", body, token=agent(local_stack))

    assert created.status == 201
    number = created.json()["number"]
    assert subject in [t["subject"] for t in tickets(local_stack)]
    read = http(local_stack, "GET", f"/v1/tickets/{number}", token=agent(local_stack))
    assert read.status == 200
    assert read.json()["priority"] == "high"


def test_the_function_gets_the_path_percent_decoded_as_from_an_http_api(local_stack: LocalStack) -> None:
    body = {"subject": "Encoded", "body": "Read me by an encoded number.", "requester": {"email": "ana@example.org"}}
    number = http(local_stack, "POST", "/v1/tickets", body, token=agent(local_stack)).json()["number"]

    read = http(local_stack, "GET", "/v1/tickets/" + number.replace("-", "%2D"), token=agent(local_stack))

    assert read.status == 200, read.body
    assert read.json()["number"] == number


def test_mail_over_smtp_becomes_ticket_and_acknowledgement_reaches_outbox(local_stack: LocalStack) -> None:
    subject = f"VPN drops every ten minutes {uuid.uuid4().hex[:6]}"

    send_mail(
        local_stack,
        "Siti Rahma <siti@example.org>",
        support_address(local_stack),
        subject,
        "Since Monday the VPN disconnects.",
    )

    ticket = eventually(lambda: next((t for t in tickets(local_stack) if t["subject"] == subject), None))
    assert ticket["channel"] == "email"
    mail = eventually(
        lambda: next(
            (m for m in http(local_stack, "GET", "/_local/outbox.json").json() if ticket["number"] in m["subject"]),
            None,
        )
    )
    assert any("siti@example.org" in to for to in mail["to"])
    assert mail["text"]
    assert dict(mail["headers"])["In-Reply-To"]


def test_the_dev_users_are_directory_agents_and_a_created_agent_signs_in(dev_directory: LocalStack) -> None:
    stack = dev_directory
    listed = http(stack, "GET", "/v1/agents", token=agent(stack)).json()["items"]
    by_email = {a["email"]: a for a in listed}
    for user in DEV_USERS:  # the same subjects as their tokens
        assert by_email[user.email]["id"] == user.sub
        assert by_email[user.email]["role"] == user.key
    assert by_email["lead@example.com"]["groups"] == ["billing"]
    assert by_email["sari@example.com"]["availability"] == "away"

    # an agent the admin API created has a login in the emulator's user pool, whose sub is their id ...
    rina = by_email["rina@example.com"]
    cognito = stack.aws.client("cognito-idp")
    pool = stack.aws.resolve({"Ref": "AgentUserPool"})
    user = cognito.admin_get_user(UserPoolId=pool, Username="rina@example.com")
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["sub"] == rina["id"]
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username=user["Username"])["Groups"]
    assert [g["GroupName"] for g in groups] == ["agent"]
    # ... and signs in locally with a token of that subject, for her own availability
    token = http(stack, "GET", "/_local/tokens.json").json()["directory"]["rina@example.com"]
    assert stack.issuer.verify(token)["sub"] == rina["id"]
    assert b"Rina Wijaya" in http(stack, "GET", "/_local/login").body
    changed = http(stack, "PUT", "/v1/me/availability", {"availability": "away"}, token=token)
    assert changed.status == 200 and changed.json()["availability"] == "away"
    back = http(stack, "PUT", "/v1/me/availability", {"availability": "available"}, token=token)
    assert back.json()["availability"] == "available"


def test_the_agent_api_allows_the_consoles_methods_from_its_origin(local_stack: LocalStack) -> None:
    reply = http(
        local_stack,
        "OPTIONS",
        "/v1/admin/groups/billing",
        headers={"Origin": "http://localhost:8000", "Access-Control-Request-Method": "DELETE"},
    )
    allowed = reply.headers.get("access-control-allow-methods", "")
    assert {"PUT", "DELETE"} <= {m.strip() for m in allowed.split(",")}


def test_assigning_to_the_dev_admin_mails_them_a_notice(dev_directory: LocalStack) -> None:
    # given a ticket, and the admin in the directory (their address for notices)
    local_stack = dev_directory
    tokens = local_stack.issuer.tokens()
    subject = f"Invoice missing {uuid.uuid4().hex[:6]}"
    body = {"subject": subject, "body": "Where is my invoice?", "requester": {"email": "dewi@example.com"}}
    ticket = http(local_stack, "POST", "/v1/tickets", body, token=tokens["agent"]).json()
    admin_id = next(u.sub for u in DEV_USERS if u.email == "admin@example.com")
    # when the agent assigns it to the admin
    changed = http(
        local_stack,
        "PATCH",
        f"/v1/tickets/{ticket['id']}",
        {"assignee": admin_id},
        token=tokens["agent"],
        headers={"If-Match": f'"{ticket["version"]}"'},
    )
    assert changed.status == 200
    # then the admin gets an "assigned to you" mail
    mail = eventually(
        lambda: next(
            (
                m
                for m in http(local_stack, "GET", "/_local/outbox.json").json()
                if ticket["number"] in m["subject"] and any("admin@example.com" in to for to in m["to"])
            ),
            None,
        )
    )
    assert dict(mail["headers"]).get("Auto-Submitted") == "auto-generated"


def test_mail_flagged_as_spam_is_not_an_ordinary_new_ticket(local_stack: LocalStack) -> None:
    subject = f"Cheap watches {uuid.uuid4().hex[:6]}"

    send_mail(
        local_stack, "spammer@example.net", support_address(local_stack), subject, "Buy now.", X_SES_Spam_Verdict="FAIL"
    )

    invocations = eventually(
        lambda: [
            i for i in http(local_stack, "GET", "/_local/invocations.json").json() if i["source"].startswith("ses")
        ]
    )
    assert all(i["error"] is None for i in invocations)
    listed = {t["subject"]: t for t in tickets(local_stack)}
    assert subject not in listed or listed[subject]["status"] != "new"


def test_smtp_recipient_without_receipt_rule_is_refused(local_stack: LocalStack) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send_mail(local_stack, "a@example.org", "nobody@elsewhere.invalid", "hi", "hello")

    assert refused.value.recipients["nobody@elsewhere.invalid"][0] == 550


def test_cors_preflight_from_console_origin_is_answered_by_gateway(local_stack: LocalStack) -> None:
    origin = "http://localhost:8000"

    reply = http(
        local_stack,
        "OPTIONS",
        "/v1/tickets",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )

    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == origin
    assert "POST" in reply.headers["access-control-allow-methods"]


def test_console_served_at_root_as_html(local_stack: LocalStack) -> None:
    reply = http(local_stack, "GET", "/", headers={"Accept": "text/html"})

    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")


def test_dev_tokens_served_for_console_login(local_stack: LocalStack) -> None:
    tokens = http(local_stack, "GET", "/_local/tokens.json").json()

    assert set(tokens) >= {"agent", "admin"}
    assert http(local_stack, "GET", "/v1/tickets", token=tokens["admin"]).status == 200
    assert http(local_stack, "GET", "/_local/login").status == 200


def test_invoke_sample_event_runs_function_now(local_stack: LocalStack) -> None:
    reply = http(local_stack, "POST", "/_local/invoke/agent_api?event=health")

    assert reply.status == 200
    assert reply.json()["result"]["statusCode"] == 200


def test_invoke_unknown_function_is_404(local_stack: LocalStack) -> None:
    assert http(local_stack, "POST", "/_local/invoke/no_such_function").status == 404


def test_dlq_page_lists_each_dead_letter_queue_with_its_source(local_stack: LocalStack) -> None:
    queues = http(local_stack, "GET", "/_local/dlq.json").json()

    assert queues
    sources = set(local_stack.aws.queues()) | {f"function:{f}" for f in local_stack.runtime.functions}
    assert all(q["source"] in sources for q in queues.values())
    assert http(local_stack, "GET", "/_local/dlq", headers={"Accept": "text/html"}).status == 200


def test_overview_page_lists_every_function_of_the_template(local_stack: LocalStack) -> None:
    page = http(local_stack, "GET", "/_local/", headers={"Accept": "text/html"})

    assert page.status == 200
    assert all(name in page.body.decode() for name in local_stack.template.functions())


def test_outbox_page_renders_sent_mail_as_html(local_stack: LocalStack) -> None:
    page = http(local_stack, "GET", "/_local/outbox", headers={"Accept": "text/html"})

    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
