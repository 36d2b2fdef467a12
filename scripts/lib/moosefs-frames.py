#!/usr/bin/env python3
"""Cuts MooseFS frames (type:32 length:32 payload, big-endian) out of tshark's TCP payloads and
writes the first frame of each kind as a hex fixture (used by scripts/capture-moosefs.sh).

usage: moosefs-frames.py SEGMENTS.tsv OUTDIR LISTING
  SEGMENTS.tsv: tshark -T fields -e tcp.stream -e frame.time_relative -e ip.src -e tcp.srcport
                -e ip.dst -e tcp.dstport -e tcp.payload
  OUTDIR:       one NAME.hex per kind of frame (comment lines start with '#'), and
                session-to-master.hex / session-to-chunkserver.hex: both directions of the
                last chunkserver connection to the master, as byte streams
  LISTING:      every frame, one line each
"""
import sys
from collections import defaultdict

MASTER_PORT, DATA_PORT = 9420, 9422
CLIENT_SUFFIX = ".4"        # the lab's client address ends in .4; chunkservers are .2 and .3
SMALL = 2100                # data frames up to this payload become fixtures ("small" files)


def u32(b, i):
    return int.from_bytes(b[i:i + 4], "big")


def name_9420(to_master, t, p):
    if to_master and t == 107 and any(p[k] & 0x80 for k in range(8, len(p), 12)):
        return "chunk-new-marked-for-removal"
    if to_master and t == 101 and len(p) == 40 and p[20:40] != bytes(20):
        return "space-marked-for-removal"
    if to_master:
        if t == 100 and p:
            rver = p[0]
            if rver == 60:
                return "register-begin-password" if len(p) == 71 else "register-begin"
            return {61: "register-chunks", 62: "register-end", 63: "register-disconnect",
                    50: "register-begin-v5", 51: "register-chunks-v5", 52: "register-end-v5"}.get(rver)
        return {0: "nop-to-master", 10: "get-version-master", 101: "space", 102: "chunk-damaged",
                103: "current-load", 105: "chunk-lost", 106: "error-occurred", 107: "chunk-new",
                109: "labels", 111: "create-status", 121: "delete-status", 131: "duplicate-status",
                141: "set-version-status", 151: "replicate-status", 161: "truncate-status",
                171: "duptrunc-status"}.get(t)
    if t == 104 and p:
        if p[0] == 0:
            return {17: "ack-registered", 1: "ack-next", 9: "ack-registered-9", 5: "ack-registered-5"}.get(len(p))
        return {1: "ack-redirect", 2: "ack-wait", 3: "ack-challenge"}.get(p[0])
    if t == 120 and len(p) == 12:
        return "delete-any-version" if u32(p, 8) == 0 else "delete"
    return {0: "nop-to-chunkserver", 11: "version-master", 110: "create", 130: "duplicate",
            140: "set-version", 150: "replicate", 160: "truncate", 170: "duptrunc"}.get(t)


def name_9422(to_cs, from_client, t, p):
    if to_cs:
        if t == 200:
            return "read" if len(p) == 21 else "read-replication"
        if t == 210:
            return "write" if from_client else "write-forwarded"
        if t == 212:
            return ("write-data" if from_client else "write-data-forwarded") if len(p) <= SMALL else None
        return {0: "nop-to-data-port", 10: "get-version-data", 80: "get-config", 213: "write-finish",
                250: "get-chunk-blocks", 530: "module-info-request"}.get(t)
    if t == 202:
        return "read-data" if len(p) <= SMALL else None
    if t == 211 and len(p) == 13:
        return "write-status-ready" if u32(p, 8) == 0 else "write-status"
    return {0: "nop-from-data-port", 11: "version-data", 81: "config-value", 201: "read-status",
            251: "chunk-blocks", 531: "module-info"}.get(t)


def main(segments, outdir, listing):
    # Per (stream, direction): payload bytes in capture order, the first timestamp.
    flows = defaultdict(bytearray)
    meta = {}
    order = []
    with open(segments) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 7 or not cols[6]:
                continue
            stream, time, src, sport, dst, dport, payload = cols[:7]
            key = (int(stream), src, int(sport), dst, int(dport))
            if key not in meta:
                meta[key] = float(time)
                order.append(key)
            flows[key] += bytes.fromhex(payload.replace(":", ""))
    written = {}
    with open(listing, "w") as out:
        for key in order:
            stream, src, sport, dst, dport = key
            data = flows[key]
            if MASTER_PORT not in (sport, dport) and DATA_PORT not in (sport, dport):
                continue
            i = 0
            while len(data) - i >= 8:
                t, n = u32(data, i), u32(data, i + 4)
                if n > 200_000_000 or len(data) - i - 8 < n:
                    break
                frame = bytes(data[i:i + 8 + n])
                p = frame[8:]
                i += 8 + n
                if MASTER_PORT in (sport, dport):
                    name = name_9420(dport == MASTER_PORT, t, p)
                else:
                    name = name_9422(dport == DATA_PORT, src.endswith(CLIENT_SUFFIX), t, p)
                where = f"{src}:{sport} -> {dst}:{dport}, tcp stream {stream}"
                out.write(f"{where}\ttype {t}\tlength {n}\t{name or '-'}\t{frame[:48].hex()}\n")
                if name and name not in written:
                    written[name] = frame
                    with open(f"{outdir}/{name}.hex", "w") as fx:
                        fx.write(f"# {name}: type {t}, payload {n} bytes; {where}\n")
                        fx.write("# captured from Debian's MooseFS 3.0.117 by scripts/capture-moosefs.sh\n")
                        for k in range(0, len(frame), 32):
                            fx.write(frame[k:k + 32].hex() + "\n")
    # The last chunkserver session on 9420 (phase 2: a registration without password to its
    # graceful stop), each direction as one byte stream.
    sessions = [k for k in order if k[4] == MASTER_PORT]
    if sessions:
        last = sessions[-1][0]
        for key in order:
            if key[0] != last:
                continue
            name = "session-to-master" if key[4] == MASTER_PORT else "session-to-chunkserver"
            with open(f"{outdir}/{name}.hex", "w") as fx:
                fx.write(f"# {name}: the byte stream {key[1]}:{key[2]} -> {key[3]}:{key[4]}, tcp stream {key[0]}\n")
                fx.write("# captured from Debian's MooseFS 3.0.117 by scripts/capture-moosefs.sh\n")
                data = flows[key]
                for k in range(0, len(data), 32):
                    fx.write(data[k:k + 32].hex() + "\n")
            written[name] = b""
    print(f"{len(written)} fixtures: {' '.join(sorted(written))}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
