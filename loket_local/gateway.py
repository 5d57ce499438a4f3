"""The local API Gateway: HTTP requests in, HTTP API (payload 2.0) events to the same handlers, responses out.

Routes come from the functions' HttpApi events in template.yaml; protected routes check the development JWT
like the API's JWT authorizer; CORS follows the API's CorsConfiguration. Anything the template does not route
is looked up in the static console folder, then answered 404 like API Gateway.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import mimetypes
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from loket_local.auth import DevIssuer, gateway_claims
from loket_local.lambdas import FunctionError, FunctionRuntime
from loket_local.template import Route

log = logging.getLogger("local-stack")

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
_TEXT_TYPES = re.compile(r"^(text/.*|application/(.*[+/])?(json|xml|javascript)|application/graphql)$")
for _ext, _type in (
    (".js", "text/javascript"),
    (".mjs", "text/javascript"),
    (".css", "text/css"),
    (".svg", "image/svg+xml"),
    (".woff2", "font/woff2"),
    (".webmanifest", "application/manifest+json"),
    (".map", "application/json"),
):
    mimetypes.add_type(_type, _ext)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status=status, headers=headers or {}, content_type="application/json")


@dataclass
class CompiledRoute:
    route: Route
    regex: re.Pattern[str] | None  # None: the $default route
    names: tuple[str, ...]
    rank: tuple[int, int, int]

    @classmethod
    def of(cls, route: Route) -> CompiledRoute:
        if route.path == "$default":
            return cls(route, None, (), (2, 0, 0))
        pattern, names, greedy, literals = "", [], 0, 0
        for part in route.path.strip("/").split("/"):
            match = re.fullmatch(r"\{([^}]+)\}", part)
            if not part:
                continue
            if match:
                name = match.group(1)
                greedy_part = name.endswith("+")
                names.append(name.rstrip("+"))
                pattern += f"/(?P<p{len(names) - 1}>{'.+' if greedy_part else '[^/]+'})"
                greedy |= greedy_part
            else:
                pattern += "/" + re.escape(part)
                literals += 1
        return cls(route, re.compile((pattern or "/") + "$"), tuple(names), (int(greedy), len(names), -literals))

    def match(self, path: str) -> dict[str, str] | None:
        if self.regex is None:
            return {}
        found = self.regex.match(path)
        if not found:
            return None
        return {name: found.group(f"p{i}") for i, name in enumerate(self.names)}


class Gateway:
    def __init__(
        self,
        routes: list[Route],
        cors: dict[str, Any],
        runtime: FunctionRuntime,
        issuer: DevIssuer,
        frontend_dir: Path,
        dev: Callable[[Request], Response | None] | None = None,
    ) -> None:
        self.routes = sorted((CompiledRoute.of(r) for r in routes), key=lambda c: c.rank)
        self.cors = cors  # API logical id -> resolved CorsConfiguration (dict), or absent
        self.runtime = runtime
        self.issuer = issuer
        self.frontend_dir = frontend_dir.resolve()
        self.dev = dev

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        begin = time.monotonic()
        try:
            response, target = self.handle(request)
        except Exception:
            log.exception("gateway error on %s %s", request.method, request.path)
            response, target = json_response(500, {"message": "Internal Server Error"}), "gateway"
        if not request.path.startswith("/_local/") or response.status_code >= 400:
            log.info(
                "%s %s -> %s (%s, %.0f ms)",
                request.method,
                request.full_path.rstrip("?"),
                response.status_code,
                target,
                (time.monotonic() - begin) * 1000,
            )
        return response(environ, start_response)

    def handle(self, request: Request) -> tuple[Response, str]:
        if request.path.startswith("/_local/") or request.path == "/_local":
            response = self.dev(request) if self.dev else None
            return response or json_response(404, {"message": "Not Found"}), "local"
        path_matches = [(c, params) for c in self.routes if (params := c.match(request.path)) is not None]
        if (
            request.method == "OPTIONS"
            and request.headers.get("Origin")
            and request.headers.get("Access-Control-Request-Method")
        ):
            api = path_matches[0][0].route.api if path_matches else next(iter(self.cors), None)
            if api in self.cors:
                return self._preflight(request, self.cors[api]), "cors"
        for compiled, params in path_matches:
            if compiled.route.method in ("ANY", request.method) and compiled.regex is not None:
                return self._route(request, compiled.route, params), compiled.route.function
        if request.method in ("GET", "HEAD"):
            static = self._static(request.path)
            if static is not None:
                return static, "static"
        for compiled, params in path_matches:
            if compiled.regex is None:
                return self._route(request, compiled.route, params), compiled.route.function
        return json_response(404, {"message": "Not Found"}), "no route"

    # ------------------------------------------------------------------ routes
    def _route(self, request: Request, route: Route, params: dict[str, str]) -> Response:
        length = request.content_length or 0
        if length > MAX_BODY:
            return json_response(413, {"message": "Request Entity Too Large"})
        claims: dict[str, Any] | None = None
        if route.authorizer is not None:
            claims = self._authorize(request, route)
            if claims is None:
                return self._with_cors(request, route.api, json_response(401, {"message": "Unauthorized"}))
            granted = set(str(claims.get("scope", "")).split())
            if route.scopes and not granted.intersection(route.scopes):
                return self._with_cors(request, route.api, json_response(403, {"message": "Forbidden"}))
        event = self.build_event(request, route, params, claims)
        try:
            result = self.runtime.invoke(route.function, event, source=f"http {route.route_key}")
        except FunctionError:
            return self._with_cors(request, route.api, json_response(500, {"message": "Internal Server Error"}))
        return self._with_cors(request, route.api, self.to_response(result))

    def _authorize(self, request: Request, route: Route) -> dict[str, Any] | None:
        assert route.authorizer is not None
        source = route.authorizer.identity_source or "$request.header.Authorization"
        header = source.rsplit(".", 1)[-1] if source.startswith("$request.header.") else "Authorization"
        value = (request.headers.get(header) or "").strip()
        if value.lower().startswith("bearer "):
            value = value[7:].strip()
        if not value:
            return None
        return self.issuer.verify(value)

    @staticmethod
    def build_event(
        request: Request, route: Route, params: dict[str, str], claims: dict[str, Any] | None
    ) -> dict[str, Any]:
        """An API Gateway HTTP API payload 2.0 event for this request."""
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        cookie_header = headers.pop("cookie", None)
        # what API Gateway adds in front of the function (the local gateway speaks plain HTTP)
        headers.setdefault("x-forwarded-for", request.remote_addr or "127.0.0.1")
        headers.setdefault("x-forwarded-port", str(request.environ.get("SERVER_PORT", "")))
        headers.setdefault("x-forwarded-proto", request.scheme)
        raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
        raw_query = str(raw_uri).partition("?")[2]
        query: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        body = request.get_data(cache=False)
        content_type = (request.mimetype or "").lower()
        now = dt.datetime.now(dt.UTC)
        host = headers.get("host", "localhost")
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.route_key,
            # an HTTP API hands the function the path percent-decoded, `rawPath` too (the query stays raw)
            "rawPath": request.path,
            "rawQueryString": raw_query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": host,
                "domainPrefix": host.split(".")[0].split(":")[0],
                "http": {
                    "method": request.method,
                    "path": request.path,
                    "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                    "sourceIp": request.remote_addr or "127.0.0.1",
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("=").lower(),
                "routeKey": route.route_key,
                "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(now.timestamp() * 1000),
            },
            "isBase64Encoded": False,
        }
        if cookie_header:
            event["cookies"] = [c.strip() for c in cookie_header.split(";") if c.strip()]
        if query:
            event["queryStringParameters"] = query
        if params:
            event["pathParameters"] = params
        if claims is not None:
            event["requestContext"]["authorizer"] = {
                "jwt": {
                    "claims": gateway_claims(claims),
                    "scopes": str(claims["scope"]).split() if claims.get("scope") else None,
                }
            }
        if body:
            if content_type and _TEXT_TYPES.match(content_type):
                event["body"] = body.decode("utf-8", errors="replace")
            else:
                event["body"] = base64.b64encode(body).decode()
                event["isBase64Encoded"] = True
        return event

    @staticmethod
    def to_response(result: Any) -> Response:
        """A Lambda result as API Gateway turns it into HTTP (payload 2.0 rules)."""
        if isinstance(result, dict) and "statusCode" in result:
            raw = result.get("body")
            body = b"" if raw is None else str(raw).encode()
            if result.get("isBase64Encoded") and raw is not None:
                body = base64.b64decode(str(raw))
            response = Response(body, status=int(result["statusCode"]))
            response.headers.pop("Content-Type", None)
            for name, value in (result.get("headers") or {}).items():
                response.headers[name] = str(value)
            for name, values in (result.get("multiValueHeaders") or {}).items():
                for value in values:
                    response.headers.add(name, str(value))
            for cookie in result.get("cookies") or []:
                response.headers.add("Set-Cookie", cookie)
            if "content-type" not in {k.lower() for k, _ in response.headers.items()} and body:
                response.headers["Content-Type"] = "application/json"
            return response
        return json_response(200, result)

    # ------------------------------------------------------------------ CORS
    def _allowed_origin(self, origin: str, conf: dict[str, Any]) -> str | None:
        origins = [str(o) for o in conf.get("AllowOrigins") or []]
        if "*" in origins:
            return "*"
        return origin if origin in origins else None

    def _preflight(self, request: Request, conf: dict[str, Any]) -> Response:
        response = Response(status=204)
        allowed = self._allowed_origin(request.headers.get("Origin", ""), conf)
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = allowed
            methods = [str(m) for m in conf.get("AllowMethods") or ["*"]]
            response.headers["Access-Control-Allow-Methods"] = ",".join(methods)
            requested = request.headers.get("Access-Control-Request-Headers", "")
            allow_headers = [str(h) for h in conf.get("AllowHeaders") or []]
            response.headers["Access-Control-Allow-Headers"] = (
                requested if "*" in allow_headers else ",".join(allow_headers)
            )
            if conf.get("MaxAge") is not None:
                response.headers["Access-Control-Max-Age"] = str(conf["MaxAge"])
            if str(conf.get("AllowCredentials", "")).lower() == "true":
                response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    def _with_cors(self, request: Request, api: str, response: Response) -> Response:
        conf = self.cors.get(api)
        origin = request.headers.get("Origin")
        if not conf or not origin:
            return response
        allowed = self._allowed_origin(origin, conf)
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = allowed
            if conf.get("ExposeHeaders"):
                response.headers["Access-Control-Expose-Headers"] = ",".join(str(h) for h in conf["ExposeHeaders"])
            if str(conf.get("AllowCredentials", "")).lower() == "true":
                response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers.add("Vary", "Origin")
        return response

    # ------------------------------------------------------------------ static console
    def _static(self, path: str) -> Response | None:
        if not self.frontend_dir.is_dir():
            if path == "/":
                return Response(
                    "<!doctype html><title>Loket</title><p>No console yet (frontend/ is empty). "
                    'See <a href="/_local/">/_local/</a>.',
                    content_type="text/html; charset=utf-8",
                )
            return None
        target = (self.frontend_dir / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.frontend_dir):
            return None
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return None
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/json", "image/svg+xml", "application/manifest+json"):
            kind += "; charset=utf-8"
        return Response(target.read_bytes(), content_type=kind, headers={"Cache-Control": "no-cache"})


def resolve_cors(apis: dict[str, Any], resolve: Callable[[Any], Any]) -> dict[str, dict[str, Any]]:
    """Each API's CorsConfiguration with expressions resolved; `true` means allow everything, as in SAM."""
    out = {}
    for name, api in apis.items():
        if api.cors is True or str(api.cors).lower() == "true":
            out[name] = {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
        elif isinstance(api.cors, dict):
            out[name] = resolve(api.cors)
    return out
