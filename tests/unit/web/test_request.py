"""The door of the public routes: one API Gateway event read once into a WebRequest."""

from __future__ import annotations

import base64
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from loket.channels.web.settings import WebSettings
from loket.channels.web.views import read_request
from loket.platform import config


def _event(body: str = "", b64: bool = False, query: dict[str, str] | None = None, **headers: str) -> Any:
    return APIGatewayProxyEventV2({
        "headers": headers,
        "queryStringParameters": query,
        "body": body,
        "isBase64Encoded": b64,
        "requestContext": {"domainName": "api.example.com", "http": {"sourceIp": "203.0.113.7", "userAgent": "UA/1"}},
    })  # fmt: skip


def test_the_form_field_chooses_the_language_before_the_query_and_the_header() -> None:
    form = "lang=en&name=Ayu"
    event = _event(form, query={"lang": "id", "t": "tok"}, **{"Content-Type": "application/x-www-form-urlencoded",
                                                            "Accept-Language": "id"})  # fmt: skip

    req = read_request(event, config.load(WebSettings), form=True)

    assert (req.t.lang, req.t is req.t) == ("en", True)  # built once
    assert req.form is not None and req.form.get("name") == "Ayu"
    assert (req.token, req.source_ip, req.user_agent, req.domain) == ("tok", "203.0.113.7", "UA/1", "api.example.com")
    assert req.header("content-type") == "application/x-www-form-urlencoded"


def test_without_a_form_the_query_then_the_header_choose() -> None:
    assert (
        read_request(_event(query={"lang": "en"}, **{"accept-language": "id"}), config.load(WebSettings)).t.lang == "en"
    )
    assert read_request(_event(**{"accept-language": "en-GB"}), config.load(WebSettings)).t.lang == "en"
    assert read_request(_event(query={"lang": "id"}), config.load(WebSettings)).with_lang("en").t.lang == "en"


def test_an_unreadable_body_is_none_not_an_error() -> None:
    req = read_request(_event("%%%not base64", b64=True), config.load(WebSettings), form=True)
    assert (req.body, req.form) == (None, None)

    wrong_type = read_request(_event(base64.b64encode(b"x").decode(), b64=True, **{"content-type": "text/plain"}),
                              config.load(WebSettings), form=True)  # fmt: skip
    assert wrong_type.body == b"x" and wrong_type.form is None
