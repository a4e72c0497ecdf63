#!/usr/bin/env python3
"""A minimal SIP phone for the registrar tests (loopback only, bounded).

  sip_phone.py request PORT [--tcp]
      Sends the request read from stdin (LPORT, CALLID and BRANCH replaced;
      LF line ends become CRLF) and prints the first final response. Several
      requests separated by lines "====": sent one after the other, the
      status line of each final response printed.
  sip_phone.py phone PORT --user U [--tcp] [--contact URI] [--expires S]
                     [--calls N] [--close] [--instance URN --reg-id N]
                     [--q Q] [--until-term]
      Registers U with Contact URI (default: its own address), prints
      "registered PORT" (its local port) and "require: VALUE" (the 200's
      Require, or none), answers N INVITEs with 200 (ACK, then BYE answered
      200) and prints "rung N" (the INVITEs it got) and "answered N" (the
      calls that ended with a BYE). --close: closes its connection once
      registered and exits (a phone that went away). --instance and
      --reg-id: an RFC 5626 outbound registration (Supported: outbound, the
      Contact URI with ;ob, +sip.instance and reg-id). --q: the Contact's
      q-value. --until-term: answers
      calls until SIGTERM, then prints "answered N" and exits 0.
"""
import argparse
import re
import signal
import socket
import sys
import time
import uuid

DEADLINE = time.monotonic() + 30


