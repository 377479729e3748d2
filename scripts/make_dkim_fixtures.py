#!/usr/bin/env python3
"""Writes Tests/DKIMTests/Fixtures: report mails signed by dkimpy (a real DKIM signer), the key
records, and dkimpy's own verdict on each (dkim.verify, or DKIM.verify(idx=) for a second
signature). Needs dkimpy, pynacl, cryptography (pip). Run once; the output is committed.
  scripts/make_dkim_fixtures.py Tests/DKIMTests/Fixtures
"""
import base64, gzip, json, os, subprocess, sys, time
import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa, ed25519

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def rsa_key(bits):
    k = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    pub = k.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(pub).decode()


def ed_key():
    k = ed25519.Ed25519PrivateKey.generate()
    raw = k.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw), base64.b64encode(pub).decode()


report = json.dumps({
    "organization-name": "Sender Example", "report-id": "dkim-1",
    "date-range": {"start-datetime": "2026-11-30T00:00:00Z", "end-datetime": "2026-11-30T23:59:59Z"},
    "contact-info": "tlsrpt@sender.example",
    "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.com"},
                  "summary": {"total-successful-session-count": 12, "total-failure-session-count": 1},
                  "failure-details": [{"result-type": "certificate-expired", "failed-session-count": 1}]}]}).encode()
b64 = base64.encodebytes(gzip.compress(report, mtime=0)).decode().replace("\n", "\r\n")
mail = ("From: TLS Reports <noreply-tlsrpt@mail.sender.example>\r\n"
        "To: tlsrpt@example.com\r\n"
        "Subject: Report Domain: example.com  Submitter: mail.sender.example  Report-ID: <dkim-1>\r\n"
        "Date: Tue, 01 Dec 2026 06:00:00 +0000\r\n"
        "Message-ID: <dkim-1@mail.sender.example>\r\n"
        "TLS-Report-Domain: example.com\r\n"
        "TLS-Report-Submitter: mail.sender.example\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n\tboundary=\"b1\"\r\n"
        "\r\n--b1\r\nContent-Type: text/plain\r\n\r\nThis is an aggregate TLS report.  \r\n\r\n"
        "--b1\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=\"r.json.gz\"\r\n\r\n" + b64 + "--b1--\r\n\r\n\r\n").encode()

rsa2048, rsa2048_pub = rsa_key(2048)
rsa1024, rsa1024_pub = rsa_key(1024)
edpriv, edpub = ed_key()
keys = {
    "r2048._domainkey.sender.example": "v=DKIM1; k=rsa; s=tlsrpt; p=" + rsa2048_pub,
    "r1024._domainkey.sender.example": "v=DKIM1; k=rsa; p=" + rsa1024_pub,
    "ed._domainkey.sender.example": "v=DKIM1; k=ed25519; p=" + edpub,
    "email._domainkey.sender.example": "v=DKIM1; k=rsa; s=email; p=" + rsa2048_pub,
    "revoked._domainkey.sender.example": "v=DKIM1; k=rsa; p=",
    "r2048._domainkey.other.example": "v=DKIM1; k=rsa; p=" + rsa2048_pub,
}


def dns(name, timeout=5):
    n = name.decode().rstrip(".") if isinstance(name, bytes) else name.rstrip(".")
    r = keys.get(n)
    return r.encode() if r else None


def sign(msg, selector, key, c=(b"relaxed", b"relaxed"), domain=b"sender.example", **kw):
    sig = dkim.sign(msg, selector.encode(), domain, key, canonicalize=c,
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id", b"tls-report-domain",
                                     b"tls-report-submitter", b"content-type", b"mime-version"], **kw)
    return sig + msg


cases = []


def case(name, msg, ours, idx=0, note=""):
    d = dkim.DKIM(msg, tlsrpt=True)  # dkimpy's RFC 8460 mode
    try:
        theirs = bool(d.verify(idx=idx, dnsfunc=dns))
    except Exception:
        theirs = False
    with open(os.path.join(out, name + ".eml"), "wb") as f:
        f.write(msg)
    cases.append({"file": name + ".eml", "dkimpy": "pass" if theirs else "fail", "expected": ours, "note": note})


