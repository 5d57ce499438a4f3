"""Key formats of the one table (see the access-pattern table in `loket.core.data.models`)."""

from __future__ import annotations

from loket.core.domain.ticket import Priority

LOOKUP_SK = "LOOKUP"
TICKET_SK = "TICKET"
NUMBER_COUNTER_PK = "COUNTER#ticket-number"


def ticket_pk(ticket_id: str) -> str:
    return f"TICKET#{ticket_id}"


def number_pk(number: int) -> str:
    return f"NUMBER#{number}"


def client_key_pk(key: str) -> str:
    return f"CLIENTKEY#{key}"


def message_id_pk(message_id: str) -> str:
    return f"MSGID#{message_id.strip().strip('<>').lower()}"


def tag_pk(tag: str) -> str:
    return f"TAG#{tag}"


def word_pk(word: str) -> str:
    return f"WORD#{word}"


def entry_sk(created_at: str, entry_id: str) -> str:
    return f"ENTRY#{created_at}#{entry_id}"


def audit_sk(at: str, seq: int) -> str:
    return f"AUDIT#{at}#{seq:04d}"


def named_audit_sk(at: str, name: str) -> str:
    """An audit entry whose key names what it records (written once: a repeat puts the same item)."""
    return f"AUDIT#{at}#{name}"


def queue_pk(group: str, status: str) -> str:
    return f"QUEUE#{group}#{status}"


def status_pk(status: str) -> str:
    return f"STATUS#{status}"


def assignee_pk(agent_id: str) -> str:
    return f"AGENT#{agent_id}"


def unassigned_pk(group: str) -> str:
    return f"UNASSIGNED#{group}"


def requester_pk(email: str) -> str:
    return f"REQ#{email}"


def priority_age_sk(priority: str, created_at: str, ticket_id: str) -> str:
    return f"{Priority(priority).rank}#{created_at}#{ticket_id}"


def age_sk(created_at: str, ticket_id: str) -> str:
    return f"{created_at}#{ticket_id}"


DIRECTORY_PK = "DIRECTORY"
AGENT_PREFIX = "AGENT#"
GROUP_PREFIX = "GROUP#"


def agent_sk(agent_id: str) -> str:
    return f"{AGENT_PREFIX}{agent_id}"


def group_sk(name: str) -> str:
    return f"{GROUP_PREFIX}{name}"


# routing (assignment): one load counter per agent, one rotation cursor per group, one load marker per ticket
LOAD_SK = "LOAD"
CURSOR_SK = "CURSOR"


def agent_load_pk(agent_id: str) -> str:
    return f"LOAD#{agent_id}"


def routing_cursor_pk(group: str) -> str:
    return f"ROUTING#{group}"


ROUTING_PK = "ROUTING"
RULE_PREFIX = "RULE#"
ROUTING_SETTINGS_SK = "SETTINGS"


def rule_sk(rule_id: str) -> str:
    return f"{RULE_PREFIX}{rule_id}"


MACROS_PK = "MACROS"
MACRO_PREFIX = "MACRO#"


def macro_sk(macro_id: str) -> str:
    return f"{MACRO_PREFIX}{macro_id}"


SLA_PK = "SLA"
SLA_POLICY_PREFIX = "POLICY#"
SLA_CALENDAR_PREFIX = "CALENDAR#"
SLA_STATE_SK = "SLA"
SLA_SHARDS = 8  # the due index's partitions: a ticket's shard is fixed by its id


def sla_policy_sk(policy_id: str) -> str:
    return f"{SLA_POLICY_PREFIX}{policy_id}"


def sla_calendar_sk(name: str) -> str:
    return f"{SLA_CALENDAR_PREFIX}{name}"


def sla_due_pk(shard: int) -> str:
    return f"SLA#{shard}"


def sla_shard(ticket_id: str) -> int:
    import zlib

    return zlib.crc32(ticket_id.encode()) % SLA_SHARDS


def sla_due_sk(next_check: str, ticket_id: str) -> str:
    return f"{next_check}#{ticket_id}"
