"""Latency of one client against a real `casebot serve`, and the vanilla peer's floor.

In one run: the vanilla LangChain peer's retrieval (MiniLM on PyTorch through LangChain's
Embeddings, then a Chroma similarity search: what the textbook pipeline does before it
writes a word), timed in this process over the dev questions; then, for each round, a fresh
server: seconds until /readyz, then /v1/chat, /v1/chat/stream (time to the `safety` event
and to the end), /v1/search and /healthz, one request at a time. /v1/chat's p50 is reported
as a ratio to the floor. The embedding LRU is off (CASEBOT_EMBED_CACHE_SIZE=0) so a question
asked in every round costs what a new one does.
Usage: .venv/bin/python benchmarks/latency_floor.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from _common import (
    REPO,
    dev_questions,
    ingest,
    load_average,
    median,
    percentile,
    save,
    server,
)
from chat_latency import latencies as timed

from casebot.embeddings import TorchEmbedder
from casebot.evals.systems import build_peer

QUESTIONS = 60


def peer_floor(questions: list[str], rounds: int) -> list[list[float]]:
    """ms per retrieval of the vanilla peer, a list per round."""
    work = Path(tempfile.mkdtemp(prefix="casebot-peer-"))
    try:
        peer = build_peer(REPO / "knowledge", TorchEmbedder(), work)
        for q in questions[:5]:
            peer.retrieve(q)
        out = []
        for _ in range(rounds):
            times = []
            for q in questions:
                started = time.perf_counter()
                peer.retrieve(q)
                times.append((time.perf_counter() - started) * 1000)
            out.append(times)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def streamed(client: httpx.Client, questions: list[str]) -> tuple[list[float], list[float]]:
    """ms to the first SSE event (safety) and to the end of the stream, per question."""
    first, whole = [], []
    for q in questions:
        started = time.perf_counter()
        with client.stream("POST", "/v1/chat/stream", json={"message": q}) as response:
            response.raise_for_status()
            seen = False
            for line in response.iter_lines():
                if not seen and line.startswith("event:"):
                    assert line.split(":", 1)[1].strip() == "safety", "safety must come first"
                    first.append((time.perf_counter() - started) * 1000)
                    seen = True
        whole.append((time.perf_counter() - started) * 1000)
    return first, whole


def stats(rounds: list[list[float]]) -> dict[str, float]:
    return {
        f"p{q}_ms": round(median([percentile(r, q) for r in rounds]), 2) for q in (50, 95, 99)
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    qs = dev_questions()[:QUESTIONS]
    load_before = load_average()
    floor = peer_floor(qs, args.rounds)
    work = Path(tempfile.mkdtemp(prefix="casebot-bench-"))
    data = work / "data"
    try:
        ingest(data)  # exports the model and builds the index once
        ready: list[float] = []
        chat, search, health, first, whole = [], [], [], [], []
        has_stream = True
        for _ in range(args.rounds):
            with server(data, embed_cache_size=0) as srv, httpx.Client(
                base_url=srv.base, timeout=60
            ) as client:
                ready.append(srv.ready_s)
                timed(client, "POST", "/v1/chat", [{"message": q} for q in qs[:5]])
                health.append(timed(client, "GET", "/healthz", None))
                search.append(timed(client, "POST", "/v1/search", [{"query": q} for q in qs]))
                chat.append(timed(client, "POST", "/v1/chat", [{"message": q} for q in qs]))
                has_stream = has_stream and client.post(
                    "/v1/chat/stream", json={"message": "hello"}
                ).status_code != 404
                if has_stream:
                    f, w = streamed(client, qs)
                    first.append(f)
                    whole.append(w)
        summary: dict[str, object] = {
            "questions": len(qs),
            "rounds": args.rounds,
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "server_ready_s_median": round(median(ready), 2),
            "server_ready_s_runs": [round(x, 2) for x in ready],
            "peer_floor": stats(floor),
            "chat": stats(chat),
            "search": stats(search),
            "healthz": stats(health),
            "stream_safety_event": stats(first) if has_stream else "no /v1/chat/stream",
            "stream_whole": stats(whole) if has_stream else "no /v1/chat/stream",
        }
        summary["chat_p50_to_peer_floor_p50"] = round(
            stats(chat)["p50_ms"] / stats(floor)["p50_ms"], 2
        )
        save("latency_floor", summary)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
