"""The local development issuer: what Cognito and the HTTP API's JWT authorizer do in AWS.

An RS256 key pair is generated once into the state folder; `make token` and /_local/login hand out ID tokens
for a development agent, lead and admin with the claims a Cognito ID token carries. /_local/login also signs in
every agent of the directory (`directory_users`): an agent the admin API created (its login made in the emulator's
user pool, whose `sub` is the agent's id) signs in with a token whose subject is that id and whose group is the
agent's role, as Cognito would issue it. The development users are directory agents too (the demo data registers
them with their subjects). The gateway
verifies them like the authorizer (signature, issuer, audience, expiry) and passes the claims to the function
as API Gateway does: every value a string, arrays rendered as "[a b]".
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://loket.localhost/dev-issuer"
AUDIENCE = "loket-local-console"
TOKEN_DAYS = 30
KEY_FILE = "dev-issuer-key.pem"


@dataclass(frozen=True)
class DevUser:
    key: str  # "agent", "lead" or "admin"; a directory agent: their id
    email: str
    name: str
    groups: tuple[str, ...]
    subject: str = ""  # a directory agent's id; the development users' is derived from their address

    @property
    def sub(self) -> str:
        return self.subject or str(uuid.uuid5(uuid.NAMESPACE_URL, f"loket-local:{self.email}"))


DEV_USERS = (
    DevUser("agent", "agent@example.com", "Dev Agent", ("agent",)),
    DevUser("lead", "lead@example.com", "Dev Lead", ("lead",)),
    DevUser("admin", "admin@example.com", "Dev Admin", ("admin",)),
)


def directory_users(dynamodb: Any, table: str) -> list[DevUser]:
    """The directory's agents who are not development users, as users who can sign in (a Query on the directory's
    partition, as the product reads it)."""
    fixed = {u.sub for u in DEV_USERS}
    found: list[DevUser] = []
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :agent)",
        ExpressionAttributeValues={":pk": {"S": "DIRECTORY"}, ":agent": {"S": "AGENT#"}},
    )
    for page in pages:
        for item in page["Items"]:
            sub = item["agent_id"]["S"]
            if sub not in fixed:
                name = item.get("name", {}).get("S", "")
                role = item.get("role", {}).get("S", "agent")
                found.append(DevUser(sub, item["email"]["S"], name, (role,), subject=sub))
    return sorted(found, key=lambda u: u.email)


class DevIssuer:
    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / KEY_FILE
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
            path.chmod(0o600)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA key: delete it (make reset) to get a new one")
        self._key = key
        self._public = key.public_key()
        self.kid = uuid.uuid5(
            uuid.NAMESPACE_URL,
            self._public.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ).hex(),
        ).hex[:16]

    def token(self, user: DevUser, lifetime_s: int = TOKEN_DAYS * 86400) -> str:
        now = int(time.time())
        claims = {
            "sub": user.sub,
            "email": user.email,
            "email_verified": True,
            "name": user.name,
            "cognito:username": user.email,
            "cognito:groups": list(user.groups),
            "iss": ISSUER,
            "aud": AUDIENCE,
            "token_use": "id",
            "auth_time": now,
            "iat": now,
            "exp": now + lifetime_s,
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def tokens(self) -> dict[str, str]:
        return {user.key: self.token(user) for user in DEV_USERS}

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a valid token, or None (bad signature, wrong issuer or audience, expired)."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._public,
                algorithms=["RS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        return claims

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._public))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}


def gateway_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as the HTTP API JWT authorizer hands them to Lambda: strings, arrays as "[a b]"."""
    out = {}
    for name, value in claims.items():
        if isinstance(value, list):
            out[name] = "[" + " ".join(str(v) for v in value) + "]"
        elif isinstance(value, bool):
            out[name] = str(value).lower()
        elif isinstance(value, dict):
            out[name] = json.dumps(value)
        else:
            out[name] = str(value)
    return out
