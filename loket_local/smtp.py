"""SMTP on localhost: what the template's SES receipt rules do in AWS.

For each message, the rules of the template's receipt rule sets run in order: a rule whose recipients match
performs its actions (S3Action: the raw message into the bucket under prefix + SES message id; LambdaAction:
the function with an SES-shaped event, verdicts included; AddHeaderAction; StopAction). Verdicts are PASS
unless the message carries `X-SES-Spam-Verdict` / `X-SES-Virus-Verdict` or `X-Local-<Kind>-Verdict`
(kind: spam, virus, spf, dkim, dmarc), which is how tests send spam or a failed DMARC check.

Like SES receiving, the server takes internationalized mail (SMTPUTF8, RFC 6531: UTF-8 in the envelope and in the
headers) and lines of any length within the message size limit (aiosmtpd refuses lines over RFC 5321's 1000 octets;
SES does not, and real mail has them: exported logs, HTML on one line). The stored object is the message byte for
byte, with SES's own headers on top.

Which recipients are taken: an address a rule names (or its plus-addressed form, as SES matches them); an address
a rule covers only through its domain when it is a group's address in the directory (`directory_addresses`, read at
RCPT time, so a group the admin API has just made receives at once). In AWS the rule on the domain takes every
address and the inbound function quarantines new mail to one that is not ours; here the client is told at once:
550 with the reason.

What the client is told when a mail cannot be handed on (stored, and given to the rule's function):

- an address that is not valid UTF-8 (8-bit bytes of some legacy charset in MAIL FROM or RCPT TO) is refused
  at once with 553 and the reason: it can be neither written into the stored message nor put into the JSON event,
  and sending it again sends the same bytes;
- a failure that a later attempt can get past (AWS unreachable, throttled, or failing on its side) answers 451,
  and the client's queue tries again;
- any other failure answers 554 with the reason. It comes from the message itself (or from the setup, such as a
  missing bucket), so every retry fails the same way: a 451 would keep the mail in the sender's queue for days,
  retried and failing each time, with nobody told. A 5xx makes the sending server bounce it to its author, with
  our reason, at once. Both cases are logged here, with whatever was already stored. Once the function has the
  event, its own failures are retried and then go to its dead-letter queue, as in AWS.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from loket_local.lambdas import FunctionError, FunctionRuntime
from loket_local.sources import AsyncInvoker
from loket_local.template import ReceiptRule

log = logging.getLogger("local-stack")

MAX_MESSAGE = 40 * 1024 * 1024  # SES receiving limit
# AWS answered in a way that may change on the next attempt (throttled, busy, failing on its side)
_TRANSIENT_CODES = {"Throttling", "ThrottlingException", "SlowDown", "RequestTimeout", "ServiceUnavailable",
                    "InternalError", "RequestLimitExceeded", "TooManyRequestsException"}  # fmt: skip
_VERDICTS = ("spam", "virus", "spf", "dkim", "dmarc")


@dataclass
class ResolvedRule:
    rule: ReceiptRule
    actions: list[dict[str, Any]]  # resolved: bucket names, function logical ids
    recipients: tuple[str, ...]  # resolved, lower case

    def covers(self, recipient: str) -> bool:
        if not self.rule.enabled:
            return False
        if not self.recipients:
            return True
        address = recipient.lower()
        domain = address.rpartition("@")[2]
        return self.names(address) or any(
            entry == domain or (entry.startswith(".") and domain.endswith(entry)) for entry in self.recipients
        )

    def names(self, recipient: str) -> bool:
        """The rule lists this address itself (or the address it plus-labels), not only its domain."""
        if not self.rule.enabled:
            return False
        # a rule without recipients takes every address, as SES does
        return not self.recipients or recipient.lower() in self.recipients or unlabelled(recipient) in self.recipients


def unlabelled(address: str) -> str:
    """`user@domain` of `user+label@domain`, lower case (SES: a rule for user@ also takes user+label@)."""
    local, _, domain = address.lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def directory_addresses(dynamodb: Any, table: str) -> set[str]:
    """The groups' addresses in the directory (a Query on its partition, as the product reads it), lower case."""
    found: set[str] = set()
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :group)",
        ExpressionAttributeValues={":pk": {"S": "DIRECTORY"}, ":group": {"S": "GROUP#"}},
        ProjectionExpression="address",
    )
    for page in pages:
        found.update(item["address"]["S"].lower() for item in page["Items"] if item.get("address", {}).get("S"))
    return found


