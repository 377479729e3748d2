#!/usr/bin/env python3
"""A throwaway HTTPS server for the MTA-STS policy fetch tests, on 127.0.0.1.

Usage: policy-test-server.py CERT KEY  ->  prints "port N" once it listens, serves until killed.
The answer depends on the Host header's domain (mta-sts.DOMAIN):
  good.example, testing.example: a policy (text/plain; charset=utf-8)
  redirect.example: 301 to another host     html.example: the policy as text/html
  big.example: 100 KB of text/plain          slow.example: answers after 5 s
  missing.example: 404                       anything else: a policy naming mx.DOMAIN
"""
import http.server
import ssl
import sys
import time

POLICIES = {
    "good.example": "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.example\r\nmx: *.backup.good.example\r\nmax_age: 604800\r\n",
    "testing.example": "version: STSv1\nmode: testing\nmx: mx.testing.example\nmax_age: 86400\n",
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="text/plain; charset=utf-8", extra=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        domain = host[len("mta-sts."):] if host.startswith("mta-sts.") else host
        if self.path != "/.well-known/mta-sts.txt":
            return self.send(404, "not found\n")
        if domain == "redirect.example":
            return self.send(301, "", extra=[("Location", "https://elsewhere.example/mta-sts.txt")])
        if domain == "html.example":
            return self.send(200, POLICIES["good.example"], ctype="text/html")
        if domain == "big.example":
            return self.send(200, "x" * 100_000)
        if domain == "slow.example":
            time.sleep(5)
        if domain == "missing.example":
            return self.send(404, "no policy\n")
        policy = POLICIES.get(domain, f"version: STSv1\r\nmode: enforce\r\nmx: mx.{domain}\r\nmax_age: 86400\r\n")
        return self.send(200, policy)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print("port", server.server_address[1], flush=True)
server.serve_forever()
