"""Demo data on the first start, created through the product's own entry points (never written into tables).

The directory comes first, through the admin API: groups `support` (the default), `billing` (round robin) and
`technical` (least open), with addresses on the support domain; the development users (auth.py) registered as
agents with their own subjects (the agent, the lead of billing, the admin), and three more agents created with
their logins (one of them away). Then tickets, filed under those groups. Tickets come from every channel the template offers: the agent API (with the dev
token), the public web form endpoint, and mail to the SMTP port (including a customer's reply to Loket's
acknowledgement, which threads into the same ticket). Each step checks that its route or receipt rule exists in
the template and is skipped with a printed line when it does not, so the demo grows with the template.
"""

from __future__ import annotations

import json
import smtplib
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from typing import TYPE_CHECKING, Any

from loket_local.auth import DEV_USERS

if TYPE_CHECKING:
    from loket_local.stack import LocalStack

# (name, assignment mode, local part of its address on the support domain, description)
GROUPS = (
    ("support", "manual", "", "Everything no rule sends elsewhere"),
    ("billing", "round_robin", "billing", "Invoices, payments and refunds"),
    ("technical", "least_open", "technical", "Access, devices and networks"),
)
# the development users as directory agents: key in DEV_USERS -> groups, availability
DEV_AGENTS = {
    "agent": (["support", "technical"], "available"),
    "lead": (["billing"], "available"),
    "admin": (["support"], "available"),
}
# agents created through the admin API (their logins made in the emulator's user pool)
NEW_AGENTS: list[dict[str, Any]] = [
    {"email": "rina@example.com", "name": "Rina Wijaya", "groups": ["billing"], "availability": "available"},
    {"email": "sari@example.com", "name": "Sari Dewi", "groups": ["billing"], "availability": "away"},
    {"email": "tono@example.com", "name": "Tono Saputra", "groups": ["technical"], "availability": "available"},
]

API_TICKETS: list[dict[str, Any]] = [
    {
        "ticket": {
            "subject": "Cannot log in to the customer portal",
            "priority": "high",
            "group": "support",
            "body": "Since this morning the portal says my password is wrong, even after a reset.",
            "requester": {"email": "budi.santoso@example.co.id", "name": "Budi Santoso"},
            "tags": ["login"],
        },
        "patch": {"status": "open", "assign": "agent"},
        "reply": {
            "body": "Hi Budi, we reset your account lock. Could you try again and tell us if it works?",
            "status": "pending",
        },
    },
    {
        "ticket": {
            "subject": "Invoice November shows the wrong amount",
            "priority": "normal",
            "group": "billing",
            "body": "Invoice INV-2026-11 charges 12 seats; we only have 10.",
            "requester": {"email": "rina@example.com", "name": "Rina Wijaya"},
            "tags": ["invoice"],
        },
        "note": "Checked the billing system: two seats were added by mistake on 3 November.",
        "reply": {"body": "Hi Rina, you are right. A corrected invoice is on its way.", "status": "resolved"},
    },
    {
        "ticket": {
            "subject": "Laptop keyboard stopped working",
            "priority": "urgent",
            "group": "technical",
            "body": "The keyboard of my laptop types nothing since the update last night.",
            "requester": {"email": "agus@example.org", "name": "Agus Pratama"},
        },
        "patch": {"assign": "admin"},
    },
    {
        "ticket": {
            "subject": "Feature request: export tickets to CSV",
            "priority": "low",
            "group": "support",
            "body": "It would help our reporting if we could export the ticket list.",
            "requester": {"email": "dewi@example.com", "name": "Dewi Lestari"},
            "tags": ["feature-request"],
        },
    },
]

FORM_TICKETS = [
    {
        "name": "Siti Rahma",
        "email": "siti.rahma@example.com",
        "subject": "Password reset mail never arrives",
        "category": "account",
        "message": "I asked for a password reset three times, no mail came.",
        "lang": "en",
    },
    {
        "name": "Made Wirawan",
        "email": "made@example.id",
        "subject": "Pembayaran belum terkonfirmasi",
        "category": "billing",
        "message": "Saya sudah transfer kemarin tetapi status masih belum dibayar.",
        "lang": "id",
    },
]

