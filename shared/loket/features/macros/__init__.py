"""Macros: saved replies and notes with placeholders and field changes, applied to a ticket in one request.

`macro` holds the words (placeholders, validation, rendering; pure), `store` the items in the table (PK `MACROS`,
SK `MACRO#<id>`), `apply` the use case, `routes` the admin and agent routes, `schemas` their bodies.
"""
