"""Channels: how requests reach Loket (email, the web form and status page, the agent API).

A channel never imports another channel; channels meet in `loket.core`.
"""
