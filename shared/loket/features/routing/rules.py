"""Routing rules: what they are, what they match, what they do. Pure Python (no AWS), tested by a table.

A rule has conditions and actions. Conditions come as two lists: every condition of `all` must hold and, when `any`
is not empty, at least one of `any`. A condition is a field of the ticket, an operator and a value:

| field | what it reads |
|---|---|
| `channel` | `web`, `email`, `api`, ... |
| `requester_email`, `requester_domain` | the requester's address, and the part after `@` |
| `subject`, `body`, `subject_or_body` | the subject, the first message's text (its first `MAX_MATCHED_TEXT` characters) |
| `form_category` | the web form's category (custom field `category`) |
| `language` | the language the web form recorded (`id`, `en`) |
| `tags`, `priority` | the ticket's tags (any tag that satisfies the condition), its priority |
| `custom.<name>` | a custom field (numbers and booleans as text) |

Operators compare case-insensitively: `is`, `is_not`, `starts_with`, `ends_with`; `contains` and `not_contains` look
for whole words (or phrases) on word boundaries, so `bug` finds "a bug." but not "debugging"; `in` takes a list;
`matches` is a regular expression in RE2 syntax (linear time whatever the text: no backtracking, so no pattern can
stall the router; back-references and look-arounds do not exist there and are refused at save time). A list value
means "any of them" for the positive operators and "none of them" for `is_not` and `not_contains`.

Actions set the group, priority, type or assignee and add tags. A rule set stops at the first matching rule
(`first`) or applies every matching rule in order (`all`: a later rule's value wins, tags add up). Bad rules are
refused when they are saved (pydantic validation: the message says what and why); that their group and assignee
exist is checked against the directory by `loket.features.routing.ruleset`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from loket.core.domain.directory import GROUP_NAME
from loket.core.domain.ticket import Priority

if TYPE_CHECKING:
    import re2

MAX_RULES = 100  # a reorder rewrites every rule in one transaction, and DynamoDB takes at most 100 actions
MAX_CONDITIONS = 20  # per list (all, any)
MAX_VALUES = 50  # words in one condition's list
MAX_VALUE = 200  # characters of a value or a pattern
MAX_MATCHED_TEXT = 20_000  # characters of the subject and body a condition reads
MAX_PATTERN_MEMORY = 1 << 20  # bytes RE2 may use for one compiled pattern

CUSTOM_PREFIX = "custom."
_CUSTOM_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


class Subject(StrEnum):
    """The fields a condition reads (besides `custom.<name>`)."""

    CHANNEL = "channel"
    REQUESTER_EMAIL = "requester_email"
    REQUESTER_DOMAIN = "requester_domain"
    SUBJECT = "subject"
    BODY = "body"
    SUBJECT_OR_BODY = "subject_or_body"
    FORM_CATEGORY = "form_category"
    LANGUAGE = "language"
    TAGS = "tags"
    PRIORITY = "priority"


class Operator(StrEnum):
    IS = "is"
    IS_NOT = "is_not"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    MATCHES = "matches"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    IN = "in"


_NEGATIVE = {Operator.IS_NOT: Operator.IS, Operator.NOT_CONTAINS: Operator.CONTAINS}

Value = Annotated[str, StringConstraints(min_length=1, max_length=MAX_VALUE)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
GroupName = Annotated[str, StringConstraints(pattern=GROUP_NAME.pattern)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-:.]*$")]
AgentId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:@\-]+$")]
TypeName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\- ]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _options() -> re2.Options:
    import re2

    options = re2.Options()
    options.case_sensitive = False
    options.max_mem = MAX_PATTERN_MEMORY
    options.log_errors = False
    return options


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re2._Regexp:
    """A `matches` pattern compiled by RE2 (case-insensitive); raises ValueError with RE2's reason."""
    import re2

    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(f"pattern {pattern!r} does not compile: {reason}") from None


@functools.lru_cache(maxsize=2048)
def _word(value: str) -> re.Pattern[str]:
    """A whole word or phrase, case-insensitively, on word boundaries (the value is a literal: no pattern)."""
    return re.compile(rf"(?<!\w){re.escape(value.strip())}(?!\w)", re.IGNORECASE)


class Condition(_Strict):
    field: str = Field(
        description="channel, requester_email, requester_domain, subject, body, subject_or_body, form_category, "
        "language, tags, priority, or custom.<name>",
        max_length=71,
    )
    operator: Operator
    value: Value | Annotated[list[Value], Field(min_length=1, max_length=MAX_VALUES)]

    @field_validator("field")
    @classmethod
    def _known_field(cls, name: str) -> str:
        if name in Subject.__members__.values():
            return name
        if name.startswith(CUSTOM_PREFIX) and _CUSTOM_NAME.match(name[len(CUSTOM_PREFIX) :]):
            return name
        known = ", ".join(s.value for s in Subject)
        raise ValueError(f"unknown field {name!r}: one of {known}, or custom.<name> (letters, digits, '_')")

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Condition:
        if self.operator is Operator.IN and not isinstance(self.value, list):
            raise ValueError("operator 'in' takes a list of values")
        if self.operator is Operator.MATCHES:
            if isinstance(self.value, list):
                raise ValueError("operator 'matches' takes one pattern, not a list")
            compile_pattern(self.value)
        return self

    @property
    def values(self) -> list[str]:
        return self.value if isinstance(self.value, list) else [self.value]


