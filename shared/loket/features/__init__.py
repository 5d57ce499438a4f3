"""Features: capabilities that consume core events (routing, SLA, metrics, webhooks, knowledge base).

A feature never imports a channel or another feature; it reads core events and the core directory.
"""
