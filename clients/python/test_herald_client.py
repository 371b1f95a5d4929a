"""Tests of herald_client against a running Herald, driven by test/python-client.e2e-spec.ts.

HERALD_TEST_FIXTURE names a JSON file: {ingestUrl, token, app, signed: [{name, signature, secret, headers, body}]},
the requests in `signed` being ones Herald really sent.
"""

import json
import os
import socket
import unittest

from herald_client import Herald, HeraldError, WebhookVerificationError, verify

with open(os.environ["HERALD_TEST_FIXTURE"], encoding="utf-8") as fixture_file:
    FIXTURE = json.load(fixture_file)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PublishTest(unittest.TestCase):
    def setUp(self):
        self.herald = Herald(FIXTURE["ingestUrl"], FIXTURE["token"])

    def test_publish_returns_the_answer_and_an_id_makes_it_idempotent(self):
        first = self.herald.publish(FIXTURE["app"], "python.published", {"name": "Zoë"}, id="py-1")
        self.assertEqual(first["eventType"], "python.published")
        self.assertFalse(first["duplicate"])
        self.assertTrue(first["id"])
        again = self.herald.publish(FIXTURE["app"], "python.published", {"name": "Zoë"}, id="py-1")
        self.assertEqual(again["id"], first["id"])
        self.assertTrue(again["duplicate"])
        print("published " + first["id"])

    def test_a_refused_publish_raises_with_the_status_and_problem(self):
        with self.assertRaises(HeraldError) as caught:
            self.herald.publish(FIXTURE["app"], "not valid!", {})
        self.assertEqual(caught.exception.status, 400)
        self.assertEqual(caught.exception.problem["errors"][0]["field"], "eventType")

    def test_a_wrong_token_is_401(self):
        with self.assertRaises(HeraldError) as caught:
            Herald(FIXTURE["ingestUrl"], "wrong").publish(FIXTURE["app"], "a.b", {})
        self.assertEqual(caught.exception.status, 401)

    def test_an_unreachable_herald_raises_without_a_status(self):
        with self.assertRaises(HeraldError) as caught:
            Herald("http://127.0.0.1:%d" % free_port(), "t").publish(FIXTURE["app"], "a.b", {})
        self.assertIsNone(caught.exception.status)


class VerifyTest(unittest.TestCase):
    def test_every_scheme_verifies_what_herald_sent(self):
        names = [request["name"] for request in FIXTURE["signed"]]
        self.assertEqual(names, ["standard", "hmac-hex", "hmac-base64", "shared-secret"])
        for request in FIXTURE["signed"]:
            scheme = request["signature"] if request["name"] != "standard" else "standard"
            self.assertTrue(verify(scheme, request["secret"], request["headers"], request["body"].encode("utf-8")), request["name"])

    def test_a_changed_body_another_secret_or_a_missing_header_is_refused(self):
        for request in FIXTURE["signed"]:
            scheme = request["signature"]
            body = request["body"].encode("utf-8")
            if request["name"] != "shared-secret":
                with self.assertRaises(WebhookVerificationError):
                    verify(scheme, request["secret"], request["headers"], body.replace("Zoë".encode("utf-8"), b"Zoe"))
            other = "whsec_" + "A" * 43 + "=" if request["name"] == "standard" else "another-secret-of-ours"
            with self.assertRaises(WebhookVerificationError):
                verify(scheme, other, request["headers"], body)
            with self.assertRaises(WebhookVerificationError):
                verify(scheme, request["secret"], {"content-type": "application/json"}, body)

    def test_the_standard_scheme_has_a_timestamp_tolerance(self):
        standard = FIXTURE["signed"][0]
        sent = int(standard["headers"]["webhook-timestamp"])
        body = standard["body"].encode("utf-8")
        with self.assertRaises(WebhookVerificationError):
            verify("standard", standard["secret"], standard["headers"], body, now=sent + 301)
        self.assertTrue(verify("standard", standard["secret"], standard["headers"], body, tolerance_seconds=600, now=sent + 301))


if __name__ == "__main__":
    unittest.main()
