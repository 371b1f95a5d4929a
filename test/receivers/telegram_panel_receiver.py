# The Telegram bot admin panel's webhook receiver, as its documentation writes it (Flask there,
# http.server here): verify_webhook_signature re-serializes the parsed payload with
# json.dumps(payload, sort_keys=True) before checking the HMAC.
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

WEBHOOK_SECRET = sys.argv[1]


def verify_webhook_signature(payload: dict, signature_header: str, secret: str) -> bool:
    payload_json = json.dumps(payload, sort_keys=True)
    expected_signature = hmac.new(
        secret.encode('utf-8'),
        payload_json.encode('utf-8'),
        hashlib.sha256
    ).hexdigest()
    received_signature = signature_header.replace('sha256=', '')
    return hmac.compare_digest(expected_signature, received_signature)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        payload = json.loads(body)  # Flask's request.json
        signature = self.headers.get('X-Webhook-Signature', '')
        verified = verify_webhook_signature(payload, signature, WEBHOOK_SECRET)
        print(json.dumps({
            'verified': verified,
            'event': self.headers.get('X-Webhook-Event'),
            'webhookId': self.headers.get('X-Webhook-Id'),
            'payload': payload,
        }), flush=True)
        self.send_response(200 if verified else 401)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}' if verified else b'{"error": "Invalid signature"}')

    def log_message(self, *args):
        pass


server = HTTPServer(('127.0.0.1', 0), Handler)
print(json.dumps({'port': server.server_address[1]}), flush=True)
server.serve_forever()