class ReceiptRules:
    def __init__(
        self,
        rules: list[ResolvedRule],
        runtime: FunctionRuntime,
        s3: Any,
        invoker: AsyncInvoker,
        region: str,
        account: str,
        known: Callable[[], set[str]] | None = None,
    ) -> None:
        self.rules, self.runtime, self.s3, self.invoker = rules, runtime, s3, invoker
        self.region, self.account = region, account
        self.known = known  # the addresses a rule covering only their domain takes (the directory's groups)

    def accepts(self, recipient: str) -> bool:
        if any(rule.names(recipient) for rule in self.rules):
            return True
        if not any(rule.covers(recipient) for rule in self.rules):
            return False
        return self.known is None or unlabelled(recipient) in self.known()

    def receive(self, raw: bytes, mail_from: str, recipients: list[str]) -> str:
        """Run the rules on one message; returns the SES message id. Logs what was stored before a failure."""
        message_id = secrets.token_hex(20)
        stored_at: list[str] = []
        try:
            self._run_rules(raw, mail_from, recipients, message_id, stored_at)
        except Exception:
            if stored_at:
                log.error("mail %s was stored at %s but not handed on", message_id, ", ".join(stored_at))
            raise
        return message_id

    def _run_rules(
        self, raw: bytes, mail_from: str, recipients: list[str], message_id: str, stored_at: list[str]
    ) -> None:
        arrived = dt.datetime.now(dt.UTC)
        begin = time.monotonic()
        parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
        verdicts = {kind: _verdict(parsed, kind) for kind in _VERDICTS}
        stored = _ses_headers(mail_from, recipients, arrived, verdicts) + raw
        for rule in self.rules:
            matched = [r for r in recipients if rule.covers(r)]
            if not matched:
                continue
            scan = verdicts if rule.rule.scan_enabled else {**verdicts, "spam": "DISABLED", "virus": "DISABLED"}
            stop = False
            for action in rule.actions:
                if "AddHeaderAction" in action:
                    header = action["AddHeaderAction"]
                    stored = f"{header['HeaderName']}: {header['HeaderValue']}\r\n".encode() + stored
                elif "S3Action" in action:
                    s3 = action["S3Action"]
                    key = f"{s3.get('ObjectKeyPrefix') or ''}{message_id}"
                    self.s3.put_object(Bucket=s3["BucketName"], Key=key, Body=stored)
                    stored_at.append(f"s3://{s3['BucketName']}/{key}")
                elif "LambdaAction" in action:
                    lam = action["LambdaAction"]
                    event = self.event(
                        email.message_from_bytes(stored, policy=email.policy.compat32),
                        message_id,
                        mail_from,
                        recipients,
                        matched,
                        arrived,
                        scan,
                        lam,
                        int((time.monotonic() - begin) * 1000),
                    )
                    if str(lam.get("InvocationType", "Event")) == "RequestResponse":
                        try:
                            self.runtime.invoke(lam["function"], event, source=f"ses rule {rule.rule.name}")
                        except FunctionError as exc:
                            log.warning("receipt rule %s: %s failed: %s", rule.rule.name, lam["function"], exc)
                    else:
                        self.invoker.submit(lam["function"], event, f"ses rule {rule.rule.name}")
                elif "StopAction" in action:
                    stop = True
                    break
                else:
                    log.info("receipt rule %s: action %s is not emulated locally", rule.rule.name, list(action))
            if stop:
                break

    def event(
        self,
        message: Any,
        message_id: str,
        mail_from: str,
        destination: list[str],
        recipients: list[str],
        arrived: dt.datetime,
        verdicts: dict[str, str],
        action: dict[str, Any],
        took_ms: int,
    ) -> dict[str, Any]:
        """The event SES gives a Lambda action (mail metadata, common headers, receipt with verdicts)."""
        stamp = arrived.strftime("%Y-%m-%dT%H:%M:%S.") + f"{arrived.microsecond // 1000:03d}Z"
        raw_headers = [(name, _header_text(value)) for name, value in message.raw_items()]
        headers = [{"name": name, "value": value} for name, value in raw_headers]

        def values_of(key: str) -> list[str]:
            return [value for name, value in raw_headers if name.lower() == key.lower()]

        common: dict[str, Any] = {"returnPath": mail_from}
        for field_name, key in (
            ("from", "From"),
            ("to", "To"),
            ("cc", "Cc"),
            ("bcc", "Bcc"),
            ("replyTo", "Reply-To"),
            ("sender", "Sender"),
        ):
            values = values_of(key)
            if values:
                common[field_name] = [_mailbox_text(n, a) for n, a in email.utils.getaddresses(values)]
        for field_name, key in (("date", "Date"), ("messageId", "Message-ID"), ("subject", "Subject")):
            values = values_of(key)
            if values:
                common[field_name] = values[0]
        return {
            "Records": [
                {
                    "eventSource": "aws:ses",
                    "eventVersion": "1.0",
                    "ses": {
                        "mail": {
                            "timestamp": stamp,
                            "source": mail_from,
                            "messageId": message_id,
                            "destination": destination,
                            "headersTruncated": False,
                            "headers": headers,
                            "commonHeaders": common,
                        },
                        "receipt": {
                            "timestamp": stamp,
                            "processingTimeMillis": took_ms,
                            "recipients": recipients,
                            "spamVerdict": {"status": verdicts["spam"]},
                            "virusVerdict": {"status": verdicts["virus"]},
                            "spfVerdict": {"status": verdicts["spf"]},
                            "dkimVerdict": {"status": verdicts["dkim"]},
                            "dmarcVerdict": {"status": verdicts["dmarc"]},
                            "action": {
                                "type": "Lambda",
                                "functionArn": action["FunctionArn"],
                                "invocationType": str(action.get("InvocationType", "Event")),
                            },
                        },
                    },
                }
            ]
        }


