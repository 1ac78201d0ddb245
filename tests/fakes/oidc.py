"""A local OpenID Connect provider for the SSO tests (issue 23), on the fake server base.

It serves discovery, a JWKS, an authorization endpoint that signs the person in at once
(whoever `next_person` says), a token endpoint that checks the client's secret, the code,
the redirect URI and the PKCE verifier, and an end-session endpoint. Keys are RSA (joserfc);
`rotate()` publishes a new key and signs with it from then on. `tamper` lets a test ask for
a bad ID token: another audience, an expired one, a wrong nonce, an unpublished key.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.fakes.server import FakeServer, Recorded, Reply

CLIENT_ID = "mssp-test-client"
CLIENT_SECRET = "fake-provider-client-secret"


@dataclass
class Person:
    sub: str = "sub-alice"
    email: str = "alice@corp.example"
    email_verified: bool = True
    given_name: str = "Alice"
    family_name: str = "Ng"
    groups: list[str] = field(default_factory=lambda: ["soc-managers"])


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class FakeOidcProvider(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[str, RSAKey] = {"key-1": new_key("key-1")}
        self.signing_kid = "key-1"
        self.published = ["key-1"]
        self.next_person = Person()
        #: One-shot changes to the next ID token: {"aud": ..., "exp": ..., "nonce": ..., "key": RSAKey}
        self.tamper: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}

    # ---- what a test changes ----------------------------------------------------------

    def rotate(self) -> str:
        """Publish a new key beside the old one and sign with it from now on."""
        kid = f"key-{len(self.keys) + 1}"
        self.keys[kid] = new_key(kid)
        self.published.append(kid)
        self.signing_kid = kid
        return kid

    @property
    def issuer(self) -> str:
        return self.url

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "end_session_endpoint": f"{self.url}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    # ---- endpoints ----------------------------------------------------------------------

    def route(self, request: Recorded) -> Reply:
        if request.path == "/.well-known/openid-configuration":
            return Reply(200, self.metadata())
        if request.path == "/jwks":
            return Reply(200, {"keys": [self.keys[k].as_dict(private=False) for k in self.published]})
        if request.path == "/authorize":
            return self.authorize(request.query)
        if request.path == "/token" and request.method == "POST":
            return self.token(request)
        if request.path == "/logout":
            return Reply(200, "signed out")
        return Reply(404, {"error": "not_found"})

    def authorize(self, query: dict[str, str]) -> Reply:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return Reply(400, {"error": "invalid_request"})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return Reply(400, {"error": "invalid_request", "error_description": "PKCE required"})
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "challenge": query["code_challenge"],
            "nonce": query.get("nonce"),
            "person": self.next_person,
        }
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return Reply(302, "", {"Location": location})

    def token(self, request: Recorded) -> Reply:
        form = {k: v[-1] for k, v in parse_qs(request.body if isinstance(request.body, str) else "").items()}
        if not self._client_authenticated(request.headers, form):
            return Reply(401, {"error": "invalid_client"})
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return Reply(400, {"error": "invalid_grant"})
        if create_s256_code_challenge(form.get("code_verifier", "")) != grant["challenge"]:
            return Reply(400, {"error": "invalid_grant", "error_description": "PKCE verifier mismatch"})
        return Reply(200, {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant["person"], grant["nonce"]),
        })

    def _client_authenticated(self, headers: dict[str, str], form: dict[str, str]) -> bool:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            return user == CLIENT_ID and password == CLIENT_SECRET
        return form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET

    def id_token(self, person: Person, nonce: str | None) -> str:
        now = int(time.time())
        tamper, self.tamper = self.tamper, {}
        claims = {
            "iss": self.issuer,
            "sub": person.sub,
            "aud": tamper.get("aud", CLIENT_ID),
            "iat": now,
            "exp": tamper.get("exp", now + 300),
            "nonce": tamper.get("nonce", nonce),
            "email": person.email,
            "email_verified": person.email_verified,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "groups": person.groups,
        }
        key = tamper.get("key") or self.keys[self.signing_kid]
        kid = key.kid
        return jwt.encode({"alg": "RS256", "kid": kid}, claims, key)
