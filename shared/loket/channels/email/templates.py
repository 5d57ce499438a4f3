"""The words of the mail Loket sends, in Indonesian (`id`) and English (`en`).

Each template is a subject and a plain-text body with `{placeholders}`. Values are inserted with
`str.format_map`, which reads only the template's own fields, so a customer's subject or name
("{number}", "{0.__class__}") is copied as text and never interpreted.

Add a language to `loket.core.domain.language.LANGUAGES` and a key to every entry of `TEMPLATES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


TEMPLATES: dict[str, dict[str, Template]] = {
    # to the requester, once, when a ticket opens (automatic: Auto-Submitted: auto-replied)
    "acknowledgement": {
        "id": Template(
            subject="Diterima: {subject}",
            body=(
                "{greeting}\n\n"
                "Terima kasih telah menghubungi kami. Permintaan Anda sudah kami terima "
                "dengan nomor tiket {number}:\n\n"
                "    {subject}\n\n"
                "Tim kami akan membalas secepatnya. Untuk menambahkan informasi, cukup balas email ini "
                "dan biarkan {number} tetap ada di subjek.\n\n"
                "{status_link}"
                "Ini adalah pesan otomatis.\n\n"
                "-- \n{team}\n"
            ),
        ),
        "en": Template(
            subject="Received: {subject}",
            body=(
                "{greeting}\n\n"
                "Thank you for contacting us. We have received your request as ticket {number}:\n\n"
                "    {subject}\n\n"
                "Our team will reply as soon as possible. To add information, simply reply to this email "
                "and keep {number} in the subject.\n\n"
                "{status_link}"
                "This is an automatic message.\n\n"
                "-- \n{team}\n"
            ),
        ),
    },
    # an agent's public reply, to the requester and the CCs
    "reply": {
        "id": Template(
            subject="Re: {subject}",
            body="{body}\n\n-- \n{author}{team}\nTiket {number}: balas email ini untuk melanjutkan percakapan.\n",
        ),
        "en": Template(
            subject="Re: {subject}",
            body="{body}\n\n-- \n{author}{team}\nTicket {number}: reply to this email to continue the conversation.\n",
        ),
    },
    # to an agent when a ticket is assigned to them (automatic: Auto-Submitted: auto-generated)
    "assignment": {
        "id": Template(
            subject="Ditugaskan kepada Anda: {subject}",
            body=(
                "Tiket {number} ditugaskan kepada Anda.\n\n"
                "Subjek:    {subject}\n"
                "Pemohon:   {requester}\n"
                "Prioritas: {priority}\n"
                "Status:    {status}\n"
                "Grup:      {group}\n\n"
                "Ini adalah pemberitahuan otomatis dari {team}.\n"
            ),
        ),
        "en": Template(
            subject="Assigned to you: {subject}",
            body=(
                "Ticket {number} has been assigned to you.\n\n"
                "Subject:   {subject}\n"
                "Requester: {requester}\n"
                "Priority:  {priority}\n"
                "Status:    {status}\n"
                "Group:     {group}\n\n"
                "This is an automatic notice from {team}.\n"
            ),
        ),
    },
    # to the requester and the CCs when a pending ticket has waited on them for days (automatic: auto-generated)
    "reminder": {
        "id": Template(
            subject="Pengingat: {subject}",
            body=(
                "{greeting}\n\n"
                "Kami masih menunggu balasan Anda untuk tiket {number}:\n\n"
                "    {subject}\n\n"
                "Tanpa balasan, tiket ini akan kami anggap selesai pada {resolves_at}. Untuk melanjutkan, "
                "cukup balas email ini dan biarkan {number} tetap ada di subjek.\n\n"
                "{status_link}"
                "Ini adalah pesan otomatis.\n\n"
                "-- \n{team}\n"
            ),
        ),
        "en": Template(
            subject="Reminder: {subject}",
            body=(
                "{greeting}\n\n"
                "We are waiting for your reply on ticket {number}:\n\n"
                "    {subject}\n\n"
                "Without a reply, we will consider this ticket resolved on {resolves_at}. To continue, simply "
                "reply to this email and keep {number} in the subject.\n\n"
                "{status_link}"
                "This is an automatic message.\n\n"
                "-- \n{team}\n"
            ),
        ),
    },
    # to the assignee (or, unassigned, the group's leads) when an SLA clock reaches its warning threshold
    "sla_warning": {
        "id": Template(
            subject="Peringatan SLA ({metric}): {subject}",
            body=(
                "Target {metric} tiket {number} hampir terlewati: batasnya {due_at}.\n\n"
                "Subjek:    {subject}\n"
                "Pemohon:   {requester}\n"
                "Prioritas: {priority}\n"
                "Status:    {status}\n"
                "Grup:      {group}\n"
                "Kebijakan: {policy} ({target} menit)\n\n"
                "Ini adalah pemberitahuan otomatis dari {team}.\n"
            ),
        ),
        "en": Template(
            subject="SLA warning ({metric}): {subject}",
            body=(
                "The {metric} target of ticket {number} is about to be missed: it is due at {due_at}.\n\n"
                "Subject:   {subject}\n"
                "Requester: {requester}\n"
                "Priority:  {priority}\n"
                "Status:    {status}\n"
                "Group:     {group}\n"
                "Policy:    {policy} ({target} minutes)\n\n"
                "This is an automatic notice from {team}.\n"
            ),
        ),
    },
    # to the assignee and the group's leads when an SLA clock breaches
    "sla_breach": {
        "id": Template(
            subject="SLA terlewati ({metric}): {subject}",
            body=(
                "Target {metric} tiket {number} terlewati pada {due_at}.\n\n"
                "Subjek:    {subject}\n"
                "Pemohon:   {requester}\n"
                "Prioritas: {priority}\n"
                "Status:    {status}\n"
                "Grup:      {group}\n"
                "Kebijakan: {policy} ({target} menit)\n\n"
                "Ini adalah pemberitahuan otomatis dari {team}.\n"
            ),
        ),
        "en": Template(
            subject="SLA breached ({metric}): {subject}",
            body=(
                "The {metric} target of ticket {number} was missed at {due_at}.\n\n"
                "Subject:   {subject}\n"
                "Requester: {requester}\n"
                "Priority:  {priority}\n"
                "Status:    {status}\n"
                "Group:     {group}\n"
                "Policy:    {policy} ({target} minutes)\n\n"
                "This is an automatic notice from {team}.\n"
            ),
        ),
    },
}

# the SLA metrics as the SLA notices name them
SLA_METRICS = {
    "id": {"first_response": "respons pertama", "next_response": "respons berikutnya", "resolution": "penyelesaian"},
    "en": {"first_response": "first response", "next_response": "next response", "resolution": "resolution"},
}

# the acknowledgement's link to the ticket's status page (only when PUBLIC_BASE_URL is set)
STATUS_LINKS = {
    "id": "Pantau tiket Anda dan balas di halaman statusnya:\n    {url}\n\n",
    "en": "Follow your ticket and reply on its status page:\n    {url}\n\n",
}

GREETINGS = {"id": ("Halo {name},", "Halo,"), "en": ("Hello {name},", "Hello,")}


def greeting(lang: str, name: str) -> str:
    with_name, without = GREETINGS[lang]
    return with_name.format_map({"name": name}) if name.strip() else without


def status_link(lang: str, url: str | None) -> str:
    return STATUS_LINKS[lang].format_map({"url": url}) if url else ""


def render(name: str, lang: str, values: dict[str, Any]) -> Rendered:
    """Fill template `name` in `lang` (`loket.core.domain.language.pick`). Raises KeyError for an unknown template."""
    template = TEMPLATES[name][lang]
    return Rendered(subject=template.subject.format_map(values), text=template.body.format_map(values))