def _header_text(value: str) -> str:
    """A header value as text: 8-bit bytes (UTF-8 under RFC 6532) read as UTF-8, not as replacement characters."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_SPECIALS = re.compile(r'[][\\()<>@,:;".]')
_ESCAPES = re.compile(r'[\\"]')


def _mailbox_text(name: str, address: str) -> str:
    """`name <address>` as `formataddr` writes it, but as it stands in the message: an address or a name in UTF-8
    (RFC 6532) stays UTF-8, neither refused (`formataddr` takes ASCII addresses only) nor turned into RFC 2047."""
    if not name:
        return address
    quote = '"' if _SPECIALS.search(name) else ""
    escaped = _ESCAPES.sub(r"\\\g<0>", name)
    return f"{quote}{escaped}{quote} <{address}>"


def _verdict(message: Any, kind: str) -> str:
    for header in (f"X-Local-{kind}-Verdict", f"X-SES-{kind}-Verdict" if kind in ("spam", "virus") else ""):
        if header and message.get(header):
            return str(message.get(header)).strip().upper()
    return "PASS"


def _ses_headers(mail_from: str, recipients: list[str], arrived: dt.datetime, verdicts: dict[str, str]) -> bytes:
    """The headers SES puts on top of a received message before storing it."""
    lines = [
        f"Return-Path: <{mail_from}>",
        f"Received: from localhost by loket-local-smtp for {', '.join(recipients)}; "
        f"{email.utils.format_datetime(arrived)}",
        f"X-SES-Spam-Verdict: {verdicts['spam']}",
        f"X-SES-Virus-Verdict: {verdicts['virus']}",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def _not_utf8(address: str, role: str, status: str) -> str | None:
    """The 553 for an envelope address that is not valid UTF-8 (logged), or None for a good one."""
    if _is_utf8(address):
        return None
    log.warning("SMTP: refused a %s address that is not valid UTF-8: %r", role, _bytes_of(address))
    return f"553 {status} the {role} address is not valid UTF-8 (RFC 6531); it cannot be accepted"


class _Handler:
    def __init__(self, rules: ReceiptRules) -> None:
        self.rules = rules

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if refused := _not_utf8(address, "sender", "5.1.7"):
            return refused
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if refused := _not_utf8(address, "recipient", "5.1.3"):
            return refused
        try:
            accepted = await server.loop.run_in_executor(None, self.rules.accepts, address)
        except Exception as exc:  # the directory could not be read: the client tries again later
            log.warning("SMTP: could not check recipient <%s>: %s", address, exc)
            return "451 4.3.0 the recipient could not be checked, try again later"
        if not accepted:
            if any(rule.covers(address) for rule in self.rules.rules):
                return (
                    f"550 5.1.1 <{address}> is neither an address a receipt rule names (the support address) "
                    "nor a group's address in the directory"
                )
            return f"550 5.1.1 no receipt rule accepts mail for <{address}>"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        try:
            message_id = await server.loop.run_in_executor(
                None, self.rules.receive, raw, envelope.mail_from or "", list(envelope.rcpt_tos)
            )
        except Exception as exc:
            return delivery_failure_reply(exc, envelope.mail_from or "", list(envelope.rcpt_tos))
        log.info("SMTP %s -> %s accepted as %s", envelope.mail_from, ", ".join(envelope.rcpt_tos), message_id)
        return f"250 Ok {message_id}"


def _is_utf8(address: str) -> bool:
    """aiosmtpd reads the envelope as UTF-8 with surrogateescape: a surrogate is a byte that was not UTF-8."""
    try:
        address.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bytes_of(address: str) -> bytes:
    return address.encode("utf-8", "surrogateescape")


def is_transient(exc: BaseException) -> bool:
    """Whether a later attempt could get past `exc`: AWS unreachable, timing out, throttling or failing on its side."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as AwsConnectionError

    if isinstance(exc, (AwsConnectionError, HTTPClientError, OSError)):
        return True
    if isinstance(exc, ClientError):
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return status >= 500 or exc.response.get("Error", {}).get("Code") in _TRANSIENT_CODES
    return False


