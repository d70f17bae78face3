#!/usr/bin/env python3
"""Per-call overhead of a search through vscope's Milvus adapter versus pymilvus (a benchmark, not a test).

Same server, same 10k x 128 collection (FLAT, L2, loaded), topK 10, 1 and 100 query vectors; each
client makes one warm-up call, then timed calls one after another. vscope is timed inside its own
process (`vscope search --repeat N`), so process start-up is not counted.

    scripts/milvus-servers start .milvus-state && . .milvus-state/servers.env
    swift build -c release --product vscope
    .venv-milvus/bin/python scripts/bench-milvus-overhead.py "$VSCOPE_MILVUS_STANDALONE" .build/release/vscope
"""
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

from pymilvus import DataType, MilvusClient

address, vscope = sys.argv[1], sys.argv[2]
calls = int(sys.argv[3]) if len(sys.argv) > 3 else 200
name = "bench_overhead"
client = MilvusClient(uri=f"http://{address}")
if client.has_collection(name):
    client.drop_collection(name)
schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
schema.add_field("id", DataType.INT64, is_primary=True)
schema.add_field("vector", DataType.FLOAT_VECTOR, dim=128)
index = client.prepare_index_params()
index.add_index(field_name="vector", index_type="FLAT", metric_type="L2")
client.create_collection(name, schema=schema, index_params=index)
rng = random.Random(1)
for start in range(0, 10_000, 2_000):
    client.insert(name, [{"id": i, "vector": [rng.gauss(0, 1) for _ in range(128)]} for i in range(start, start + 2_000)])
client.flush(name)
client.load_collection(name)

rows = []
with tempfile.TemporaryDirectory() as directory:
    for nq in (1, 100):
        queries = [[rng.gauss(0, 1) for _ in range(128)] for _ in range(nq)]
        n = calls if nq == 1 else max(calls // 4, 10)
        client.search(name, data=queries, limit=10)
        times = []
        for _ in range(n):
            began = time.perf_counter()
            client.search(name, data=queries, limit=10)
            times.append((time.perf_counter() - began) * 1000)
        path = f"{directory}/q{nq}.json"
        with open(path, "w") as f:
            json.dump(queries, f)
        run = subprocess.run(
            [vscope, "--milvus", f"milvus://{address}", "search", name, "--vector-file", path, "--top-k", "10",
             "--repeat", str(n + 1), "--json"], capture_output=True, text=True, check=True)
        match = re.search(r"mean ([\d.]+) ms, p50 ([\d.]+) ms, p99 ([\d.]+) ms", run.stderr)
        ours = [float(x) for x in match.groups()]
        times.sort()
        theirs = [statistics.mean(times), times[len(times) // 2], times[min(len(times) - 1, len(times) * 99 // 100)]]
        rows.append((nq, n, theirs, ours))
client.drop_collection(name)

print("| query vectors | calls | pymilvus mean / p50 / p99 (ms) | vscope mean / p50 / p99 (ms) | vscope / pymilvus (mean) |")
print("|---|---|---|---|---|")
for nq, n, theirs, ours in rows:
    print(f"| {nq} | {n} | {theirs[0]:.2f} / {theirs[1]:.2f} / {theirs[2]:.2f} | "
          f"{ours[0]:.2f} / {ours[1]:.2f} / {ours[2]:.2f} | {ours[0] / theirs[0]:.2f} |")
