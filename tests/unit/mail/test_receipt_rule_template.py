"""The SES receipt rule in template.yaml: S3 first, then the function, asynchronously, with the permissions."""

from __future__ import annotations

from loket_local.template import resources_of_type


def test_receipt_rule_stores_to_s3_then_invokes_function_asynchronously() -> None:
    (rule,) = resources_of_type("AWS::SES::ReceiptRule").values()
    props = rule["Properties"]["Rule"]

    actions = props["Actions"]
    assert [next(iter(a)) for a in actions] == ["S3Action", "LambdaAction"]
    assert actions[0]["S3Action"]["BucketName"] == {"Ref": "MailBucket"}
    assert actions[0]["S3Action"]["ObjectKeyPrefix"] == "inbound/"
    assert actions[1]["LambdaAction"]["FunctionArn"] == {"Fn::GetAtt": ["InboundEmailFunction", "Arn"]}
    assert actions[1]["LambdaAction"]["InvocationType"] == "Event"
    assert props["ScanEnabled"] is True


def test_ses_may_invoke_the_function_and_write_only_under_the_prefix() -> None:
    permissions = resources_of_type("AWS::Lambda::Permission").values()
    ses = [p["Properties"] for p in permissions if p["Properties"]["Principal"] == "ses.amazonaws.com"]
    assert [p["FunctionName"] for p in ses] == [{"Ref": "InboundEmailFunction"}]

    policy = resources_of_type("AWS::S3::BucketPolicy")["MailBucketPolicy"]
    (allow,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "ses.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == {"Fn::Sub": "${MailBucket.Arn}/inbound/*"}


def test_inbound_function_reads_only_the_mail_prefix() -> None:
    function = resources_of_type("AWS::Serverless::Function")["InboundEmailFunction"]["Properties"]
    statements = function["Policies"][0]["Statement"]

    s3 = {s["Action"]: s["Resource"] for s in statements if str(s["Action"]).startswith("s3:")}
    assert s3 == {
        "s3:GetObject": {"Fn::Sub": "${MailBucket.Arn}/inbound/*"},
        "s3:PutObject": {"Fn::Sub": "${AttachmentsBucket.Arn}/inbound/*"},
    }
    assert function["Environment"]["Variables"]["MAIL_PREFIX"] == "inbound/"
