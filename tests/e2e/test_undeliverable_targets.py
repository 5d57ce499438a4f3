"""Nothing may silently stop: a rule or Pipe target the local stack cannot deliver to fails the start, with the
reason, instead of dropping what would reach it."""

from __future__ import annotations

from pathlib import Path

import pytest

from loket_local.bus import Undeliverable
from tests.e2e.conftest import ROOT, start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("own_stacks")]


def _template(tmp_path: Path, change: str, to: str) -> Path:
    text = (ROOT / "template.yaml").read_text()
    assert change in text
    path = tmp_path / "template.yaml"
    path.write_text(text.replace(change, to))
    for folder in ("functions", "shared", "events"):  # the code the template points at, where it expects it
        (tmp_path / folder).symlink_to(ROOT / folder)
    return path


@pytest.mark.parametrize(
    ("change", "to", "reason"),
    [
        (
            "        - Id: notifier-queue\n          Arn: !GetAtt NotifierQueue.Arn",
            '        - Id: notifier-queue\n          Arn: !Sub "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:no-such-queue"',
            "rule NotifierRule target notifier-queue: the queue arn:aws:sqs:",
        ),
        (
            "      Target: !GetAtt TicketsBus.Arn",
            "      Target: !Ref AlarmTopic",
            "pipe TicketEventsPipe: target arn:aws:sns:",
        ),
    ],
    ids=["rule-to-missing-queue", "pipe-to-topic"],
)
def test_a_target_the_stack_cannot_deliver_to_fails_the_start_with_the_reason(
    tmp_path: Path, change: str, to: str, reason: str
) -> None:
    template = _template(tmp_path, change, to)

    with pytest.raises(Undeliverable) as caught:
        start_stack(tmp_path / "state", template)

    assert reason in str(caught.value)
