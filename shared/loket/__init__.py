"""Loket: the domain and data code shared by every function (deployed as a Lambda layer)."""