good = sign(mail, "r2048", rsa2048)
case("rsa2048-relaxed", good, "pass")
case("rsa1024-simple", sign(mail, "r1024", rsa1024, c=(b"simple", b"simple")), "pass")
case("ed25519-relaxed", sign(mail, "ed", edpriv, signature_algorithm=b"ed25519-sha256"), "pass")
case("ed25519-simple", sign(mail, "ed", edpriv, c=(b"simple", b"simple"), signature_algorithm=b"ed25519-sha256"), "pass")
case("lf-line-ends", good.replace(b"\r\n", b"\n"), "pass", note="stored with LF, as in a Maildir")
case("body-changed", good.replace(b"aggregate TLS report", b"aggregate TLS rep0rt"), "fail")
case("subject-changed", good.replace(b"Subject: Report Domain", b"Subject: Report domain"), "fail")
case("with-l", sign(mail, "r2048", rsa2048, length=True), "fail",
     note="signed with l= (the whole body): RFC 8460 section 3 forbids l=; dkimpy's tlsrpt mode ignores it and passes")
l_added = good.replace(b"DKIM-Signature: v=1; ", b"DKIM-Signature: v=1; l=100; ", 1)
assert l_added != good
case("l-added", l_added, "fail", note="l= put into a valid signature: the header hash no longer matches")
case("key-for-email-only", sign(mail, "email", rsa2048), "fail", note="s=email in the key record: not for tlsrpt; dkimpy's non-strict tlsrpt mode accepts email")
case("key-revoked", sign(mail, "revoked", rsa2048), "fail")
case("other-domain", sign(mail, "r2048", rsa2048, domain=b"other.example"), "fail",
     note="d=other.example is not the submitter mail.sender.example or a parent; dkimpy has no alignment")
case("no-key", sign(mail, "missing", rsa2048), "fail")
two = sign(sign(mail, "r2048", rsa2048), "r2048", rsa2048).replace(b"aggregate TLS report", b"aggregate TLS rep0rt")
case("two-signatures-both-bad", two, "fail")
good_then_bad = sign(mail, "r2048", rsa2048)
bad_sig = dkim.sign(mail, b"revoked", b"sender.example", rsa2048, canonicalize=(b"relaxed", b"relaxed"),
                    include_headers=[b"from", b"subject"])
case("two-signatures-one-good", bad_sig + good_then_bad, "pass", idx=1, note="dkimpy checked on idx=1, the good one")
case("unsigned", mail, "none")
case("rsa-sha1", sign(mail, "r2048", rsa2048, signature_algorithm=b"rsa-sha1"), "fail",
     note="rsa-sha1 is refused (RFC 8301); dkimpy still accepts it")

# An expired signature: dkimpy has no x= option, so its header generator is given t= and x= an
# hour apart in 2023 (dkimpy still computes the hash and the signature over them).
original_gen_header = dkim.DKIM.gen_header


def gen_header_expired(self, fields, *args, **kwargs):
    fields = [f for f in fields if f[0] != b"t"]
    at = [f[0] for f in fields].index(b"h")
    fields[at:at] = [(b"t", b"1700000000"), (b"x", b"1700003600")]
    return original_gen_header(self, fields, *args, **kwargs)


dkim.DKIM.gen_header = gen_header_expired
expired = sign(mail, "r2048", rsa2048)
dkim.DKIM.gen_header = original_gen_header
assert b"x=1700003600" in expired
case("expired", expired, "fail")

with open(os.path.join(out, "keys.json"), "w") as f:
    json.dump(keys, f, indent=1, sort_keys=True)
with open(os.path.join(out, "cases.json"), "w") as f:
    json.dump(cases, f, indent=1)
for c in cases:
    print(c["file"], "dkimpy", c["dkimpy"], "expected", c["expected"])
