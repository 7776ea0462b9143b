#!/usr/bin/env python3
"""A plain load generator for an OpenAI-compatible /v1/chat/completions endpoint (python3 stdlib only).

Keeps --parallel requests in flight (one thread each, urllib) with a fixed prompt and --max-tokens,
until --requests requests have finished or --duration seconds have passed, then prints completion
tokens/s and requests/s computed from the responses' own `usage` (what the server says it generated).
`ignore_eos: true` is sent as an extra field (llama.cpp's llama-server honours it; vLLM accepts it too),
so every request generates exactly max_tokens tokens; --no-ignore-eos leaves it out.

Examples (the tiny random model from tools/ci/install-llama-server.sh; see docs/real-llm-testing.md):
  eval "$(tools/ci/install-llama-server.sh | tail -1)"; export MATRIX_LLAMA_SERVER MATRIX_LLAMA_MODEL MATRIX_LLAMA_TEMPLATE MATRIX_LLAMA_LIBS
  LD_LIBRARY_PATH=$MATRIX_LLAMA_LIBS $MATRIX_LLAMA_SERVER -m $MATRIX_LLAMA_MODEL --host 127.0.0.1 --port 8088 \
      -c 262144 --parallel 8 -t 1 --jinja --chat-template-file $MATRIX_LLAMA_TEMPLATE &
  python3 tools/llm/loadgen.py --url http://127.0.0.1:8088/v1 --parallel 8 --max-tokens 512 --requests 64
  python3 tools/llm/loadgen.py --url http://127.0.0.1:8088/v1 --parallel 8 --max-tokens 128 --duration 30 --json
Exit status 1 if any request failed (the failures are counted and the first error is printed).
"""
import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.request

PROMPT = "Write a short story about a lighthouse keeper who finds a message in a bottle."


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8088/v1")
    p.add_argument("--model", default="tiny", help="model name sent in the request")
    p.add_argument("--parallel", type=int, default=8, help="requests in flight")
    p.add_argument("--max-tokens", type=int, default=512)
    p.add_argument("--requests", type=int, help="stop after this many requests (default 64 unless --duration)")
    p.add_argument("--duration", type=float, help="stop starting requests after this many seconds")
    p.add_argument("--prompt", default=PROMPT)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--no-ignore-eos", action="store_true", help="do not send ignore_eos")
    p.add_argument("--timeout", type=float, default=600, help="seconds per request")
    p.add_argument("--json", action="store_true", help="print the result as one JSON line")
    a = p.parse_args()
    if a.requests is None and a.duration is None:
        a.requests = 64

    body = {
        "model": a.model,
        "messages": [{"role": "user", "content": a.prompt}],
        "max_tokens": a.max_tokens,
        "temperature": a.temperature,
    }
    if not a.no_ignore_eos:
        body["ignore_eos"] = True
    data = json.dumps(body).encode()
    endpoint = a.url.rstrip("/") + "/chat/completions"

    lock = threading.Lock()
    state = {"started": 0, "ok": 0, "failed": 0, "prompt": 0, "completion": 0, "first_error": None, "latency": 0.0}
    begin = time.monotonic()

    def take() -> bool:
        with lock:
            if a.requests is not None and state["started"] >= a.requests:
                return False
            if a.duration is not None and time.monotonic() - begin >= a.duration:
                return False
            state["started"] += 1
            return True

    def worker() -> None:
        while take():
            t0 = time.monotonic()
            try:
                req = urllib.request.Request(endpoint, data=data, headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=a.timeout) as resp:
                    usage = json.load(resp).get("usage") or {}
                with lock:
                    state["ok"] += 1
                    state["prompt"] += int(usage.get("prompt_tokens", 0))
                    state["completion"] += int(usage.get("completion_tokens", 0))
                    state["latency"] += time.monotonic() - t0
            except (urllib.error.URLError, OSError, ValueError) as e:
                with lock:
                    state["failed"] += 1
                    if state["first_error"] is None:
                        detail = e.read().decode(errors="replace")[:300] if isinstance(e, urllib.error.HTTPError) else ""
                        state["first_error"] = f"{e} {detail}".strip()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - begin

    result = {
        "url": a.url,
        "parallel": a.parallel,
        "max_tokens": a.max_tokens,
        "requests": state["ok"],
        "failed": state["failed"],
        "seconds": round(elapsed, 3),
        "prompt_tokens": state["prompt"],
        "completion_tokens": state["completion"],
        "completion_tokens_per_s": round(state["completion"] / elapsed, 1) if elapsed > 0 else 0.0,
        "requests_per_s": round(state["ok"] / elapsed, 3) if elapsed > 0 else 0.0,
        "mean_latency_s": round(state["latency"] / state["ok"], 3) if state["ok"] else None,
    }
    if a.json:
        print(json.dumps(result))
    else:
        print(f"{result['requests']} requests ({result['failed']} failed) in {result['seconds']} s at {a.parallel} parallel, "
              f"max_tokens {a.max_tokens}: {result['completion_tokens_per_s']} completion tokens/s, "
              f"{result['requests_per_s']} requests/s, mean latency {result['mean_latency_s']} s "
              f"({result['completion_tokens']} completion, {result['prompt_tokens']} prompt tokens)")
    if state["first_error"]:
        print(f"loadgen: first error: {state['first_error']}", file=sys.stderr)
    return 1 if state["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
