"""Core: the ticket domain, its data, the ticket use cases, the event contract and the error map.

Channels and features build on it; it never imports them.
"""