class Channel:
    def __init__(self, port, tcp):
        self.tcp = tcp
        self.server = ("127.0.0.1", port)
        if tcp:
            self.sock = socket.create_connection(self.server, timeout=5)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.buffer = b""
        self.peer = self.server

    def send(self, text, to=None):
        data = text.encode()
        if self.tcp:
            self.sock.sendall(data)
        else:
            self.sock.sendto(data, to or self.server)

    def receive(self, timeout):
        """One message, or None after timeout seconds."""
        self.sock.settimeout(max(0.01, min(timeout, DEADLINE - time.monotonic())))
        try:
            if not self.tcp:
                data, self.peer = self.sock.recvfrom(65535)
                return data.decode(errors="replace")
            while True:
                end = self.buffer.find(b"\r\n\r\n")
                if end >= 0:
                    head = self.buffer[:end].decode(errors="replace")
                    m = re.search(r"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
                    total = end + 4 + (int(m.group(1)) if m else 0)
                    if len(self.buffer) >= total:
                        message = self.buffer[:total].decode(errors="replace")
                        self.buffer = self.buffer[total:]
                        return message
                chunk = self.sock.recv(65535)
                if not chunk:
                    return None
                self.buffer += chunk
        except socket.timeout:
            return None


def fill(text, channel):
    text = text.replace("LPORT", str(channel.port)).replace("CALLID", uuid.uuid4().hex)
    text = text.replace("BRANCH", "z9hG4bK" + uuid.uuid4().hex)
    text = text.replace("TRANSPORT", "TCP" if channel.tcp else "UDP")
    lines = text.replace("\r\n", "\n").split("\n")
    head_end = lines.index("") if "" in lines else len(lines)
    return "\r\n".join(lines[:head_end]) + "\r\n\r\n"


def status(message):
    return int(message.split(" ", 2)[1]) if message.startswith("SIP/2.0 ") else 0


def transact(channel, request):
    """Sends request (retransmitted over UDP) and returns the final response."""
    sent = time.monotonic()
    channel.send(request)
    while time.monotonic() < DEADLINE:
        message = channel.receive(0.5)
        if message is None:
            if channel.tcp and time.monotonic() - sent > 10:
                break
            if not channel.tcp:
                channel.send(request)
            continue
        if status(message) >= 200:
            return message
    sys.exit("no final response")


def headers(message, name):
    return [h.rstrip("\r") for h in re.findall(r"(?im)^%s\s*:.*$" % name, message)]


def answer(request, code, extra=""):
    reason = {200: "OK"}.get(code, "Error")
    out = ["SIP/2.0 %d %s" % (code, reason)]
    for name in ("Via", "v", "Record-Route", "From", "f"):
        out += headers(request, name)
    to = headers(request, "To") or headers(request, "t")
    if to and "tag=" not in to[0] and request.startswith("INVITE"):
        to = [to[0] + ";tag=" + uuid.uuid4().hex[:8]]
    out += to
    for name in ("Call-ID", "i", "CSeq"):
        out += headers(request, name)
    if extra:
        out.append(extra)
    out.append("Content-Length: 0")
    return "\r\n".join(out) + "\r\n\r\n"


def run_request(args):
    channel = Channel(args.port, args.tcp)
    requests = re.split(r"(?m)^====\n", sys.stdin.read())
    if len(requests) == 1:
        print(transact(channel, fill(requests[0], channel)), end="")
        return
    for request in requests:
        if request.strip():
            print(transact(channel, fill(request, channel)).split("\r\n", 1)[0], flush=True)


def run_phone(args):
    channel = Channel(args.port, args.tcp)
    contact = args.contact or "sip:%s@127.0.0.1:%d" % (args.user, channel.port)
    if args.tcp and not args.contact:
        contact += ";transport=tcp"
    params, supported = "", ""
    if args.instance:
        contact += ";ob"
        params = ';+sip.instance="<%s>";reg-id=%d' % (args.instance, args.reg_id)
        supported = "Supported: outbound\n"
    if args.q:
        params += ";q=%s" % args.q
    register = fill(
        "REGISTER sip:127.0.0.1 SIP/2.0\n"
        "Via: SIP/2.0/TRANSPORT 127.0.0.1:LPORT;branch=BRANCH;rport\n"
        "From: <sip:%s@127.0.0.1>;tag=1\n"
        "To: <sip:%s@127.0.0.1>\n"
        "Call-ID: CALLID\n"
        "CSeq: 1 REGISTER\n"
        "%s"
        "Contact: <%s>%s\n"
        "Expires: %d\n"
        "Max-Forwards: 70\n"
        "Content-Length: 0\n"
        % (args.user, args.user, supported, contact, params, args.expires),
        channel,
    )
    response = transact(channel, register)
    if status(response) != 200:
        sys.exit("REGISTER answered %d" % status(response))
    require = [h.split(":", 1)[1].strip() for h in headers(response, "Require")]
    print("registered %d" % channel.port, flush=True)
    print("require: %s" % (", ".join(require) or "none"), flush=True)
    if args.close:
        channel.sock.close()
        return
    answered, rung = 0, 0
    stop = []
    if args.until_term:
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while (args.until_term or answered < args.calls) and not stop and time.monotonic() < DEADLINE:
        message = channel.receive(0.1 if args.until_term else 1)
        if message is None:
            continue
        method = message.split(" ", 1)[0]
        peer = channel.peer
        if method == "INVITE":
            rung += 1
            channel.send(answer(message, 200, "Contact: <%s>" % contact), peer)
        elif method == "BYE":
            channel.send(answer(message, 200), peer)
            answered += 1
        elif method not in ("ACK",) and status(message) == 0:
            channel.send(answer(message, 200), peer)
    print("rung %d" % rung, flush=True)
    print("answered %d" % answered, flush=True)
    sys.exit(0 if args.until_term and stop or answered == args.calls else 1)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    request = sub.add_parser("request")
    request.add_argument("port", type=int)
    request.add_argument("--tcp", action="store_true")
    phone = sub.add_parser("phone")
    phone.add_argument("port", type=int)
    phone.add_argument("--user", required=True)
    phone.add_argument("--tcp", action="store_true")
    phone.add_argument("--contact")
    phone.add_argument("--expires", type=int, default=600)
    phone.add_argument("--calls", type=int, default=1)
    phone.add_argument("--close", action="store_true")
    phone.add_argument("--instance")
    phone.add_argument("--reg-id", type=int, default=1)
    phone.add_argument("--q")
    phone.add_argument("--until-term", action="store_true")
    args = parser.parse_args()
    run_request(args) if args.command == "request" else run_phone(args)


if __name__ == "__main__":
    main()
