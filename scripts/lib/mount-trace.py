#!/usr/bin/env python3
"""Reads a full-packet capture (classic pcap, Ethernet, IPv4) of one mfsmount cluster and
tells what the write path did, for scripts/bench-mount.sh --trace:

  - client <-> master (9421): WRITE_CHUNK (per file and chunk index), its reply time,
    WRITE_CHUNK_END, CREATE and the other requests, by kind;
  - master <-> chunkserver (9420): CREATE, SET_VERSION, TRUNCATE ... and their reply times;
  - client <-> chunkserver (9422): per write connection the CLTOCS_WRITE, WRITE_DATA and
    WRITE_STATUS frames, the most WRITE_DATA in flight (sent, no status yet) and the time from
    a WRITE_DATA's last byte to its status.

usage: mount-trace.py CAPTURE.pcap [LABEL]   (prints a small report)
Frames are MooseFS's: type:32 length:32 payload, big-endian. The TCP streams are reassembled
by sequence number (a capture that lost packets is reported and its streams cut there).
"""
import statistics
import struct
import sys
from collections import Counter, defaultdict

MASTER_CS, MASTER_CL, CS_DATA = 9420, 9421, 9422
NAMES = {110: "CREATE", 111: "CREATE reply", 120: "DELETE", 121: "DELETE reply", 130: "DUPLICATE", 140: "SET_VERSION",
         141: "SET_VERSION reply", 160: "TRUNCATE", 161: "TRUNCATE reply", 101: "SPACE", 103: "LOAD", 107: "CHUNK_NEW",
         210: "WRITE", 211: "WRITE_STATUS", 212: "WRITE_DATA", 213: "WRITE_FINISH", 200: "READ", 201: "READ_STATUS",
         202: "READ_DATA", 406: "LOOKUP", 408: "GETATTR", 410: "SETATTR", 416: "MKNOD", 418: "MKDIR", 430: "OPEN",
         434: "WRITE_CHUNK", 435: "WRITE_CHUNK reply", 436: "WRITE_CHUNK_END", 437: "WRITE_CHUNK_END reply",
         482: "CREATE(fuse)", 483: "CREATE(fuse) reply", 498: "FSYNC", 499: "FSYNC reply", 702: "CHUNK_HAS_CHANGED",
         703: "FLENG_HAS_CHANGED", 701: "AMTIME_INODES", 700: "SUSTAINED"}


def packets(path):
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
        link = struct.unpack(endian + "I", head[20:24])[0]
        if link != 1:
            sys.exit(f"{path}: link type {link}, not Ethernet")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _ = struct.unpack(endian + "IIII", rec)
            data = f.read(incl)
            yield sec + frac / (1e9 if nano else 1e6), data


def streams(path):
    """{(src, sport, dst, dport): [(seq, ts, payload)]}"""
    out = defaultdict(list)
    for ts, d in packets(path):
        if len(d) < 34 or d[12:14] != b"\x08\x00":
            continue
        ip = d[14:]
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 6:
            continue
        src, dst = ip[12:16], ip[16:20]
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        off = (tcp[12] >> 4) * 4
        flags = tcp[13]
        payload = tcp[off:]
        key = (".".join(map(str, src)), sport, ".".join(map(str, dst)), dport)
        if flags & 2:  # SYN: data starts at seq + 1
            out[key].append((seq + 1, ts, b""))
        elif payload:
            out[key].append((seq, ts, payload))
    return out


def reassemble(segs):
    """bytes, [(offset, ts)] of the stream's first contiguous run; lost bytes cut it."""
    if not segs:
        return b"", [], False
    base = segs[0][0]
    for s in segs:
        if s[2] == b"":
            base = s[0]
            break
    rel = sorted(((s[0] - base) % 2**32, s[1], s[2]) for s in segs if s[2])
    buf, marks, have, lost = bytearray(), [], 0, False
    for off, ts, p in rel:
        if off > have:
            lost = True
            break
        if off + len(p) <= have:
            continue
        p = p[have - off:]
        marks.append((have, ts))
        buf += p
        have += len(p)
    return bytes(buf), marks, lost


def frames(buf, marks):
    """[(t_first_byte, t_last_byte, type, payload[:32])]"""
    out, o, mi = [], 0, 0
    offs = [m[0] for m in marks]
    import bisect
    while o + 8 <= len(buf):
        t, n = struct.unpack(">II", buf[o:o + 8])
        if o + 8 + n > len(buf):
            break
        a = marks[bisect.bisect_right(offs, o) - 1][1]
        b = marks[bisect.bisect_right(offs, o + 7 + n) - 1][1]
        out.append((a, b, t, buf[o + 8:o + 8 + min(n, 32)]))
        o += 8 + n
    return out


def ms(xs):
    if not xs:
        return "-"
    xs = sorted(xs)
    return f"median {statistics.median(xs) * 1e3:.2f} ms, p90 {xs[int(len(xs) * 0.9)] * 1e3:.2f} ms, n={len(xs)}"


