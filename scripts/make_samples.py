#!/usr/bin/env python3
"""Writes samples/: reports the project made itself (no real sender's data), as .json,
.json.gz and .eml, used by the README quick start and the tests. Deterministic: re-running it
gives the same bytes."""
import gzip, io, json, os
from email.message import EmailMessage
from email.policy import SMTP

OUT = os.path.join(os.path.dirname(__file__), "..", "samples")

def sts(domain, mode, mx):
    return ["version: STSv1", f"mode: {mode}"] + [f"mx: {m}" for m in mx] + ["max_age: 604800"]

def report(org, contact, rid, start, end, policies):
    return {"organization-name": org, "date-range": {"start-datetime": start, "end-datetime": end},
            "contact-info": contact, "report-id": rid, "policies": policies}

SAMPLES = {
    # Google-like: clean days, mx-host as an array, no failure-details member.
    "google-2026-11-20.json": report("Google Inc.", "smtp-tls-reporting@google.com",
        "2026-11-20T00:00:00Z_example.com", "2026-11-20T00:00:00Z", "2026-11-20T23:59:59Z",
        [{"policy": {"policy-type": "sts", "policy-string": sts("example.com", "enforce", ["mx1.example.com", "mx2.example.com"]),
                     "policy-domain": "example.com", "mx-host": ["mx1.example.com", "mx2.example.com"]},
          "summary": {"total-successful-session-count": 1480, "total-failure-session-count": 0}}]),
    "google-2026-11-21.json.gz": report("Google Inc.", "smtp-tls-reporting@google.com",
        "2026-11-21T00:00:00Z_example.com", "2026-11-21T00:00:00Z", "2026-11-21T23:59:59Z",
        [{"policy": {"policy-type": "sts", "policy-string": sts("example.com", "enforce", ["mx1.example.com", "mx2.example.com"]),
                     "policy-domain": "example.com", "mx-host": ["mx1.example.com", "mx2.example.com"]},
          "summary": {"total-successful-session-count": 1502, "total-failure-session-count": 3},
          "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "209.85.220.41",
                               "receiving-mx-hostname": "mx2.example.com", "receiving-ip": "192.0.2.12",
                               "failed-session-count": 3}]}]),
    # Microsoft-like: dates without a time zone, STS and TLSA policies, TLSA records as one JSON string.
    "microsoft-2026-11-21.json.gz": report("Microsoft Corporation", "tlsrpt-noreply@microsoft.com",
        "134078400000000000+example.com", "2026-11-21T00:00:00", "2026-11-21T23:59:59",
        [{"policy": {"policy-type": "sts", "policy-string": sts("example.com", "enforce", ["*.example.com"]),
                     "policy-domain": "example.com"},
          "summary": {"total-successful-session-count": 950, "total-failure-session-count": 0}},
         {"policy": {"policy-type": "tlsa", "policy-string": [json.dumps(["3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6"])],
                     "policy-domain": "example.com"},
          "summary": {"total-successful-session-count": 310, "total-failure-session-count": 0}}]),
    # A failure-heavy day: an expired certificate on one MX and a host without STARTTLS.
    "google-2026-11-22-failures.json": report("Google Inc.", "smtp-tls-reporting@google.com",
        "2026-11-22T00:00:00Z_example.com", "2026-11-22T00:00:00Z", "2026-11-22T23:59:59Z",
        [{"policy": {"policy-type": "sts", "policy-string": sts("example.com", "enforce", ["mx1.example.com", "mx2.example.com"]),
                     "policy-domain": "example.com", "mx-host": ["mx1.example.com", "mx2.example.com"]},
          "summary": {"total-successful-session-count": 600, "total-failure-session-count": 449},
          "failure-details": [
              {"result-type": "certificate-expired", "sending-mta-ip": "209.85.220.41", "receiving-mx-hostname": "mx2.example.com",
               "receiving-ip": "192.0.2.12", "failed-session-count": 412},
              {"result-type": "starttls-not-supported", "sending-mta-ip": "209.85.220.69", "receiving-mx-hostname": "mx1.example.com",
               "receiving-ip": "192.0.2.11", "failed-session-count": 37, "failure-reason-code": "STARTTLS not offered in EHLO"}]}]),
}

MAIL = {
    # DANE (tlsa) with failures, mailed by a Postfix-like reporter.
    "dane-2026-11-21.eml": ("example.net", report("Example Mail, Inc.", "mailto:tlsrpt-contact@sender.example",
        "2026-11-21T00:00:00Z_idx1_example.net", "2026-11-21T00:00:00Z", "2026-11-21T23:59:59Z",
        [{"policy": {"policy-type": "tlsa", "policy-string": ["3 1 1 8D02536C887482BC34FF54E41D2BA659BF85B341A0A20AFADB5813DCFBCF286D"],
                     "policy-domain": "example.net", "mx-host": ["mx.example.net"]},
          "summary": {"total-successful-session-count": 220, "total-failure-session-count": 14},
          "failure-details": [
              {"result-type": "tlsa-invalid", "sending-mta-ip": "198.51.100.25", "receiving-mx-hostname": "mx.example.net",
               "receiving-ip": "203.0.113.25", "failed-session-count": 12},
              {"result-type": "dnssec-invalid", "sending-mta-ip": "198.51.100.25", "receiving-mx-hostname": "mx.example.net",
               "failed-session-count": 2, "failure-reason-code": "SERVFAIL"}]}])),
    # no-policy-found without policy-domain (Postfix/sys4 style): the domain comes from the
    # mail's TLS-Report-Domain header.
    "no-policy-2026-11-21.eml": ("example.org", report("Example Mail, Inc.", "mailto:tlsrpt-contact@sender.example",
        "2026-11-21T00:00:00Z_idx2_example.org", "2026-11-21T00:00:00Z", "2026-11-21T23:59:59Z",
        [{"policy": {"policy-type": "no-policy-found"},
          "summary": {"total-successful-session-count": 75, "total-failure-session-count": 0}}])),
}

def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as f:
        f.write(data)
    return buf.getvalue()

def main():
    os.makedirs(OUT, exist_ok=True)
    for name, rep in SAMPLES.items():
        data = (json.dumps(rep, indent=2) + "\n").encode()
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(gz(data) if name.endswith(".gz") else data)
    for name, (domain, rep) in MAIL.items():
        data = json.dumps(rep).encode()
        msg = EmailMessage()
        msg["From"] = "TLS Reporting <tlsrpt-noreply@sender.example>"
        msg["To"] = f"tlsrpt@{domain}"
        msg["Subject"] = f"Report Domain: {domain} Submitter: sender.example Report-ID: <{rep['report-id']}>"
        msg["Date"] = "Sun, 22 Nov 2026 06:00:00 +0000"
        msg["Message-ID"] = f"<{name.removesuffix('.eml')}@sender.example>"
        msg["TLS-Report-Domain"] = domain
        msg["TLS-Report-Submitter"] = "sender.example"
        msg.set_content(f"This is an aggregate TLS report from sender.example for {domain}.\n")
        msg.add_attachment(gz(data), maintype="application", subtype="tlsrpt+gzip",
                           filename=f"sender.example!{domain}!1795305600!1795391999!001.json.gz")
        msg.set_boundary("=_tlsrpt_sample_" + domain)
        raw = msg.as_bytes(policy=SMTP)
        # Make the top-level type the RFC 8460 §5.3 one, keeping the boundary.
        raw = raw.replace(b"Content-Type: multipart/mixed;", b"Content-Type: multipart/report; report-type=\"tlsrpt\";", 1)
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(raw)

if __name__ == "__main__":
    main()
