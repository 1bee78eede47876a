"""A small STS endpoint for the tests: answers GetCallerIdentity itself, or forwards requests to
another endpoint (moto_server), and refuses some of them the way AWS does.

It reads the SigV4 Authorization header: the region in the credential scope picks the region's
answer (`regions`: an error code for that region), and the access key id picks the key's
(`allow_keys`: only these are forwarded; others get `others.code`, `others.times` times or
forever, then are forwarded); `delay_ms` holds every answer back, like a distant endpoint.
Config is JSON on stdin; it prints its port once listening.
GET /requests lists what it saw: [region, access key id, answer].
"""
import json
import re
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONFIG = json.load(sys.stdin)
SEEN = []
LOCK = threading.Lock()
REFUSED = {}
SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/sts/aws4_request")
IDENTITY = """<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/natasha.romanoff</Arn>
    <UserId>AIDAEXAMPLEUSERID0001</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>fake-sts</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"""
MESSAGES = {
    "RegionDisabledException": "STS is not activated in this region for account:123456789012. Your account administrator can activate STS in this region using the IAM Console.",
    "InvalidClientTokenId": "The security token included in the request is invalid.",
    "AccessDenied": "Refused by the test endpoint.",
}


def error_body(code):
    message = MESSAGES.get(code, code)
    return f"""<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>
  <RequestId>fake-sts</RequestId>
</ErrorResponse>"""


def verdict(key, region):
    """An error code to answer with, or None to answer (or forward) normally."""
    code = CONFIG.get("regions", {}).get(region)
    if code:
        return code
    allow = CONFIG.get("allow_keys")
    if allow is None or key in allow:
        return None
    others = CONFIG.get("others", {"code": "InvalidClientTokenId"})
    times = others.get("times")
    with LOCK:
        REFUSED[key] = REFUSED.get(key, 0) + 1
        if times is not None and REFUSED[key] > times:
            return None
    return others["code"]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="text/xml"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with LOCK:
            self.reply(200, json.dumps(SEEN), "application/json")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        match = SCOPE.search(self.headers.get("Authorization", ""))
        key, region = match.groups() if match else ("", "")
        code = verdict(key, region)
        time.sleep(CONFIG.get("delay_ms", 0) / 1000)
        with LOCK:
            SEEN.append([region, key, code or "ok"])
        if code:
            return self.reply(403, error_body(code))
        forward = CONFIG.get("forward")
        if not forward:
            return self.reply(200, IDENTITY)
        # The Host header stays: it is part of the signature moto checks.
        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
        request = urllib.request.Request(forward + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request) as response:
                self.reply(response.status, response.read(), response.headers.get("Content-Type", "text/xml"))
        except urllib.error.HTTPError as error:
            self.reply(error.code, error.read(), error.headers.get("Content-Type", "text/xml"))


class Server(ThreadingHTTPServer):
    # Every region is asked at once: the default backlog of 5 would drop connections.
    request_queue_size = 128
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
