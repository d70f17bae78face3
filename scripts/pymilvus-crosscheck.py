#!/usr/bin/env python3
"""Creates a collection with pymilvus and prints pymilvus's own search and query results as JSON.

Used by the Milvus adapter's cross-check test: vscope must return the same ids, distances and fields
for the same requests on the same server. Usage: pymilvus-crosscheck.py HOST:PORT COLLECTION METRIC
"""
import json
import random
import sys

from pymilvus import DataType, MilvusClient

address, name, metric = sys.argv[1], sys.argv[2], sys.argv[3]
client = MilvusClient(uri=f"http://{address}")
schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=True)
schema.add_field("id", DataType.INT64, is_primary=True)
schema.add_field("vector", DataType.FLOAT_VECTOR, dim=8)
schema.add_field("genre", DataType.VARCHAR, max_length=16)
schema.add_field("score", DataType.DOUBLE)
index = client.prepare_index_params()
index.add_index(field_name="vector", index_type="FLAT", metric_type=metric)
client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")

rng = random.Random(7)
genres = ["jazz", "soul", "rock", "pop"]
rows = [
    {
        "id": i,
        "vector": [rng.uniform(-1, 1) for _ in range(8)],
        "genre": genres[i % 4],
        "score": i * 0.25,
        "mood": "calm" if i % 3 == 0 else "wild",
    }
    for i in range(300)
]
client.insert(name, rows)
client.load_collection(name)

queries = [[rng.uniform(-1, 1) for _ in range(8)] for _ in range(4)]
flt = 'genre in ["jazz", "soul"] and score > 10'
hits = client.search(
    name, data=queries, limit=10, filter=flt, output_fields=["genre", "score", "mood"],
    search_params={"metric_type": metric, "params": {}}, consistency_level="Strong",
)
found = client.query(name, filter='genre == "rock" and score < 20', output_fields=["genre", "score", "mood"],
                     limit=100, consistency_level="Strong")
print(json.dumps({
    "queries": queries,
    "filter": flt,
    "search": [[{"id": h["id"], "distance": h["distance"], "entity": h["entity"]} for h in row] for row in hits],
    "query": sorted(found, key=lambda r: r["id"]),
}))
