#!/usr/bin/python3
"""A NETCONF subsystem for the benchmarks that answers <get> with a big reply.

sshd runs it as "Subsystem netconf-bulk /usr/bin/python3 .../netconf-bulk.py".
base:1.0 framing (]]>]]>): it sends its <hello>, reads the client's, then
answers every <get> with an <rpc-reply> whose <data> holds MiB mebibytes
of <item> elements, MiB taken from a mib="N" attribute in the request
(default: the first argument, or 4; that size is built before the
<hello> is sent, so that timing the reply times its transfer), and <close-session> with <ok/>.
"""

import os
import re
import sys

EOM = b"]]>]]>"
NS = b"urn:ietf:params:xml:ns:netconf:base:1.0"


def write_all(data):
    view = memoryview(data)
    while view:
        n = os.write(1, view)
        view = view[n:]


def messages():
    buf = b""
    while True:
        i = buf.find(EOM)
        if i >= 0:
            yield buf[:i]
            buf = buf[i + len(EOM):]
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            return
        buf += chunk


def bulk(mib):
    item = b"<item><name>if-%08d</name><counters>" + b"0123456789" * 8 + \
        b"</counters></item>\n"
    one = item % 0
    want = mib * 1024 * 1024
    count = max(1, want // len(one))
    return b"".join(item % i for i in range(count))


def main():
    # Built before the <hello>, so that the reply's time is transfer time.
    ready = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    data = {ready: bulk(ready)}
    write_all(b'<?xml version="1.0" encoding="UTF-8"?>\n<hello xmlns="' + NS +
              b'"><capabilities><capability>urn:ietf:params:netconf:base:1.0'
              b"</capability></capabilities><session-id>" +
              str(os.getpid()).encode() + b"</session-id></hello>" + EOM)
    msgs = messages()
    try:
        hello = next(msgs)
    except StopIteration:
        return 1
    if b"hello" not in hello:
        return 1
    for msg in msgs:
        m = re.search(rb'message-id="([^"<>&]*)"', msg)
        mid = m.group(1) if m else b""
        head = (b'<?xml version="1.0" encoding="UTF-8"?>\n<rpc-reply xmlns="' +
                NS + b'" message-id="' + mid + b'">')
        if b"<close-session" in msg:
            write_all(head + b"<ok/></rpc-reply>" + EOM)
            return 0
        if b"<get" in msg:
            m = re.search(rb'mib="([0-9]+)"', msg)
            mib = min(int(m.group(1)), 1024) if m else 4
            write_all(head + b"<data>")
            if mib not in data:
                data[mib] = bulk(mib)
            write_all(data[mib])
            write_all(b"</data></rpc-reply>" + EOM)
        else:
            write_all(head + b"<rpc-error><error-type>protocol</error-type>"
                      b"<error-tag>operation-not-supported</error-tag>"
                      b"<error-severity>error</error-severity></rpc-error>"
                      b"</rpc-reply>" + EOM)
    return 0


if __name__ == "__main__":
    sys.exit(main())
