#!/usr/bin/env python3
"""A loopback HTTP endpoint for fansync's push tests. It records what it
receives, honours Idempotency-Key (a repeated key is answered without applying
the batch again), and injects faults on a script.

    fake_endpoint.py --port-file P --state S [--faults F] [--token T] [--reject EMAIL ...]

Faults (a JSON list, consumed one per request, in order): {"status": 429,
"retry_after": "1"}, {"status": 503}, {"status": 500}, {"sleep": 3} (answer
late, after applying), {"drop": true} (close without answering, not applied),
{"drop_after_apply": true} (apply the batch and remember its key, then close
the connection without answering: the reply is lost), {"hang_after_apply": 5}
(apply, then hold the connection that long before answering: time to kill
the client), null (behave). Requests carrying a rejected email get 400, but for Mailchimp's
batch subscribe (POST /3.0/lists/<id>), which answers 200 with the refused members in
"errors" and applies the others, as Mailchimp does. The state file is
rewritten after each request: {"records": {email: record}, "applied": {email:
count}, "requests": [...]}. Stops by itself after --lifetime seconds.
"""
import argparse
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"records": {}, "applied": {}, "requests": [], "contact_tags": {}}
ac_contacts = {}   # email -> id
ac_tags = {}       # tag name -> id
done_keys = {}
faults = []
args = None


def save():
    with open(args.state + ".tmp", "w") as handle:
        json.dump(state, handle)
    import os
    os.replace(args.state + ".tmp", args.state)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        # ActiveCampaign: GET /api/3/tags?search=NAME
        from urllib.parse import urlparse, parse_qs
        url = urlparse(self.path)
        with lock:
            state["requests"].append({"key": None, "emails": [], "path": self.path, "method": "GET",
                                      "user_agent": self.headers.get("User-Agent"), "fault": None, "duplicate": False})
            save()
        if url.path != "/api/3/tags":
            return self.reply(404, {"error": "not found"})
        search = parse_qs(url.query).get("search", [""])[0]
        with lock:
            tags = [{"id": str(i), "tag": name} for name, i in ac_tags.items() if search.lower() in name.lower()]
        return self.reply(200, {"tags": tags})

    def ac_post(self, payload):
        """ActiveCampaign's tags and contactTags endpoints."""
        with lock:
            if self.path == "/api/3/tags":
                name = payload["tag"]["tag"]
                ac_tags.setdefault(name, len(ac_tags) + 1)
                save()
                return 201, {"tag": {"id": str(ac_tags[name]), "tag": name}}
            if self.path == "/api/3/contactTags":
                contact, tag = payload["contactTag"]["contact"], payload["contactTag"]["tag"]
                email = next((e for e, i in ac_contacts.items() if str(i) == contact), None)
                name = next((n for n, i in ac_tags.items() if str(i) == tag), None)
                if email is None or name is None:
                    return 404, {"error": "no such contact or tag"}
                linked = state["contact_tags"].setdefault(email, [])
                if name in linked:
                    return 422, {"errors": [{"title": "duplicate"}]}
                linked.append(name)
                save()
                return 201, {"contactTag": {"contact": contact, "tag": tag}}
        return 404, {"error": "not found"}

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        key = self.headers.get("Idempotency-Key")
        auth = self.headers.get("Authorization") or ("Api-Token " + self.headers.get("Api-Token", ""))
        if auth.startswith("Basic "):  # Mailchimp: any user name, the API key as the password
            import base64
            try:
                auth = "Bearer " + base64.b64decode(auth[6:]).decode().split(":", 1)[1]
            except (ValueError, IndexError):
                auth = ""
        mailchimp = self.path.startswith("/3.0/lists/")
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        if mailchimp and isinstance(payload, dict) and "members" in payload:
            records = [dict(member, email=member.get("email_address")) for member in payload["members"]]
        elif isinstance(payload, dict) and "records" in payload:
            records = payload["records"]
        elif isinstance(payload, list):
            records = payload
        elif isinstance(payload, dict) and "contact" in payload:
            records = [payload["contact"]]
        else:
            records = []
        emails = [r.get("email") for r in records]
        with lock:
            fault = faults.pop(0) if faults else None
            entry = {"key": key, "emails": emails, "path": self.path, "user_agent": self.headers.get("User-Agent"),
                     "prefer": self.headers.get("Prefer"), "fault": fault, "duplicate": key in done_keys}
            state["requests"].append(entry)
            save()
        if args.token and auth not in ("Bearer " + args.token, "Api-Token " + args.token):
            return self.reply(401, {"error": "unauthorized"})
        if fault and fault.get("drop"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault and fault.get("status"):
            headers = {"Retry-After": fault["retry_after"]} if fault.get("retry_after") else {}
            return self.reply(fault["status"], {"error": "injected"}, headers)
        bad = [e for e in emails if e in args.reject]
        if bad and mailchimp:
            refused = [{"email_address": e, "error": e + " looks fake or invalid, please enter a real email address.",
                        "error_code": "ERROR_GENERIC"} for e in bad]
            records = [r for r in records if r.get("email") not in args.reject]
            bad = []
        else:
            refused = []
        if bad:
            return self.reply(400, {"error": "invalid record " + bad[0]})
        if self.path in ("/api/3/tags", "/api/3/contactTags"):
            status, body = self.ac_post(payload)
            return self.reply(status, body)
        with lock:
            if key in done_keys:
                response = done_keys[key]
            else:
                for record in records:
                    email = record.get("email")
                    state["records"][email] = record
                    state["applied"][email] = state["applied"].get(email, 0) + 1
                response = {"ok": True, "received": len(records)}
                if mailchimp:
                    response = {"new_members": [{"email_address": r.get("email")} for r in records],
                                "updated_members": [], "errors": refused, "total_created": len(records),
                                "total_updated": 0, "error_count": len(refused)}
                if self.path == "/api/3/contact/sync" and records:
                    email = records[0].get("email")
                    ac_contacts.setdefault(email, len(ac_contacts) + 100)
                    response = {"contact": {"id": str(ac_contacts[email]), "email": email}}
                if key:
                    done_keys[key] = response
            save()
        if fault and fault.get("drop_after_apply"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault and fault.get("hang_after_apply"):
            time.sleep(fault["hang_after_apply"])
        if fault and fault.get("sleep"):
            time.sleep(fault["sleep"])
        try:
            self.reply(200, response)
        except OSError:
            pass


def main():
    global args, faults
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--faults")
    parser.add_argument("--token")
    parser.add_argument("--reject", nargs="*", default=[])
    parser.add_argument("--lifetime", type=float, default=120)
    args = parser.parse_args()
    if args.faults:
        with open(args.faults) as handle:
            faults = json.load(handle)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    save()
    with open(args.port_file + ".tmp", "w") as handle:
        handle.write(str(server.server_address[1]))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
