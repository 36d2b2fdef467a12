#!/usr/bin/env python3
"""Cuts MooseFS client-port frames (9421: type:32 length:32 payload, big-endian) out of
tshark's TCP payloads and writes the first frame of each kind as a hex fixture (used by
scripts/capture-moosefs-client.sh).

usage: moosefs-client-frames.py SEGMENTS.tsv OUTDIR LISTING
  SEGMENTS.tsv: tshark -T fields -e tcp.stream -e frame.time_relative -e ip.src -e tcp.srcport
                -e ip.dst -e tcp.dstport -e tcp.payload
  OUTDIR:       one NAME.hex per kind of frame ('#' lines are comments)
  LISTING:      every frame, one line each
"""
import sys
from collections import defaultdict

CLIENT_PORT = 9421
BIG = 4096  # frames with longer payloads are listed, not kept

NAMES = {0: "nop", 400: "register", 402: "statfs", 404: "access", 406: "lookup", 408: "getattr", 410: "setattr",
         412: "readlink", 414: "symlink", 416: "mknod", 418: "mkdir", 420: "unlink", 422: "rmdir", 424: "rename",
         426: "link", 428: "readdir", 430: "open", 432: "read-chunk", 434: "write-chunk", 436: "write-chunk-end",
         440: "check", 442: "gettrashtime", 444: "settrashtime", 446: "getsclass", 448: "setsclass",
         462: "getdirstats", 464: "truncate", 478: "getxattr", 480: "setxattr", 482: "create", 488: "getfacl",
         490: "setfacl", 492: "flock", 494: "posix-lock", 700: "sustained-inodes", 701: "amtime-inodes",
         702: "chunk-has-changed", 703: "fleng-has-changed", 704: "time-sync", 705: "time-sync",
         706: "invalidate-chunk-cache"}


def u32(b, i):
    return int.from_bytes(b[i:i + 4], "big")


def name_of(to_master, t, p):
    base = NAMES.get(t if to_master or t in (0, 702, 703, 705, 706) else t - 1)
    if base is None:
        return None
    if to_master:
        if t == 400 and len(p) > 64:
            rcode = p[64]
            kind = {1: "getrandom", 2: "newsession", 3: "reconnect", 4: "tools", 5: "newmetasession",
                    6: "closesession"}.get(rcode, f"rcode{rcode}")
            if rcode == 2:
                ileng = u32(p, 69)
                pleng = u32(p, 73 + ileng)
                extra = len(p) - (77 + ileng + pleng)
                kind += {0: "", 4: "-sessionid", 12: "-sessionid-metaid", 16: "-password"}.get(extra, f"-{extra}")
            return f"request-register-{kind}"
        if t == 478 and len(p) > 8 and p[8] == 0:
            return "request-getxattr-list"
        if t == 464 and len(p) > 8:
            return f"request-truncate-flags{p[8]:02x}"
        if t == 436:
            return f"request-write-chunk-end-{len(p)}"
        return f"request-{base}"
    if t == 401:
        return {1: "reply-register-status", 4: "reply-register-redirect", 5: "reply-register-reconnected",
                32: "reply-register-random", 49: "reply-register-session"}.get(len(p), f"reply-register-{len(p)}")
    if t in (0, 702, 703, 706):
        return f"notice-{base}"
    if len(p) == 5:
        return f"reply-{base}-status{p[4]}"
    if t == 407 and len(p) > 46:
        return "reply-lookup-chunk0"
    return f"reply-{base}"


def main(segments, outdir, listing):
    flows = defaultdict(bytearray)
    order = []
    with open(segments) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 7 or not cols[6]:
                continue
            stream, _, src, sport, dst, dport, payload = cols[:7]
            key = (int(stream), src, int(sport), dst, int(dport))
            if key not in flows:
                order.append(key)
            flows[key] += bytes.fromhex(payload.replace(":", ""))
    written = set()
    with open(listing, "w") as out:
        for key in order:
            stream, src, sport, dst, dport = key
            if CLIENT_PORT not in (sport, dport):
                continue
            data, i = flows[key], 0
            while len(data) - i >= 8:
                t, n = u32(data, i), u32(data, i + 4)
                if n > 100_000_000 or len(data) - i - 8 < n:
                    break
                frame = bytes(data[i:i + 8 + n])
                i += 8 + n
                name = name_of(dport == CLIENT_PORT, t, frame[8:])
                where = f"{src}:{sport} -> {dst}:{dport}, tcp stream {stream}"
                out.write(f"{where}\ttype {t}\tlength {n}\t{name or '-'}\t{frame[:64].hex()}\n")
                if name and name not in written and n <= BIG:
                    written.add(name)
                    with open(f"{outdir}/{name}.hex", "w") as fx:
                        fx.write(f"# {name}: type {t}, payload {n} bytes; {where}\n")
                        fx.write("# captured from Debian's MooseFS 3.0.117 by scripts/capture-moosefs-client.sh\n")
                        for k in range(0, len(frame), 32):
                            fx.write(frame[k:k + 32].hex() + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