MAILS = [
    (
        "Putu Ayu <putu.ayu@example.net>",
        "VPN disconnects every ten minutes",
        "Hello,\n\nSince Monday the VPN drops every ten minutes. I am on the Jakarta office network.\n\nPutu",
    ),
    (
        "Hendra Gunawan <hendra@example.co.id>",
        "Printer on the 3rd floor is jammed",
        "The printer near the meeting room shows error E-52 and will not print.\n\nRegards,\nHendra",
    ),
]

# routing rules, in order (the first that matches applies): words in the subject or first message, then the
# requester's domain; a ticket none matches stays in the default group
RULES: list[dict[str, Any]] = [
    {
        "name": "Billing words",
        "conditions": {
            "any": [
                {
                    "field": "subject_or_body",
                    "operator": "matches",
                    "value": r"\b(invoice|refund|payment|tagihan|pembayaran|bayar)",
                }
            ]
        },
        "actions": {"group": "billing", "tags_add": ["billing"]},
    },
    {
        "name": "Technical words",
        "conditions": {
            "any": [
                {
                    "field": "subject_or_body",
                    "operator": "contains",
                    "value": ["error", "crash", "login", "log in", "bug"],
                }
            ]
        },
        "actions": {"group": "technical", "tags_add": ["technical"]},
    },
    {
        "name": "Partner domain example.net",
        "conditions": {"all": [{"field": "requester_domain", "operator": "ends_with", "value": "example.net"}]},
        "actions": {"group": "technical", "priority": "high", "tags_add": ["partner"]},
    },
]


# saved replies agents pick in the composer (the macros feature), made through the admin API
MACROS: list[dict[str, Any]] = [
    {
        "name": "Refund issued",
        "body": "Hi {{requester_name}},\n\nWe have issued your refund for {{ticket_number}}; it reaches your account "
        "within 5 working days. You can follow the ticket here: {{status_link}}\n\nBest regards,\n{{agent_name}}",
        "kind": "public_reply",
        "actions": {"status": "resolved", "tags_add": ["refund"]},
    },
    {
        "name": "Need more info",
        "body": "Hi {{requester_name}},\n\nTo look into {{ticket_number}} we need a little more: could you send a "
        "screenshot and the time it happened?\n\nThanks,\n{{agent_name}}",
        "kind": "public_reply",
        "actions": {"status": "pending", "tags_add": ["waiting-on-customer"]},
    },
    {
        "name": "Mohon info tambahan",
        "body": "Halo {{requester_name}},\n\nUntuk menindaklanjuti {{ticket_number}}, mohon kirimkan tangkapan layar "
        "dan waktu kejadiannya.\n\nTerima kasih,\n{{agent_name}}",
        "kind": "public_reply",
        "actions": {"status": "pending", "tags_add": ["waiting-on-customer"]},
    },
    {
        "name": "Escalate to billing lead",
        "body": "Escalated by {{agent_name}}: please check the charges on {{ticket_number}}.",
        "kind": "internal_note",
        "actions": {"priority": "high", "tags_add": ["escalated"]},
    },
]


