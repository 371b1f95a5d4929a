# Marzban's webhook receiver, as its documentation writes it (Flask there, http.server here).
# /hmac runs the documented verify_signature: HMAC-SHA256 hex of the raw body, compared with the
# x-webhook-secret header. /header runs the plain check: the header equals the secret.
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

WEBHOOK_SECRET = sys.argv[1]


def verify_signature(data, signature):
    expected_signature = hmac.new(WEBHOOK_SECRET.encode(), data, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected_signature, signature)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        data = self.rfile.read(int(self.headers['Content-Length']))
        signature = self.headers.get('x-webhook-secret')
        if self.path == '/hmac':
            verified = bool(signature) and verify_signature(data, signature)
        else:
            verified = signature is not None and hmac.compare_digest(signature, WEBHOOK_SECRET)
        payload = json.loads(data)
        print(json.dumps({'path': self.path, 'verified': verified, 'payload': payload}), flush=True)
        self.send_response(200 if verified else 403)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}' if verified else b'{"error": "invalid signature"}')

    def log_message(self, *args):
        pass


server = HTTPServer(('127.0.0.1', 0), Handler)
print(json.dumps({'port': server.server_address[1]}), flush=True)
server.serve_forever()
