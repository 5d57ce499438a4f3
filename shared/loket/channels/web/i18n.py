"""Indonesian and English strings of the customer pages, and the choice of language for a request.

The language comes from `?lang=` (or the form's hidden `lang` field) first, then `Accept-Language`,
then the configured default. Every key exists in both languages (a unit test checks it).
"""

from __future__ import annotations

from typing import Any

from loket.core.domain.language import LANGUAGES, pick, supported

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "site_name": "Loket support",
        "form_title": "Contact support",
        "form_intro": "Tell us what you need. Fields marked required must be filled in.",
        "required": "required",
        "optional": "optional",
        "field_name": "Your name",
        "field_email": "Email address",
        "hint_email": "We send our answer to this address.",
        "field_subject": "Subject",
        "field_category": "Category",
        "field_message": "Message",
        "field_attachments": "Attachments",
        "hint_attachments": "Up to $count files, $size each ($types).",
        "field_honeypot": "Leave this field empty",
        "category_general": "General question",
        "category_billing": "Billing and payment",
        "category_technical": "Technical problem",
        "category_account": "Account and access",
        "submit": "Send",
        "error_summary_title": "There is a problem",
        "err_required": "Enter your $field.",
        "err_too_long": "$field must be $max characters or fewer.",
        "err_invalid_email": "Enter an email address like name@example.com.",
        "err_invalid_category": "Choose a category from the list.",
        "err_too_many_files": "Attach at most $max files.",
        "err_file_too_large": "The file $name is larger than $size.",
        "err_total_too_large": "The files together are larger than $size.",
        "err_file_type": "The file $name has a type we do not accept ($types).",
        "err_file_empty": "The file $name is empty.",
        "err_form_token": "We could not verify this form. Check your message and send it again.",
        "err_form_expired": "This form was open for too long. Check your message and send it again.",
        "err_body_too_large": "What you sent is larger than $size. Remove or shrink attachments and send again.",
        "err_bad_body": "We could not read what your browser sent. Please try again.",
        "err_try_again": "We could not save this just now. Nothing was sent; please send it again in a moment.",
        "thanks_title": "Thank you, we received your request",
        "thanks_number": "Your ticket number is $number.",
        "thanks_received": "We will answer by email as soon as we can.",
        "thanks_status_link": "Follow your ticket and reply on its status page",
        "thanks_keep_link": "Keep this link: anyone who has it can see this ticket.",
        "thanks_new_form": "Send another request",
        "status_title": "Ticket $number",
        "status_subject": "Subject",
        "status_status": "Status",
        "status_opened": "Opened",
        "status_new": "Received",
        "status_open": "In progress",
        "status_pending": "Waiting for your reply",
        "status_on_hold": "On hold",
        "status_resolved": "Resolved",
        "status_closed": "Closed",
        "status_quarantined": "Under review",
        "conversation": "Conversation",
        "author_you": "You",
        "author_support": "Support",
        "attachments": "Attachments",
        "reply_title": "Reply",
        "reply_label": "Your reply",
        "reply_submit": "Send reply",
        "reply_sent": "Your reply was added.",
        "reply_closed_title": "This ticket was closed, so we opened a new one",
        "reply_closed_body": "Your message is now ticket $number, linked to the closed ticket $old.",
        "reply_closed_link": "Go to the status page of the new ticket",
        "closed_note": "This ticket is closed. A reply opens a new ticket linked to it.",
        "merged_note": "This ticket was merged into $number.",
        "merged_link": "See ticket $number",
        "follow_up_note": "This ticket follows up on $number.",
        "not_found_title": "Page not found",
        "not_found_body": "This page does not exist, or the link is incomplete. Check the link in your email.",
        "rate_title": "Too many requests",
        "rate_body": "You have sent many requests in a short time. Please wait $minutes minutes and try again.",
        "unavailable_title": "Please try again",
        "unavailable_body": "Something went wrong on our side. Your message was not sent; please try again later.",
        "language": "Language",
        "skip_link": "Skip to content",
        "size_bytes": "$n bytes",
        "size_kb": "$n KB",
        "size_mb": "$n MB",
    },
    "id": {
        "site_name": "Dukungan Loket",
        "form_title": "Hubungi dukungan",
        "form_intro": "Ceritakan apa yang Anda perlukan. Kolom bertanda wajib harus diisi.",
        "required": "wajib",
        "optional": "opsional",
        "field_name": "Nama Anda",
        "field_email": "Alamat email",
        "hint_email": "Kami mengirim jawaban ke alamat ini.",
        "field_subject": "Subjek",
        "field_category": "Kategori",
        "field_message": "Pesan",
        "field_attachments": "Lampiran",
        "hint_attachments": "Paling banyak $count berkas, masing-masing $size ($types).",
        "field_honeypot": "Biarkan kolom ini kosong",
        "category_general": "Pertanyaan umum",
        "category_billing": "Tagihan dan pembayaran",
        "category_technical": "Masalah teknis",
        "category_account": "Akun dan akses",
        "submit": "Kirim",
        "error_summary_title": "Ada masalah",
        "err_required": "Isi $field.",
        "err_too_long": "$field paling banyak $max karakter.",
        "err_invalid_email": "Isi alamat email seperti nama@contoh.com.",
        "err_invalid_category": "Pilih kategori dari daftar.",
        "err_too_many_files": "Lampirkan paling banyak $max berkas.",
        "err_file_too_large": "Berkas $name lebih besar dari $size.",
        "err_total_too_large": "Ukuran semua berkas lebih besar dari $size.",
        "err_file_type": "Jenis berkas $name tidak kami terima ($types).",
        "err_file_empty": "Berkas $name kosong.",
        "err_form_token": "Formulir ini tidak dapat kami verifikasi. Periksa pesan Anda lalu kirim lagi.",
        "err_form_expired": "Formulir ini terbuka terlalu lama. Periksa pesan Anda lalu kirim lagi.",
        "err_body_too_large": "Kiriman Anda lebih besar dari $size. Hapus atau perkecil lampiran lalu kirim lagi.",
        "err_bad_body": "Kami tidak dapat membaca kiriman dari peramban Anda. Silakan coba lagi.",
        "err_try_again": "Kami belum dapat menyimpannya. Belum ada yang terkirim; silakan kirim lagi sebentar lagi.",
        "thanks_title": "Terima kasih, permintaan Anda sudah kami terima",
        "thanks_number": "Nomor tiket Anda adalah $number.",
        "thanks_received": "Kami akan menjawab lewat email secepatnya.",
        "thanks_status_link": "Pantau tiket Anda dan balas di halaman statusnya",
        "thanks_keep_link": "Simpan tautan ini: siapa pun yang memilikinya dapat melihat tiket ini.",
        "thanks_new_form": "Kirim permintaan lain",
        "status_title": "Tiket $number",
        "status_subject": "Subjek",
        "status_status": "Status",
        "status_opened": "Dibuka",
        "status_new": "Diterima",
        "status_open": "Sedang ditangani",
        "status_pending": "Menunggu balasan Anda",
        "status_on_hold": "Ditunda",
        "status_resolved": "Selesai",
        "status_closed": "Ditutup",
        "status_quarantined": "Sedang ditinjau",
        "conversation": "Percakapan",
        "author_you": "Anda",
        "author_support": "Dukungan",
        "attachments": "Lampiran",
        "reply_title": "Balas",
        "reply_label": "Balasan Anda",
        "reply_submit": "Kirim balasan",
        "reply_sent": "Balasan Anda sudah ditambahkan.",
        "reply_closed_title": "Tiket ini sudah ditutup, jadi kami membuka tiket baru",
        "reply_closed_body": (
            "Pesan Anda sekarang menjadi tiket $number, terhubung dengan tiket $old yang sudah ditutup."
        ),
        "reply_closed_link": "Buka halaman status tiket baru",
        "closed_note": "Tiket ini sudah ditutup. Balasan akan membuka tiket baru yang terhubung dengannya.",
        "merged_note": "Tiket ini digabungkan ke $number.",
        "merged_link": "Lihat tiket $number",
        "follow_up_note": "Tiket ini adalah lanjutan dari $number.",
        "not_found_title": "Halaman tidak ditemukan",
        "not_found_body": "Halaman ini tidak ada, atau tautannya tidak lengkap. Periksa tautan di email Anda.",
        "rate_title": "Terlalu banyak permintaan",
        "rate_body": "Anda mengirim banyak permintaan dalam waktu singkat. Tunggu $minutes menit lalu coba lagi.",
        "unavailable_title": "Silakan coba lagi",
        "unavailable_body": "Terjadi kesalahan di sisi kami. Pesan Anda belum terkirim; silakan coba lagi nanti.",
        "language": "Bahasa",
        "skip_link": "Langsung ke isi",
        "size_bytes": "$n bita",
        "size_kb": "$n KB",
        "size_mb": "$n MB",
    },
}


def negotiate(explicit: str | None, accept_language: str | None, default: str) -> str:
    """The page language: an explicit choice, else the best `Accept-Language` match, else `default`."""
    chosen = supported(explicit)
    if chosen:
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "")[:500].split(",")):
        tag, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = supported(tag)
        if code and quality > 0:
            ranked.append((-quality, position, code))
    if ranked:
        return sorted(ranked)[0][2]
    return pick(None, default)


class Translator:
    """`t("err_too_long", field="Subject", max=200)` in one language, `$name` placeholders filled in."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in STRINGS else LANGUAGES[0]
        self._strings = STRINGS[self.lang]

    def __call__(self, key: str, **params: Any) -> str:
        from string import Template

        text = self._strings.get(key) or STRINGS["en"].get(key) or key
        return Template(text).safe_substitute({k: str(v) for k, v in params.items()}) if params else text

    def size(self, n: int) -> str:
        if n >= 1024 * 1024:
            return self("size_mb", n=f"{n / (1024 * 1024):g}")
        if n >= 1024:
            return self("size_kb", n=f"{n // 1024}")
        return self("size_bytes", n=n)