class _Demo:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.tokens = stack.issuer.tokens()
        self.routes = {r.route_key for r in stack.template.routes()}
        self.subs = {u.key: u.sub for u in DEV_USERS}

    def say(self, line: str) -> None:
        print(f"  demo: {line}", flush=True)

    def has(self, route_key: str) -> bool:
        if route_key in self.routes:
            return True
        self.say(f"skipped what needs {route_key} (not in template.yaml yet)")
        return False

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        sent = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://{self.stack.settings.host}:{self.stack.http_port}{path}", data=data, method=method, headers=sent
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own loopback gateway
                raw = response.read()
                return response.status, json.loads(raw) if raw else None, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw), dict(error.headers)
            except ValueError:
                return error.code, raw.decode(errors="replace"), dict(error.headers)

    # ------------------------------------------------------------------ directory
    def directory(self) -> list[str]:
        """Groups, then agents, through the admin API; answers what was made."""
        if not (self.has("POST /v1/admin/groups") and self.has("POST /v1/admin/agents")):
            return []
        address = self.support_address() or "support@example.com"
        local, domain = address.rsplit("@", 1)
        made = []
        for name, mode, part, description in GROUPS:
            body = {"name": name, "assignment_mode": mode, "description": description}
            body["address"] = f"{part or local}@{domain}"
            status, answer = self.upsert("/v1/admin/groups", name, body, key="name")
            if status in (200, 201):
                made.append(f"group {name}")
            else:
                self.say(f"/v1/admin/groups {name} answered {status}: {answer}")
        people: list[dict[str, Any]] = [
            {
                "id": user.sub,
                "email": user.email,
                "name": user.name,
                "role": user.key,
                "groups": DEV_AGENTS[user.key][0],
                "availability": DEV_AGENTS[user.key][1],
            }
            for user in DEV_USERS
            if user.key in DEV_AGENTS
        ]
        for person in people:  # the stack put them in the directory at start (template Metadata): made current
            status, answer = self.upsert("/v1/admin/agents", person["id"], person, key="id")
            if status in (200, 201):
                made.append(f"agent {person['email']} ({person['role']}, {person['availability']})")
            else:
                self.say(f"/v1/admin/agents {person['email']} answered {status}: {answer}")
        for person in NEW_AGENTS:
            status, answer, _ = self.call("POST", "/v1/admin/agents", person, self.tokens["admin"])
            if status == 201:
                made.append(f"agent {person['email']} (agent, {person['availability']})")
            elif status != 409:  # 409: made by an earlier run
                self.say(f"POST /v1/admin/agents {person['email']} answered {status}: {answer}")
        return made

    def upsert(self, collection: str, ref: str, body: dict[str, Any], key: str) -> tuple[int, Any]:
        """Create through POST; when it exists (409), change it through PUT with the version it has (If-Match)."""
        admin = self.tokens["admin"]
        status, answer, _ = self.call("POST", collection, body, admin)
        if status != 409:
            return status, answer
        status, current, headers = self.call("GET", f"{collection}/{ref}", None, admin)
        if status != 200:
            return status, current
        fields = {k: v for k, v in body.items() if k != key}
        status, answer, _ = self.call(
            "PUT", f"{collection}/{ref}", fields, admin, {"If-Match": headers.get("ETag") or str(current["version"])}
        )
        return status, answer

    # ------------------------------------------------------------------ configuration
    def macros(self) -> int:
        """The demo's macros, through the admin API (as an admin would make them)."""
        if not self.has("POST /v1/admin/macros"):
            return 0
        made = 0
        for macro in MACROS:
            status, body, _ = self.call("POST", "/v1/admin/macros", macro, self.tokens["admin"])
            if status != 201:
                self.say(f"macro {macro['name']!r} was refused: {status} {body}")
                continue
            made += 1
        return made

    # ------------------------------------------------------------------ channels
    def api_tickets(self) -> int:
        if not self.has("POST /v1/tickets"):
            return 0
        made = 0
        for spec in API_TICKETS:
            status, ticket, _ = self.call("POST", "/v1/tickets", spec["ticket"], self.tokens["agent"])
            if status != 201:
                self.say(f"POST /v1/tickets answered {status}: {ticket}")
                continue
            made += 1
            ref = ticket["number"]
            patch = dict(spec.get("patch") or {})
            if "assign" in patch:
                patch["assignee"] = self.subs[patch.pop("assign")]
            if patch and self.has("PATCH /v1/tickets/{ticket}"):
                status, body, _ = self.call(
                    "PATCH", f"/v1/tickets/{ref}", patch, self.tokens["agent"], {"If-Match": f'"{ticket["version"]}"'}
                )
                if status != 200:
                    self.say(f"PATCH {ref} answered {status}: {body}")
            if spec.get("note") and self.has("POST /v1/tickets/{ticket}/notes"):
                self.call("POST", f"/v1/tickets/{ref}/notes", {"body": spec["note"]}, self.tokens["agent"])
            if spec.get("reply") and self.has("POST /v1/tickets/{ticket}/replies"):
                status, body, _ = self.call("POST", f"/v1/tickets/{ref}/replies", spec["reply"], self.tokens["agent"])
                if status not in (200, 201):
                    self.say(f"reply on {ref} answered {status}: {body}")
        return made

    def form_tickets(self) -> int:
        if not self.has("POST /v1/public/tickets"):
            return 0
        made = 0
        for form in FORM_TICKETS:
            status, body, _ = self.call("POST", "/v1/public/tickets", form)
            if status in (200, 201, 202):
                made += 1
            else:
                self.say(f"POST /v1/public/tickets answered {status}: {body}")
        return made

    def support_address(self) -> str | None:
        for rule in self.stack.receipt.rules:
            for recipient in rule.recipients:
                if "@" in recipient:
                    return recipient
        return None

    def mails(self) -> int:
        address = self.support_address()
        if address is None:
            self.say("skipped mail (no SES receipt rule with a recipient address in template.yaml yet)")
            return 0
        sent = 0
        with smtplib.SMTP(self.stack.settings.host, self.stack.smtp_port, timeout=30) as smtp:
            for sender, subject, text in MAILS:
                message = EmailMessage()
                message["From"], message["To"], message["Subject"] = sender, address, subject
                message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1].rstrip(">"))
                message.set_content(text)
                smtp.send_message(message)
                sent += 1
        return sent

    def customer_reply(self) -> bool:
        """Putu answers Loket's acknowledgement: the reply threads into her ticket (if mail goes out)."""
        sender, subject, _ = MAILS[0]
        deadline = time.monotonic() + 20
        ack = None
        while time.monotonic() < deadline and ack is None:
            ack = next(
                (
                    m
                    for m in self.stack.outbox.mails()
                    if subject in str(m.get("subject"))
                    and sender.split("<")[1].rstrip(">") in " ".join(m.get("to") or [])
                ),
                None,
            )
            if ack is None:
                time.sleep(0.3)
        if ack is None:
            self.say("skipped the customer's reply (no acknowledgement mail in the outbox)")
            return False
        headers = {k.lower(): v for k, v in ack.get("headers") or []}
        reply_to = [a for _, a in getaddresses([headers.get("reply-to") or ack.get("sender") or ""]) if a]
        message = EmailMessage()
        message["From"], message["To"] = sender, reply_to[0]
        message["Subject"] = f"Re: {ack.get('subject')}"
        if headers.get("message-id"):
            message["In-Reply-To"] = message["References"] = headers["message-id"]
        message["Message-ID"] = make_msgid(domain="example.net")
        message.set_content(
            "Thanks! It happened again at 10:15 this morning.\n\n> "
            + "\n> ".join(str(ack.get("text") or "").splitlines()[:3])
        )
        with smtplib.SMTP(self.stack.settings.host, self.stack.smtp_port, timeout=30) as smtp:
            smtp.send_message(message)
        return True


