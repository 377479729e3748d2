#!/usr/bin/env python3
"""parsedmarc's own SMTP TLS parser on the Swift benchmark's sample report (same bytes).
Usage: python bench_parsedmarc_parse.py FILE.json.gz   (FILE from: tlsrpt-bench write-sample)
Needs parsedmarc (pip install parsedmarc; scripts/bench-ingest keeps a venv)."""
import gzip, json, sys, time
from parsedmarc import parse_smtp_tls_report_json
# The same ~1.7 KB report the Swift benchmark uses, written by it to a file.
data = open(sys.argv[1], "rb").read()
text = gzip.decompress(data).decode() if data[:2] == b"\x1f\x8b" else data.decode()
n = 20000
t = time.perf_counter()
for _ in range(n):
    parse_smtp_tls_report_json(text)
dt = time.perf_counter() - t
print(f"parsedmarc parse_smtp_tls_report_json: {n/dt:.0f} reports/s ({dt/n*1e6:.1f} us each), {len(text)} bytes JSON")
t = time.perf_counter()
for _ in range(n):
    parse_smtp_tls_report_json(gzip.decompress(data).decode())
dt = time.perf_counter() - t
print(f"parsedmarc gunzip + parse: {n/dt:.0f} reports/s ({dt/n*1e6:.1f} us each)")
