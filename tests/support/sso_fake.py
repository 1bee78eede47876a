"""A local stand-in for AWS IAM Identity Center, which moto does not emulate: the SSO-OIDC
device flow and the SSO portal API on one port, speaking the rest-json wire format the SDKs use
(errors carry `x-amzn-ErrorType`, as AWS sends them).

Run: python sso_fake.py CONFIG.json   (or SSO_FAKE_CONFIG=CONFIG.json python sso_fake.py)
It binds 127.0.0.1 on a free port and prints `listening <port>` on stdout, then serves until
killed. Every request is appended to the JSON-lines file named by `log` (secrets left out).

Config keys (all optional):
  accounts         [{"id", "name", "email", "roles": [...]}]  what the user may reach
  page_size        accounts/roles per page when the client sends no max_result (default 100)
  pending_polls    CreateToken answers authorization_pending this many times per device code
  slow_down        answer slow_down once per device code (after the pending polls)
  outcome          "approve" (default), "expired" or "denied": how the device flow ends
  interval         polling interval the device authorization asks for (seconds, default 1)
  refresh_tokens   issue refresh tokens with access tokens (default true)
  token_expires_in access token lifetime in seconds (default 28800)
  credentials_expire_in  role credentials lifetime in seconds (default 3600)
  latency_ms       delay before every answer (default 0; env SSO_FAKE_LATENCY_MS overrides)
  refresh_delay_ms delay before a refresh-token CreateToken spends the token (default 0), so
                   two runs renewing at once overlap; refresh tokens are single-use
  fail             {"<path>": status}: that route answers this HTTP error instead (500:
                   InternalServerException, 429: TooManyRequestsException, else
                   InvalidRequestException)
  log              path of the request log
`POST /_fake/config` merges a JSON object into the config at run time (not logged).
"""

import hashlib
import itertools
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
COUNTER = itertools.count(1)
CONFIG = {}
CLIENTS = {}  # clientId -> clientSecret
DEVICES = {}  # deviceCode -> {"clientId", "polls", "slowed", "done"}
ACCESS_TOKENS = set()
REFRESH_TOKENS = {}  # refreshToken -> clientId

SECRET_KEYS = {"clientSecret", "accessToken", "refreshToken", "deviceCode", "secretAccessKey",
               "sessionToken"}


def setting(key, default):
    with LOCK:
        return CONFIG.get(key, default)


def log(entry):
    path = setting("log", None)
    if not path:
        return
    with LOCK, open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def scrub(body):
    if not isinstance(body, dict):
        return body
    return {k: ("<secret>" if k in SECRET_KEYS else v) for k, v in body.items()}


class ApiError(Exception):
    def __init__(self, status, error_type, oauth=None, message=""):
        super().__init__(message)
        self.status, self.error_type, self.oauth, self.message = status, error_type, oauth, message


def new_token(prefix):
    return f"{prefix}{next(COUNTER)}-{secrets.token_hex(12)}"


# ---- SSO-OIDC ---------------------------------------------------------------------------------


def register_client(body, _query, _headers):
    if body.get("clientType") != "public" or not body.get("clientName"):
        raise ApiError(400, "InvalidClientMetadataException", "invalid_client_metadata",
                       "clientName and clientType=public are required")
    client_id, client_secret = new_token("client-"), new_token("secret-")
    with LOCK:
        CLIENTS[client_id] = client_secret
    now = int(time.time())
    return {"clientId": client_id, "clientSecret": client_secret, "clientIdIssuedAt": now,
            "clientSecretExpiresAt": now + 90 * 86400}, {"scopes": body.get("scopes"),
                                                        "grantTypes": body.get("grantTypes")}


def check_client(body):
    with LOCK:
        known = CLIENTS.get(body.get("clientId")) == body.get("clientSecret")
    if not known:
        raise ApiError(401, "InvalidClientException", "invalid_client", "unknown client")


def device_authorization(body, _query, _headers):
    check_client(body)
    if not body.get("startUrl"):
        raise ApiError(400, "InvalidRequestException", "invalid_request", "startUrl is required")
    device_code = new_token("device-")
    user_code = "".join(secrets.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(8))
    user_code = f"{user_code[:4]}-{user_code[4:]}"
    with LOCK:
        DEVICES[device_code] = {"clientId": body["clientId"], "polls": 0, "slowed": False,
                                "done": False}
    url = body["startUrl"].rstrip("/") + "/#/device"
    return {"deviceCode": device_code, "userCode": user_code, "verificationUri": url,
            "verificationUriComplete": f"{url}?user_code={user_code}", "expiresIn": 600,
            "interval": setting("interval", 1)}, {"startUrl": body["startUrl"]}


def issue_token(client_id):
    access = new_token("access-")
    out = {"accessToken": access, "tokenType": "Bearer",
           "expiresIn": setting("token_expires_in", 28800)}
    with LOCK:
        ACCESS_TOKENS.add(access)
    if setting("refresh_tokens", True):
        refresh = new_token("refresh-")
        with LOCK:
            REFRESH_TOKENS[refresh] = client_id
        out["refreshToken"] = refresh
    return out


