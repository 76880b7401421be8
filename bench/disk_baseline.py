"""Durable single-file deliveries per second, one at a time, as one event file is delivered:
exclusive tmp file, write, fsync, hard link into pending/, fsync the directory. The baseline that
bench/serve.sh and bench/events.sh print their throughput against.

    python3 bench/disk_baseline.py STORE/.poet/events [N]   (default 500 deliveries)
"""
import os
import sys
import time

events = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
tmp, pending = os.path.join(events, "tmp"), os.path.join(events, "pending")
d = os.open(pending, os.O_RDONLY)
t0 = time.perf_counter()
for i in range(n):
    name = "baseline_%06d.json" % i
    f = os.open(os.path.join(tmp, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.write(f, b'{"baseline":true}\n')
    os.fsync(f)
    os.close(f)
    os.link(os.path.join(tmp, name), os.path.join(pending, "x" + name))
    os.unlink(os.path.join(tmp, name))
    os.fsync(d)
elapsed = time.perf_counter() - t0
for i in range(n):
    os.unlink(os.path.join(pending, "xbaseline_%06d.json" % i))
os.close(d)
print("%.0f" % (n / elapsed))
