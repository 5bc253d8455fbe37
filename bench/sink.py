#!/usr/bin/env python3
"""An HTTP endpoint that answers at once, for the push benchmark: reads each
request, answers 200, and appends the arrival time and path to a log.

    sink.py --port-file P --log L [--lifetime SECONDS]
"""
import argparse
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with log_lock:
            log.write(f"{time.time():.6f} {self.path}\n")
            log.flush()
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


parser = argparse.ArgumentParser()
parser.add_argument("--port-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--lifetime", type=float, default=600)
args = parser.parse_args()
log = open(args.log, "w")
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(args.port_file + ".tmp", "w") as handle:
    handle.write(str(server.server_address[1]))
os.replace(args.port_file + ".tmp", args.port_file)
threading.Timer(args.lifetime, server.shutdown).start()
server.serve_forever()
