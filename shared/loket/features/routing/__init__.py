"""Routing: rules that pick a group and fields for a new ticket, and assignment to agents within a group."""
