"""EventBridge event patterns, matched the way EventBridge matches them (rules, Pipe filters, ESM filters).

What is implemented, from the EventBridge pattern language:
- a pattern is a JSON object; nested objects follow nested fields; a leaf is a list of matchers, any of
  which may match (an empty list matches nothing);
- matchers: a literal (string, number, true/false, null: equal value), `{"prefix": "x"}`,
  `{"suffix": "x"}`, `{"equals-ignore-case": "x"}`, `{"anything-but": v | [v...] | {"prefix": "x"}}`,
  `{"exists": true|false}`, `{"numeric": [">", 0, "<=", 5]}` (operators `=`, `<`, `<=`, `>`, `>=`);
- arrays in the event: a field whose value is an array matches when any element matches, and a nested
  pattern over an array of objects matches when any element matches it (EventBridge flattens arrays);
- `{"$or": [pattern, ...]}` at any level.

Anything else in a pattern is refused when the pattern is loaded (`PatternError`), so a pattern the local
stack cannot honour stops `make run` at start rather than matching wrongly.
"""

from __future__ import annotations

import json
from typing import Any

_MISSING = object()
_NUMERIC_OPS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class PatternError(ValueError):
    """A pattern that is not valid, or uses what this matcher does not implement."""


class EventPattern:
    def __init__(self, pattern: dict[str, Any]) -> None:
        _check(pattern, "")
        self.pattern = pattern

    @classmethod
    def load(cls, raw: str | dict[str, Any]) -> EventPattern:
        try:
            pattern = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError as exc:
            raise PatternError(f"not JSON: {exc}") from exc
        if not isinstance(pattern, dict):
            raise PatternError("a pattern is a JSON object")
        return cls(pattern)

    def matches(self, event: Any) -> bool:
        return _match_object(self.pattern, event)

    matches_event = matches  # the name moto's EventPattern uses


def _check(pattern: dict[str, Any], where: str) -> None:
    for key, value in pattern.items():
        path = f"{where}.{key}" if where else key
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(p, dict) for p in value):
                raise PatternError(f"{path}: $or takes a list of at least two patterns")
            for alternative in value:
                _check(alternative, where)
        elif isinstance(value, dict):
            _check(value, path)
        elif isinstance(value, list):
            for matcher in value:
                _check_matcher(matcher, path)
        else:
            raise PatternError(f"{path}: a pattern's values are objects or lists of matchers, not {value!r}")


def _check_matcher(matcher: Any, path: str) -> None:
    if matcher is None or isinstance(matcher, str | int | float | bool):
        return
    if not isinstance(matcher, dict) or len(matcher) != 1:
        raise PatternError(f"{path}: a matcher is a literal or an object with one operator, not {matcher!r}")
    [(op, arg)] = matcher.items()
    if op in ("prefix", "suffix", "equals-ignore-case"):
        if not isinstance(arg, str):
            raise PatternError(f"{path}: {op} takes a string")
    elif op == "exists":
        if not isinstance(arg, bool):
            raise PatternError(f"{path}: exists takes true or false")
    elif op == "anything-but":
        if isinstance(arg, dict):
            if set(arg) != {"prefix"} or not isinstance(arg["prefix"], str):
                raise PatternError(f"{path}: anything-but takes a value, a list of values or {{'prefix': ...}}")
        elif not isinstance(arg, list | str | int | float) or isinstance(arg, bool):
            raise PatternError(f"{path}: anything-but takes a value, a list of values or {{'prefix': ...}}")
    elif op == "numeric":
        if not isinstance(arg, list) or len(arg) not in (2, 4):
            raise PatternError(f"{path}: numeric takes [op, n] or [op, n, op, n]")
        for i in range(0, len(arg), 2):
            number = arg[i + 1]
            if arg[i] not in _NUMERIC_OPS or not isinstance(number, int | float) or isinstance(number, bool):
                raise PatternError(f"{path}: numeric takes [op, n] or [op, n, op, n] with op in {list(_NUMERIC_OPS)}")
    else:
        raise PatternError(f"{path}: the operator {op!r} is not implemented locally")


def _match_object(pattern: dict[str, Any], event: Any) -> bool:
    if isinstance(event, list):  # a nested pattern over an array of objects: any element
        return any(_match_object(pattern, item) for item in event)
    for key, sub in pattern.items():
        if key == "$or":
            if not any(_match_object(alternative, event) for alternative in sub):
                return False
            continue
        value = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(sub, dict):
            if not _match_object(sub, {} if value is _MISSING else value):  # only `exists: false` matches nothing
                return False
        elif not _match_leaf(sub, value):
            return False
    return True


def _match_leaf(matchers: list[Any], value: Any) -> bool:
    for matcher in matchers:
        if isinstance(matcher, dict) and "exists" in matcher:
            if (value is not _MISSING) is matcher["exists"]:
                return True
            continue
        if value is _MISSING:
            continue
        values = value if isinstance(value, list) else [value]
        if any(_match_one(matcher, v) for v in values):
            return True
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _literal_equal(literal: Any, value: Any) -> bool:
    if _is_number(literal) and _is_number(value):
        return float(literal) == float(value)
    return type(literal) is type(value) and literal == value


def _match_one(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return _literal_equal(matcher, value)
    [(op, arg)] = matcher.items()
    if op == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    if op == "suffix":
        return isinstance(value, str) and value.endswith(arg)
    if op == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == arg.casefold()
    if op == "anything-but":
        if isinstance(arg, dict):
            return isinstance(value, str) and not value.startswith(arg["prefix"])
        excluded = arg if isinstance(arg, list) else [arg]
        return not any(_literal_equal(x, value) for x in excluded)
    if op == "numeric":
        if not _is_number(value):
            return False
        return all(_NUMERIC_OPS[arg[i]](value, arg[i + 1]) for i in range(0, len(arg), 2))
    return False