def directory(stack: LocalStack) -> list[str]:
    """The demo's groups and agents (the development users among them), through the admin API."""
    return _Demo(stack).directory()


def routing_rules(demo: _Demo) -> list[str]:
    """The demo's routing rules through the admin API (after the groups they name); answers their names."""
    if not demo.has("POST /v1/admin/rules"):
        return []
    made = []
    for rule in RULES:
        status, answer, _ = demo.call("POST", "/v1/admin/rules", rule, demo.tokens["admin"])
        if status == 201:
            made.append(f"rule {rule['name']!r} -> {rule['actions'].get('group')}")
        else:
            demo.say(f"POST /v1/admin/rules {rule['name']!r} answered {status}: {answer}")
    return made


def seed(stack: LocalStack) -> None:
    began = time.monotonic()
    print("creating demo data through the API, the web form and SMTP (first start only)...", flush=True)
    demo = _Demo(stack)
    directory = demo.directory()  # first: what the tickets below (and later rules, macros) refer to
    demo.say("; ".join(directory) or "no directory")
    demo.say("; ".join(routing_rules(demo)) or "no routing rules")
    made = {"api": demo.api_tickets(), "web form": demo.form_tickets(), "mail": demo.mails()}
    replied = made["mail"] and demo.customer_reply()
    demo.say(f"{demo.macros()} macros for the composer")
    demo.say(
        ", ".join(f"{n} tickets via {k}" for k, n in made.items())
        + (", and a customer's reply by mail" if replied else "")
        + f" ({time.monotonic() - began:.1f} s)"
    )
    stack.save()
