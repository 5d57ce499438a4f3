"""Email: parsing inbound mail, threading, the loop gate, and the addresses Loket replies from."""