def create_token(body, _query, _headers):
    check_client(body)
    grant = body.get("grantType")
    if grant == "refresh_token":
        time.sleep(setting("refresh_delay_ms", 0) / 1000)
        with LOCK:
            owner = REFRESH_TOKENS.pop(body.get("refreshToken"), None)
        if owner != body["clientId"]:
            raise ApiError(400, "InvalidGrantException", "invalid_grant",
                           "the refresh token is not valid")
        return issue_token(owner), {"grantType": grant}
    if grant != "urn:ietf:params:oauth:grant-type:device_code":
        raise ApiError(400, "UnsupportedGrantTypeException", "unsupported_grant_type", grant)
    with LOCK:
        device = DEVICES.get(body.get("deviceCode"))
        if device is None or device["clientId"] != body["clientId"] or device["done"]:
            raise ApiError(400, "InvalidGrantException", "invalid_grant", "unknown device code")
        device["polls"] += 1
        polls = device["polls"]
    if polls <= setting("pending_polls", 0):
        raise ApiError(400, "AuthorizationPendingException", "authorization_pending", "")
    if setting("slow_down", False) and not device["slowed"]:
        device["slowed"] = True
        raise ApiError(400, "SlowDownException", "slow_down", "")
    outcome = setting("outcome", "approve")
    if outcome == "expired":
        raise ApiError(400, "ExpiredTokenException", "expired_token", "the device code expired")
    if outcome == "denied":
        raise ApiError(400, "AccessDeniedException", "access_denied", "the user denied access")
    device["done"] = True
    return issue_token(body["clientId"]), {"grantType": grant, "polls": polls}


# ---- SSO portal -------------------------------------------------------------------------------


def bearer(headers):
    token = headers.get("x-amz-sso_bearer_token")
    with LOCK:
        known = token in ACCESS_TOKENS
    if not known:
        raise ApiError(401, "UnauthorizedException", message="Session token not found or invalid")
    return token


def page(items, query, key):
    size = int(query.get("max_result", [setting("page_size", 100)])[0])
    start = int(query.get("next_token", ["0"])[0] or 0)
    out = {key: items[start:start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out


def account(account_id):
    return next((a for a in setting("accounts", []) if a["id"] == account_id), None)


def list_accounts(_body, query, headers):
    bearer(headers)
    items = [{"accountId": a["id"], "accountName": a["name"],
              "emailAddress": a.get("email", f"aws+{a['name']}@example.com")}
             for a in setting("accounts", [])]
    out = page(items, query, "accountList")
    return out, {"next_token": query.get("next_token", [None])[0], "returned": len(out["accountList"])}


def list_roles(_body, query, headers):
    bearer(headers)
    account_id = query.get("account_id", [""])[0]
    found = account(account_id)
    if found is None:
        raise ApiError(403, "ForbiddenException", message="No access")
    items = [{"roleName": r, "accountId": account_id} for r in found.get("roles", [])]
    out = page(items, query, "roleList")
    return out, {"account_id": account_id, "next_token": query.get("next_token", [None])[0]}


def role_credentials(_body, query, headers):
    bearer(headers)
    account_id = query.get("account_id", [""])[0]
    role = query.get("role_name", [""])[0]
    found = account(account_id)
    if found is None or role not in found.get("roles", []):
        raise ApiError(403, "ForbiddenException", message="No access")
    digest = hashlib.sha1(f"{account_id}:{role}:{next(COUNTER)}".encode()).hexdigest()
    key_id = "ASIA" + digest[:16].upper()
    expires = int(time.time() + setting("credentials_expire_in", 3600)) * 1000
    return {"roleCredentials": {"accessKeyId": key_id, "secretAccessKey": "secret" + digest,
                                "sessionToken": "session" + digest, "expiration": expires}}, {
        "account_id": account_id, "role_name": role, "access_key_id": key_id}


def logout(_body, _query, headers):
    token = bearer(headers)
    with LOCK:
        ACCESS_TOKENS.discard(token)
    return None, {}


FAILURES = {500: "InternalServerException", 429: "TooManyRequestsException"}

IN_FLIGHT = 0

ROUTES = {
    ("POST", "/client/register"): register_client,
    ("POST", "/device_authorization"): device_authorization,
    ("POST", "/token"): create_token,
    ("GET", "/assignment/accounts"): list_accounts,
    ("GET", "/assignment/roles"): list_roles,
    ("GET", "/federation/credentials"): role_credentials,
    ("POST", "/logout"): logout,
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args):
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = {}
        if (method, url.path) == ("POST", "/_fake/config"):
            with LOCK:
                CONFIG.update(body)
            return self.answer(200, {}, None)
        global IN_FLIGHT
        with LOCK:
            IN_FLIGHT += 1
            arrived_with = IN_FLIGHT
        try:
            self.serve(method, url, query, body, arrived_with)
        finally:
            with LOCK:
                IN_FLIGHT -= 1

    def serve(self, method, url, query, body, arrived_with):
        latency = int(os.environ.get("SSO_FAKE_LATENCY_MS") or setting("latency_ms", 0))
        if latency:
            time.sleep(latency / 1000)
        route = ROUTES.get((method, url.path))
        # in_flight: how many API requests were being served when this one arrived (itself too).
        entry = {"method": method, "path": url.path, "query": {k: v[0] for k, v in query.items()},
                 "body": scrub(body), "in_flight": arrived_with}
        try:
            if route is None:
                raise ApiError(404, "ResourceNotFoundException", message=f"no route {url.path}")
            failing = setting("fail", {}).get(url.path)
            if failing:
                raise ApiError(failing, FAILURES.get(failing, "InvalidRequestException"),
                               message=f"the fake was told to fail {url.path}")
            out, details = route(body, query, {k.lower(): v for k, v in self.headers.items()})
            entry.update(status=200, details=details)
            log(entry)
            self.answer(200, {}, out)
        except ApiError as e:
            entry.update(status=e.status, error=e.error_type)
            log(entry)
            payload = ({"error": e.oauth, "error_description": e.message} if e.oauth
                       else {"message": e.message})
            self.answer(e.status, {"x-amzn-ErrorType": e.error_type}, payload)

    def answer(self, status, headers, payload):
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client is gone (e.g. leverage was interrupted mid-poll)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SSO_FAKE_CONFIG")
    if path:
        with open(path, encoding="utf-8") as f:
            CONFIG.update(json.load(f))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