class Conditions(_Strict):
    all: list[Condition] = Field(default_factory=list, max_length=MAX_CONDITIONS)
    any: list[Condition] = Field(default_factory=list, max_length=MAX_CONDITIONS)

    @model_validator(mode="after")
    def _not_empty(self) -> Conditions:
        if not self.all and not self.any:
            raise ValueError("a rule needs at least one condition (in `all` or `any`)")
        return self


class Actions(_Strict):
    group: GroupName | None = None
    priority: Priority | None = None
    type: TypeName | None = None
    tags_add: list[Tag] = Field(default_factory=list, max_length=20)
    assignee: AgentId | None = None

    @model_validator(mode="after")
    def _does_something(self) -> Actions:
        if not (self.group or self.priority or self.type or self.tags_add or self.assignee):
            raise ValueError("a rule needs at least one action (group, priority, type, tags_add or assignee)")
        return self


class RuleIn(_Strict):
    """What an admin sends to create or replace a rule (the id, position and version are the server's)."""

    name: Name
    enabled: bool = True
    conditions: Conditions
    actions: Actions


class Rule(RuleIn):
    id: str
    position: int = 0
    version: int = 0


Mode = Literal["first", "all"]


class RoutingSettings(_Strict):
    mode: Mode = "first"  # stop at the first matching rule, or apply every matching rule in order
    default_group: GroupName  # where a ticket goes when no rule picks a group
    version: int = 0  # 0: never saved (the default group is then the data settings' one)


# --- what a condition reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the rules see of a ticket: its fields and its first message."""

    channel: str = ""
    requester_email: str = ""
    subject: str = ""
    body: str = ""
    form_category: str = ""
    language: str = ""
    tags: tuple[str, ...] = ()
    priority: str = ""
    custom: dict[str, Any] = field(default_factory=dict)

    def read(self, name: str) -> list[str]:
        """The texts a condition on `name` looks at (several for tags: a condition holds for any of them)."""
        if name.startswith(CUSTOM_PREFIX):
            value = self.custom.get(name[len(CUSTOM_PREFIX) :])
            if value is None:
                return [""]
            return [("true" if value else "false") if isinstance(value, bool) else str(value)]
        subject = Subject(name)
        if subject is Subject.TAGS:
            return list(self.tags)
        if subject is Subject.REQUESTER_DOMAIN:
            return [self.requester_email.rpartition("@")[2]]
        if subject is Subject.SUBJECT_OR_BODY:
            return [self.subject[:MAX_MATCHED_TEXT], self.body[:MAX_MATCHED_TEXT]]
        text = str(getattr(self, subject.value))
        return [text[:MAX_MATCHED_TEXT]]


def _holds(operator: Operator, text: str, value: str) -> bool:
    """A positive operator on one text and one value."""
    if operator is Operator.MATCHES:
        return compile_pattern(value).search(text) is not None
    if operator is Operator.CONTAINS:
        return _word(value).search(text) is not None
    left, right = text.strip().casefold(), value.strip().casefold()
    if operator in (Operator.IS, Operator.IN):
        return left == right
    if operator is Operator.STARTS_WITH:
        return left.startswith(right)
    if operator is Operator.ENDS_WITH:
        return left.endswith(right)
    raise ValueError(f"operator {operator} has no positive form")


def condition_holds(condition: Condition, facts: Facts) -> bool:
    positive = _NEGATIVE.get(condition.operator, condition.operator)
    found = any(_holds(positive, text, value) for text in facts.read(condition.field) for value in condition.values)
    return not found if condition.operator in _NEGATIVE else found


def rule_matches(rule: RuleIn, facts: Facts) -> bool:
    c = rule.conditions
    return all(condition_holds(x, facts) for x in c.all) and (
        not c.any or any(condition_holds(x, facts) for x in c.any)
    )


# --- a rule set on one ticket ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a rule set decides for one ticket: the rules that matched, in order, and the fields they set."""

    matched: tuple[Rule, ...]
    group: str  # the last matching rule's group, else the default group
    priority: Priority | None = None
    type: str | None = None
    assignee: str | None = None
    tags_add: tuple[str, ...] = ()
    default_group_used: bool = False


def ordered(rules: Iterable[Rule]) -> list[Rule]:
    return sorted(rules, key=lambda r: (r.position, r.id))


def evaluate(rules: Sequence[Rule], settings: RoutingSettings, facts: Facts) -> Outcome:
    """The enabled rules in position order against the facts; `first` stops at the first match, `all` applies every
    match (later values win, tags add up). No rule setting a group: the default group."""
    matched: list[Rule] = []
    for rule in ordered(rules):
        if rule.enabled and rule_matches(rule, facts):
            matched.append(rule)
            if settings.mode == "first":
                break
    group = priority = kind = assignee = None
    tags: dict[str, None] = {}
    for rule in matched:
        a = rule.actions
        group = a.group or group
        priority = a.priority or priority
        kind = a.type or kind
        assignee = a.assignee or assignee
        tags.update(dict.fromkeys(t.lower() for t in a.tags_add))
    return Outcome(
        matched=tuple(matched),
        group=group or settings.default_group,
        priority=priority,
        type=kind,
        assignee=assignee,
        tags_add=tuple(tags),
        default_group_used=group is None,
    )
