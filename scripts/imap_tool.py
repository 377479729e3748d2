#!/usr/bin/env python3
"""Seed and inspect a test IMAP server with Python's imaplib (a client independent of ours).

  imap_tool.py --port P [--host H] [--ca CA.pem] [--user U --password PW] append FOLDER FILE...
      FILE: one message (.eml, a Maildir file) or a mbox (split into its messages). Prints the count.
  imap_tool.py ... append-synthetic FOLDER COUNT        COUNT generated report mails (gzip attachment)
  imap_tool.py ... digest FOLDER       JSON: {"count": N, "hashes": [sha256 of each message, sorted]}
  imap_tool.py ... folders             JSON list of folder names
  imap_tool.py ... delete FOLDER       deletes a folder (made again, it has a new UIDVALIDITY)
Connects with TLS (implicit, port as given) and verifies the certificate against --ca.
"""
import argparse, base64, gzip, hashlib, imaplib, json, mailbox, os, ssl, sys


def connect(a):
    ctx = ssl.create_default_context(cafile=a.ca) if a.ca else ssl.create_default_context()
    m = imaplib.IMAP4_SSL(a.host, a.port, ssl_context=ctx)
    m.login(a.user, a.password)
    return m


def messages_of(path):
    with open(path, 'rb') as f:
        head = f.read(5)
    if head == b'From ':
        for msg in mailbox.mbox(path):
            yield msg.as_bytes()
    else:
        with open(path, 'rb') as f:
            yield f.read()


def crlf(b):
    return b.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')


def synthetic(i):
    day = 1 + i % 28
    report = {
        "organization-name": "Synthetic Sender %d" % (i % 7),
        "date-range": {"start-datetime": "2026-11-%02dT00:00:00Z" % day, "end-datetime": "2026-11-%02dT23:59:59Z" % day},
        "contact-info": "tlsrpt@sender.example",
        "report-id": "synthetic-%08d" % i,
        "policies": [{
            "policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: enforce", "mx: mx.example.com", "max_age: 86400"],
                       "policy-domain": "domain%d.example" % (i % 50), "mx-host": ["mx.example.com"]},
            "summary": {"total-successful-session-count": 100 + i % 13, "total-failure-session-count": i % 3},
            "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "192.0.2.%d" % (i % 250),
                                 "receiving-mx-hostname": "mx.example.com", "failed-session-count": i % 3}] if i % 3 else []}]}
    body = gzip.compress(json.dumps(report).encode(), mtime=0)
    b64 = base64.encodebytes(body).decode().replace('\n', '\r\n')
    return ("From: noreply@sender.example\r\nTo: reports@example.com\r\nSubject: Report Domain: domain%d.example Submitter: sender.example Report-ID: <synthetic-%08d>\r\n"
            "TLS-Report-Domain: domain%d.example\r\nTLS-Report-Submitter: sender.example\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nTLS report\r\n"
            "--b\r\nContent-Type: application/tlsrpt+gzip; name=\"r.json.gz\"\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"r.json.gz\"\r\n\r\n%s--b--\r\n" % (i % 50, i, i % 50, b64)).encode()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--host', default='127.0.0.2')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--ca')
    p.add_argument('--user', default='reports')
    p.add_argument('--password', default='secret-pw')
    p.add_argument('command')
    p.add_argument('args', nargs='*')
    a = p.parse_args()
    m = connect(a)
    if a.command in ('append', 'append-synthetic'):
        folder = a.args[0]
        typ, _ = m.create(folder)  # NO when it exists: fine
        n = 0
        if a.command == 'append':
            for path in a.args[1:]:
                for msg in messages_of(path):
                    typ, data = m.append(folder, None, None, crlf(msg))
                    assert typ == 'OK', data
                    n += 1
        else:
            for i in range(int(a.args[1])):
                typ, data = m.append(folder, None, None, synthetic(i))
                assert typ == 'OK', data
                n += 1
        print(n)
    elif a.command == 'digest':
        typ, data = m.select(a.args[0], readonly=True)
        if typ != 'OK':
            print(json.dumps({"count": 0, "hashes": [], "missing": True}))
            return
        typ, data = m.uid('SEARCH', None, 'ALL')
        uids = data[0].split()
        hashes = []
        for uid in uids:
            typ, d = m.uid('FETCH', uid, '(BODY.PEEK[])')
            body = [x for x in d if isinstance(x, tuple)][0][1]
            hashes.append(hashlib.sha256(body).hexdigest())
        typ, d = m.uid('FETCH', b','.join(uids) or b'1', '(FLAGS)') if uids else ('OK', [])
        seen = sum(1 for x in d if x and b'\\Seen' in (x if isinstance(x, bytes) else x[0]))
        print(json.dumps({"count": len(uids), "hashes": sorted(hashes), "seen": seen}))
    elif a.command == 'delete':
        typ, data = m.delete(a.args[0])
        assert typ == 'OK', data
    elif a.command == 'folders':
        typ, data = m.list()
        names = []
        for line in data:
            names.append(line.decode().rsplit(' ', 1)[-1].strip('"'))
        print(json.dumps(sorted(names)))
    else:
        sys.exit('unknown command ' + a.command)
    m.logout()


if __name__ == '__main__':
    main()
