"""OpenID Connect sign-in with Authlib (issue 23): `/sso/login` -> provider -> `/sso/callback`.

Authlib does the protocol: discovery (`<issuer>/.well-known/openid-configuration`), the
authorization code flow with PKCE (S256), `state` (kept in the session, single use: a
replayed callback finds none) and `nonce`, and the ID token's checks: signature against the
provider's JWKS (an unknown key id makes it fetch the JWKS again, so a key rotation needs
no restart), issuer, audience (our client id, asked for explicitly: Authlib checks it
only when told) and expiry. Nothing of that is written here.

What happens with the verified claims (account, roles, refusals) is
app.services.accounts.sso. The session that follows is an ordinary one: the same idle and
absolute limits, lockout and logout revocation as a password login (app.security.sessions).
At logout, when the provider publishes an `end_session_endpoint`, the page offers it.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, redirect, render_template, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import no_cache
from flask_login import login_user
from joserfc.errors import JoseError

from app.extensions import db
from app.security.redirects import safe_next_path
from app.services.accounts import login_security, sso

log = logging.getLogger(__name__)

PROVIDER = "oidc"
EXTENSION_KEY = "mssp_oidc"
#: Session keys: the page to open after the callback; that this session came from SSO;
#: the ID token, as the end-session endpoint's hint (only when small enough for the cookie).
NEXT_KEY = "mssp_sso_next"
SSO_SESSION_KEY = "mssp_sso"
ID_TOKEN_KEY = "mssp_sso_id_token"
MAX_ID_TOKEN_HINT = 2000
#: Clock skew allowed on exp/iat, seconds (Authlib's default is 120).
LEEWAY_SECONDS = 60
PROTOCOL_FAILURE = "Single sign-on failed; please try again."


def oidc_enabled(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("MSSP_OIDC_ISSUER"))


def discovery_url(config: Any) -> str:
    return config.get("MSSP_OIDC_DISCOVERY_URL") or (
        config["MSSP_OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration"
    )


def init_oidc(app: Flask) -> None:
    """Register the provider with Authlib (nothing is fetched until the first login)."""
    if not oidc_enabled(app):
        return
    config = app.config
    oauth = OAuth(app)
    client = oauth.register(
        PROVIDER,
        client_id=config["MSSP_OIDC_CLIENT_ID"],
        client_secret=config["MSSP_OIDC_CLIENT_SECRET"],
        server_metadata_url=discovery_url(config),
        client_kwargs={
            "scope": config.get("MSSP_OIDC_SCOPES") or "openid email profile",
            "code_challenge_method": "S256",
            "timeout": config.get("MSSP_OIDC_TIMEOUT_SECONDS") or 10,
        },
    )
    app.extensions[EXTENSION_KEY] = client


def oidc_client() -> Any:
    return current_app.extensions[EXTENSION_KEY]


def claims_options() -> dict[str, Any]:
    """What the ID token must say: our issuer, our client id as audience, an expiry."""
    metadata = oidc_client().load_server_metadata()
    config = current_app.config
    return {
        "iss": {"essential": True, "value": metadata.get("issuer") or config["MSSP_OIDC_ISSUER"]},
        "aud": {"essential": True, "value": config["MSSP_OIDC_CLIENT_ID"]},
        "exp": {"essential": True},
    }


def end_session_url() -> str | None:
    """The provider's end-session URL for this session, when it publishes one."""
    if not oidc_enabled():
        return None
    try:
        client = oidc_client()
        if not client.load_server_metadata().get("end_session_endpoint"):
            return None
        return client.create_logout_url(
            post_logout_redirect_uri=url_for("SsoView.login", _external=True),
            id_token_hint=session.get(ID_TOKEN_KEY),
            client_id=current_app.config["MSSP_OIDC_CLIENT_ID"],
        )["url"]
    except (AuthlibBaseError, requests.RequestException, RuntimeError, ValueError):
        return None


class SsoView(BaseView):
    """The two legs of the sign-in; open to anyone (they are how one signs in)."""

    route_base = "/sso"
    default_view = "login"
    # No permission: FAB adds none for a view without @has_access routes.
    base_permissions: list[str] = []

    @expose("/login")
    @no_cache
    def login(self):
        next_path = safe_next_path(request.args.get("next"))
        if next_path:
            session[NEXT_KEY] = next_path
        else:
            session.pop(NEXT_KEY, None)
        try:
            return oidc_client().authorize_redirect(url_for("SsoView.callback", _external=True))
        except (AuthlibBaseError, requests.RequestException, ValueError, KeyError) as error:
            log.warning("single sign-on unavailable: %s", error)
            return self._refused("The identity provider cannot be reached; try again later, or "
                                 "ask an administrator.", status=503)

    @expose("/callback")
    @no_cache
    def callback(self):
        try:
            token = oidc_client().authorize_access_token(
                claims_options=claims_options(), leeway=LEEWAY_SECONDS
            )
            claims = token.get("userinfo")
            if not claims:
                raise ValueError("no ID token in the token response")
        except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError) as error:
            return self._protocol_failure(error)
        settings = sso.SsoSettings.from_config(current_app.config)
        sm = self.appbuilder.sm
        try:
            identity = sso.identity_from_claims(claims, settings)
            user = sso.sign_in(
                identity, settings, lockout=sm.lockout_policy, password_method=sm.password_hash_method
            )
        except sso.SsoRefused as refusal:
            db.session.commit()  # the refusal's audit event (and roles taken away)
            log.info("single sign-on refused: %s", refusal.reason)
            return self._refused(refusal.message, status=403)
        sm.update_user_auth_stat(user, True)  # records the login and commits
        next_path = session.pop(NEXT_KEY, None)
        login_user(user, remember=False)  # starts a fresh, stamped session
        session[SSO_SESSION_KEY] = True
        id_token = token.get("id_token") or ""
        if len(id_token) <= MAX_ID_TOKEN_HINT:
            session[ID_TOKEN_KEY] = id_token
        return redirect(next_path or self.appbuilder.get_url_for_index)

    def _protocol_failure(self, error: BaseException):
        db.session.rollback()
        reason = f"single sign-on failed: {type(error).__name__}: {error}"[:300]
        login_security.register_refused_login(None, "", reason=reason)
        db.session.commit()
        log.warning(reason)
        return self._refused(PROTOCOL_FAILURE, status=401)

    def _refused(self, message: str, status: int):
        page = render_template(
            "security/sso_refused.html", message=message, appbuilder=self.appbuilder,
            base_template=self.appbuilder.base_template,
        )
        return page, status
