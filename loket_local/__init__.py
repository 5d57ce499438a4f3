"""The local stack behind `make run`: moto server, gateway, SMTP, pollers and schedules.

Development tooling only: nothing here is deployed, and nothing in functions/ or shared/ imports it.
"""
