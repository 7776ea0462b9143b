#!/usr/bin/env python3
"""Writes a tiny GGUF model with random weights in the qwen2 architecture's shape, for tests.

The weights are random (a fixed seed, so the same file every time): the model answers gibberish,
but llama-server serves it like a real one (real tokenizer, chat template, usage, tools, grammar-
constrained response_format). The tokenizer (every tokenizer.* field: vocabulary, merges, special
token ids) is copied from a tokenizer-only GGUF, llama.cpp's models/ggml-vocab-qwen2.gguf.

Usage (gguf-py from the llama.cpp source tree; needs numpy and yaml, Debian's python3-numpy and
python3-yaml; tools/ci/install-llama-server.sh runs it):
  PYTHONPATH=<llama.cpp>/gguf-py /usr/bin/python3 tools/llm/make-tiny-gguf.py \
      --vocab <llama.cpp>/models/ggml-vocab-qwen2.gguf --out tiny-qwen2.gguf \
      [--chat-template <llama.cpp>/models/templates/Qwen-Qwen2.5-7B-Instruct.jinja]
"""
import argparse
import sys

import numpy as np

import gguf

ARCH = "qwen2"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vocab", required=True, help="tokenizer-only GGUF (models/ggml-vocab-qwen2.gguf)")
    p.add_argument("--out", required=True, help="the GGUF file to write")
    p.add_argument("--chat-template", help="a Jinja file stored as tokenizer.chat_template")
    p.add_argument("--embd", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--ff", type=int, default=128)
    # llama-server caps a slot's context at the training context; tau2's retail prompt with tools
    # is ~5-6k tokens, so keep this large (it costs nothing: the KV cache is sized by -c).
    p.add_argument("--context", type=int, default=32768)
    p.add_argument("--seed", type=int, default=20261202)
    a = p.parse_args()
    if a.embd % a.heads or a.heads % a.kv_heads:
        sys.exit("make-tiny-gguf: --embd must divide by --heads, --heads by --kv-heads")

    reader = gguf.GGUFReader(a.vocab)
    tok_fields = {k: f for k, f in reader.fields.items() if k.startswith("tokenizer.")}
    if "tokenizer.ggml.tokens" not in tok_fields:
        sys.exit(f"make-tiny-gguf: {a.vocab} has no tokenizer.ggml.tokens")
    n_vocab = len(tok_fields["tokenizer.ggml.tokens"].data)

    w = gguf.GGUFWriter(a.out, ARCH)
    w.add_name("tiny-random-qwen2")
    w.add_context_length(a.context)
    w.add_embedding_length(a.embd)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(a.ff)
    w.add_head_count(a.heads)
    w.add_head_count_kv(a.kv_heads)
    w.add_rope_freq_base(1000000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)

    for key, field in tok_fields.items():
        if key == "tokenizer.chat_template" and a.chat_template:
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        w.add_key_value(key, field.contents(), vtype, sub)
    if a.chat_template:
        with open(a.chat_template, encoding="utf-8") as f:
            w.add_chat_template(f.read())

    rng = np.random.default_rng(a.seed)
    head = a.embd // a.heads
    kv = head * a.kv_heads

    def mat(rows: int, cols: int) -> np.ndarray:
        # numpy shape (rows, cols) is ggml's {cols, rows}
        return (rng.standard_normal((rows, cols), dtype=np.float32) * 0.5).astype(np.float16)

    def vec(n: int, value: float | None = None) -> np.ndarray:
        if value is not None:
            return np.full(n, value, dtype=np.float32)
        return (rng.standard_normal(n, dtype=np.float32) * 0.1).astype(np.float32)

    # No output.weight: qwen2 then ties the output projection to token_embd.
    w.add_tensor("token_embd.weight", mat(n_vocab, a.embd))
    w.add_tensor("output_norm.weight", vec(a.embd, 1.0))
    for i in range(a.layers):
        b = f"blk.{i}."
        w.add_tensor(b + "attn_norm.weight", vec(a.embd, 1.0))
        w.add_tensor(b + "attn_q.weight", mat(a.embd, a.embd))
        w.add_tensor(b + "attn_q.bias", vec(a.embd))
        w.add_tensor(b + "attn_k.weight", mat(kv, a.embd))
        w.add_tensor(b + "attn_k.bias", vec(kv))
        w.add_tensor(b + "attn_v.weight", mat(kv, a.embd))
        w.add_tensor(b + "attn_v.bias", vec(kv))
        w.add_tensor(b + "attn_output.weight", mat(a.embd, a.embd))
        w.add_tensor(b + "ffn_norm.weight", vec(a.embd, 1.0))
        w.add_tensor(b + "ffn_gate.weight", mat(a.ff, a.embd))
        w.add_tensor(b + "ffn_up.weight", mat(a.ff, a.embd))
        w.add_tensor(b + "ffn_down.weight", mat(a.embd, a.ff))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"make-tiny-gguf: wrote {a.out} ({n_vocab} tokens, {a.embd}-wide, {a.layers} layers)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
