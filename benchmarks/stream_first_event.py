"""Time from request to the `safety` event of POST /v1/chat/stream, against a real uvicorn.

The target: p95 at most 50 ms. Baselines measured in the same run: GET /healthz (the
framework floor) and the whole POST /v1/chat (what a person waits without streaming), so
time-to-safety is reported as a ratio to each; time to the `done` event too.
Usage: .venv/bin/python benchmarks/stream_first_event.py [--rounds 3] [--data-dir DIR]
"""

from __future__ import annotations

import os
import time

import httpx
from _common import arguments, median, percentile, save, scratch, server
from chat_latency import latencies, questions, timed_ingest


def stream_timings(client: httpx.Client, messages: list[str]) -> tuple[list[float], list[float]]:
    """Milliseconds to the `safety` event and to the `done` event, per message."""
    first, done = [], []
    for message in messages:
        started = time.perf_counter()
        with client.stream("POST", "/v1/chat/stream", json={"message": message}) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if line == "event: safety":
                    first.append((time.perf_counter() - started) * 1000)
                elif line == "event: done":
                    done.append((time.perf_counter() - started) * 1000)
    assert len(first) == len(done) == len(messages), "every stream has safety and done"
    return first, done


def main() -> None:
    args = arguments()
    n_rounds = args.rounds
    qs = questions()
    with scratch() as work:
        data = args.data_dir or work / "data"
        if args.data_dir is None:
            timed_ingest(data)
        first, done, chat, health = [], [], [], []
        for _ in range(n_rounds):
            with (
                server(data) as (base, _ready),
                httpx.Client(base_url=base, timeout=120) as client,
            ):
                stream_timings(client, qs[:5])  # warm-up
                health.append(latencies(client, "GET", "/healthz", None))
                to_safety, to_done = stream_timings(client, qs)
                first.append(to_safety)
                done.append(to_done)
                chat.append(latencies(client, "POST", "/v1/chat", [{"message": q} for q in qs]))
        safety_p50 = median([percentile(r, 50) for r in first])
        chat_p50 = median([percentile(r, 50) for r in chat])
        health_p50 = median([percentile(r, 50) for r in health])
        summary = {
            "questions": len(qs),
            "rounds": n_rounds,
            "safety_event_p50_ms_median": round(safety_p50, 1),
            "safety_event_p95_ms_median": round(median([percentile(r, 95) for r in first]), 1),
            "safety_event_p95_ms_runs": [round(percentile(r, 95), 1) for r in first],
            "done_event_p50_ms_median": round(median([percentile(r, 50) for r in done]), 1),
            "chat_p50_ms_median": round(chat_p50, 1),
            "healthz_p50_ms_median": round(health_p50, 2),
            "safety_to_chat_p50_ratio": round(safety_p50 / chat_p50, 2),
            "safety_to_healthz_p50_ratio": round(safety_p50 / health_p50, 1),
            # Other work on the machine moves every figure: say how busy it was.
            "load_average_1min_at_end": round(os.getloadavg()[0], 1),
        }
        save("stream_first_event", summary)


if __name__ == "__main__":
    main()