def delivery_failure_reply(exc: BaseException, mail_from: str, recipients: list[str]) -> str:
    """The SMTP reply for a mail that could not be handed on, logged with the reason (see the module docstring)."""
    reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
    reason = reason.encode("ascii", "backslashreplace").decode("ascii")
    what = f"mail from <{_bytes_of(mail_from).decode('utf-8', 'replace')}> to {len(recipients)} recipient(s)"
    if is_transient(exc):
        log.warning("SMTP: %s not handed on, the client is told to try again: %s", what, reason)
        return f"451 4.3.0 local delivery failed, try again later: {reason}"
    log.error("SMTP: %s not handed on and refused for good", what, exc_info=exc)
    return f"554 5.3.0 local delivery failed and would fail again: {reason}"


class _Smtp(SMTP):
    # SES receiving takes lines of any length; only the message size limit bounds them
    line_length_limit = MAX_MESSAGE


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _Smtp(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    def __init__(self, rules: ReceiptRules, host: str, port: int) -> None:
        self.controller = _Controller(
            _Handler(rules),
            hostname=host,
            port=port,
            data_size_limit=MAX_MESSAGE,
            decode_data=False,
            enable_SMTPUTF8=True,  # the Controller's default, the SMTP class's is off: said here, as SES does it
            ready_timeout=10,
        )

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
