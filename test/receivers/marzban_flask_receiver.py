# Marzban's webhook receiver exactly as its guide writes it (Flask), between the marked lines;
# only the secret comes from the command line and the server listens on a free port.
import json
import logging
import sys

from werkzeug.serving import make_server

# The guide prints Cyrillic text: UTF-8 whatever the locale, a line at a time.
sys.stdout.reconfigure(encoding='utf-8', line_buffering=True)

# ---- from the guide ----
from flask import Flask, request, jsonify
import hmac
import hashlib

app = Flask(__name__)
WEBHOOK_SECRET = 'ваш-секретный-ключ'

def verify_signature(data, signature):
    expected_signature = hmac.new(WEBHOOK_SECRET.encode(), data, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected_signature, signature)

@app.route('/webhook', methods=['POST'])
def webhook():
    signature = request.headers.get('x-webhook-secret')
    if not signature or not verify_signature(request.data, signature):
        return jsonify({"error": "Неверная подпись"}), 403

    payload = request.json
    print("Получено событие:", payload['action'], "для пользователя:", payload['username'])
    
    # Обработка события
    if payload['action'] == 'user_created':
        # Код для обработки создания пользователя
        pass
    elif payload['action'] == 'user_updated':
        # Код для обработки обновления пользователя
        pass
    # Дополнительные действия по событиям

    return jsonify({"status": "успех"}), 200
# ---- end of the guide ----

WEBHOOK_SECRET = sys.argv[1]


@app.after_request
def record(response):
    # What the test checks besides the guide's own print: the request and the guide's answer.
    print(json.dumps({
        'status': response.status_code,
        'payload': request.get_json(silent=True),
        'headers': {k.lower(): v for k, v in request.headers.items()},
        'body': request.get_data(as_text=True),
    }), flush=True)
    return response


# Werkzeug's access log would go to the test's stderr.
logging.getLogger('werkzeug').setLevel(logging.ERROR)
server = make_server('127.0.0.1', 0, app)
print(json.dumps({'port': server.server_port}), flush=True)
server.serve_forever()