def main():
    path, label = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else sys.argv[1])
    st = streams(path)
    print(f"== {label}")
    per_port = defaultdict(list)  # port -> [(key, frames)]
    for key, segs in st.items():
        buf, marks, lost = reassemble(segs)
        if lost:
            print(f"  capture lost packets in {key}: cut after {len(buf)} bytes")
        port = key[3] if key[3] in (MASTER_CS, MASTER_CL, CS_DATA) else key[1]
        per_port[port].append((key, frames(buf, marks)))
    for port, title in ((MASTER_CL, "client <-> master"), (MASTER_CS, "master <-> chunkserver")):
        counts = Counter()
        req = {}
        lat = defaultdict(list)
        wc_per = Counter()
        events = sorted((a, b, t, p) for _, fs in per_port.get(port, []) for a, b, t, p in fs)
        for a, b, t, p in events:
            counts[NAMES.get(t, str(t))] += 1
            if port == MASTER_CL and t in (434, 436, 482, 416, 410, 498, 430, 408, 406) and len(p) >= 4:
                req[struct.unpack(">I", p[:4])[0]] = (b, t)
                if t == 434 and len(p) >= 12:
                    wc_per[struct.unpack(">II", p[4:12])] += 1
            if port == MASTER_CL and t in (435, 437, 483, 417, 411, 499, 431, 409, 407) and len(p) >= 4:
                m = struct.unpack(">I", p[:4])[0]
                if m in req:
                    sent, kind = req.pop(m)
                    lat[NAMES.get(kind)].append(a - sent)
            if port == MASTER_CS and t in (110, 140, 160) and len(p) >= 8:
                req[(t, p[:8])] = b
            if port == MASTER_CS and t in (111, 141, 161) and len(p) >= 8 and (t - 1, p[:8]) in req:
                lat[NAMES.get(t - 1)].append(a - req.pop((t - 1, p[:8])))
        print(f"  {title}: " + ", ".join(f"{n} {c}" for n, c in sorted(counts.items(), key=lambda x: -x[1])))
        if wc_per:
            per = Counter(wc_per.values())
            print(f"    WRITE_CHUNK per (inode, chunk index): " + ", ".join(f"{k}x: {v}" for k, v in sorted(per.items())))
        for n, xs in sorted(lat.items()):
            print(f"    {n} round trip: {ms(xs)}")
    # client <-> chunkserver: pair the two directions of each connection
    conns = defaultdict(dict)
    for key, fs in per_port.get(CS_DATA, []):
        if key[3] == CS_DATA:
            conns[(key[0], key[1])]["up"] = fs
        else:
            conns[(key[2], key[3])]["down"] = fs
    writes = data = statuses = 0
    inflight_max, status_lat, per_write_data, fsync_gaps = [], [], [], []
    for c, d in conns.items():
        up, down = d.get("up", []), d.get("down", [])
        if not any(t == 210 for _, _, t, _ in up):
            continue
        sent = {}
        events = [(b, 0, t, p) for a, b, t, p in up] + [(a, 1, t, p) for a, b, t, p in down]
        events.sort(key=lambda e: (e[0], e[1]))
        inflight, most, n_data = 0, 0, 0
        for ts, direction, t, p in events:
            if direction == 0 and t == 210:
                writes += 1
                if n_data:
                    per_write_data.append(n_data)
                n_data = 0
            elif direction == 0 and t == 212 and len(p) >= 12:
                data += 1
                n_data += 1
                sent[struct.unpack(">I", p[8:12])[0]] = ts
                inflight += 1
                most = max(most, inflight)
            elif direction == 1 and t == 211 and len(p) >= 12:
                statuses += 1
                w = struct.unpack(">I", p[8:12])[0]
                if w in sent:
                    status_lat.append(ts - sent.pop(w))
                    inflight -= 1
        if n_data:
            per_write_data.append(n_data)
        inflight_max.append(most)
    print(f"  client <-> chunkserver: {writes} WRITE, {data} WRITE_DATA, {statuses} WRITE_STATUS; "
          f"WRITE_DATA per WRITE: {ms_plain(per_write_data)}; most in flight per connection: {max(inflight_max, default=0)}")
    print(f"    WRITE_DATA last byte -> its WRITE_STATUS: {ms(status_lat)}")
    t0 = min((fs[0][0] for lst in per_port.values() for _, fs in lst if fs), default=0)
    t1 = max((fs[-1][1] for lst in per_port.values() for _, fs in lst if fs), default=0)
    print(f"  first to last frame: {t1 - t0:.3f} s")


def ms_plain(xs):
    if not xs:
        return "-"
    return f"median {statistics.median(xs):.0f} (min {min(xs)}, max {max(xs)}, n={len(xs)})"


if __name__ == "__main__":
    main()
