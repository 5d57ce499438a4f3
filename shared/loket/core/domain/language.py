"""The languages Loket speaks to customers (pages and mail), and how a recorded preference maps to one."""

from __future__ import annotations

LANGUAGES = ("id", "en")  # the first is the last resort
# "in" is the code Indonesian had before ISO 639 changed it; some systems still send it
_ALIASES = {"id": "id", "in": "id", "en": "en"}


def supported(code: str | None) -> str | None:
    """`en-GB` -> `en`, `id_ID` -> `id`, `in` -> `id`; None for a language we do not have."""
    if not code:
        return None
    return _ALIASES.get(code.strip().lower().replace("_", "-").split("-")[0])


def pick(preferred: str | None, default: str | None) -> str:
    """`preferred` if we have it, else `default` if we have it, else Indonesian."""
    return supported(preferred) or supported(default) or LANGUAGES[0]
