#!/usr/bin/env python3
"""Decode the bit-exact message archives of RFC 4475 and RFC 5118 (their
Appendix A: base64 of a gzip-compressed tar, between "-- BEGIN MESSAGE
ARCHIVE --" and "-- END MESSAGE ARCHIVE --") into tests/data/.

usage: extract_rfc_archives.py RFC_DIR   (e.g. ../shared/rfc)

RFC 4475 files are written as archived (CRLF, .dat).  RFC 5118's archive
stores its messages with bare LF; SIP requires CRLF (RFC 3261 7), so each
is written as <name>.sip with LF -> CRLF and nothing else changed, exactly
as RFC 5118's own text shows them.  The committed files were produced by
this script; it exists so anyone can check them against the RFC texts.
"""
import base64, io, os, re, sys, tarfile

HERE = os.path.dirname(os.path.abspath(__file__))


def archive(path):
    lines, inside = [], False
    for line in open(path, encoding='ascii', errors='replace'):
        if '-- BEGIN MESSAGE ARCHIVE --' in line:
            inside = True
            continue
        if '-- END MESSAGE ARCHIVE --' in line:
            break
        # the RFC's Perl recovers single-word lines only (skips page breaks)
        if inside and re.match(r'^\s*[^\s]+\s*$', line):
            lines.append(line.strip())
    return tarfile.open(fileobj=io.BytesIO(base64.b64decode(''.join(lines))), mode='r:gz')


def main():
    rfc = sys.argv[1]
    for name, sub, crlf in (('rfc4475.txt', 'rfc4475', False), ('rfc5118.txt', 'rfc5118', True)):
        out = os.path.join(HERE, sub)
        os.makedirs(out, exist_ok=True)
        n = 0
        with archive(os.path.join(rfc, name)) as t:
            for m in t.getmembers():
                if not m.isfile():
                    continue
                data = t.extractfile(m).read()
                base = os.path.basename(m.name)
                if crlf:
                    data = data.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
                    base += '.sip'
                with open(os.path.join(out, base), 'wb') as f:
                    f.write(data)
                n += 1
        print('%s: %d files -> %s' % (name, n, out))


if __name__ == '__main__':
    main()
