#!/usr/bin/env python3
"""A UAS for the interop tests with its own Digest code (Python's hashlib).
Each request's Request-URI user part names what to offer,
"ALGORITHM.QOP[.407]" (e.g. sip:SHA-512-256-sess.auth-int@127.0.0.1:PORT; the
RFC 7616 algorithm tokens, qop auth or auth-int; .407 to challenge as a
proxy). A request without credentials gets a 401 (WWW-Authenticate) or 407
(Proxy-Authenticate) with that challenge; one with them gets 200 when its response is the one computed from USER and PASSWORD (and its
username, realm, uri and algorithm are right), else 403. Exits after COUNT
requests with Authorization, or after 30 s without a request.

usage: digest_uas.py PORT COUNT USER PASSWORD  (prints "ready" once bound)
"""
import hashlib
import re
import socket
import sys

port, count, user, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
REALM = "python.example"
NONCE = "3q2+7wAAAAA3q2+7wAAAAA"
HASHES = {"md5": "md5", "sha-256": "sha256", "sha-512-256": "sha512_256"}


def reply(request, code, reason, extra=""):
    lines = request.split("\r\n")
    keep = [l for l in lines if re.match(r"(?i)(via|from|to|call-id|cseq):", l)]
    keep = [l + ";tag=py1" if re.match(r"(?i)to:", l) else l for l in keep]
    return ("SIP/2.0 %d %s\r\n%s\r\n%sContent-Length: 0\r\n\r\n"
            % (code, reason, "\r\n".join(keep), extra)).encode()


def params(header):
    return {k.lower(): v1 if v1 else v2
            for k, v1, v2 in re.findall(r'([\w-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', header)}


def check(method, uri, body, auth, algorithm):
    base = algorithm.lower().removesuffix("-sess")

    def h(text):
        return hashlib.new(HASHES[base], text.encode()).hexdigest()

    p = params(auth)
    ha1 = h("%s:%s:%s" % (user, REALM, password))
    if algorithm.lower().endswith("-sess"):
        ha1 = h("%s:%s:%s" % (ha1, p.get("nonce", ""), p.get("cnonce", "")))
    a2 = "%s:%s" % (method, p.get("uri", ""))
    if p.get("qop") == "auth-int":
        a2 += ":" + h(body)
    expected = h(":".join([ha1, p.get("nonce", ""), p.get("nc", ""), p.get("cnonce", ""),
                           p.get("qop", ""), h(a2)]))
    sys.stderr.write("digest_uas: %s\n  expected response %s\n" % (auth, expected))
    return (p.get("response") == expected and p.get("username") == user
            and p.get("realm") == REALM and p.get("uri") == uri
            and p.get("algorithm", "MD5").lower() == algorithm.lower())


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
sock.settimeout(30)
print("ready", flush=True)

answered = set()
while len(answered) < count:
    data, peer = sock.recvfrom(65535)
    text = data.decode()
    head, _, body = text.partition("\r\n\r\n")
    method, uri = head.split(" ", 2)[:2]
    parts = re.match(r"sips?:([^@]+)@", uri).group(1).split(".")
    algorithm, qop, proxy = parts[0], parts[1], parts[2:] == ["407"]
    name = "proxy-authorization:" if proxy else "authorization:"
    auth = next((l for l in head.split("\r\n") if l.lower().startswith(name)), "")
    if not auth:
        challenge = ('%s: Digest realm="%s", nonce="%s", algorithm=%s, qop="%s"\r\n'
                     % ("Proxy-Authenticate" if proxy else "WWW-Authenticate", REALM, NONCE,
                        algorithm, qop))
        sock.sendto(reply(text, 407 if proxy else 401,
                          "Proxy Authentication Required" if proxy else "Unauthorized",
                          challenge), peer)
        continue
    ok = check(method, uri, body, auth, algorithm)
    answered.add(auth)
    sock.sendto(reply(text, 200 if ok else 403, "OK" if ok else "Forbidden"), peer)
