"""The load process of the webhooks suite: posts pre-signed deliveries to a running server over
keep-alive HTTP/1.1 connections on loopback, and prints what it measured as one JSON object.

Usage: python -m bench.webhook_load REQUESTS_FILE --port P [--connections 32]

REQUESTS_FILE holds one JSON object a line: {"path": ..., "headers": {...}, "body": "..."}. Each is
sent once, in file order, spread over the connections. It runs in a process of its own (the server's
two cores are shared with it, as they would be with a real load balancer's traffic), speaks raw
asyncio streams rather than an HTTP library so that the client costs as little as it can, and checks
every answer's status.
"""

import argparse
import asyncio
import json
import sys
import time


def request_bytes(item: dict, port: int) -> bytes:
    body = item["body"].encode()
    headers = {**item["headers"], "Host": f"127.0.0.1:{port}", "Content-Length": str(len(body))}
    head = f"POST {item['path']} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def worker(port: int, queue: list[bytes], latencies: list[float], statuses: dict[int, int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while queue:
            payload = queue.pop()
            started = time.perf_counter()
            writer.write(payload)
            await writer.drain()
            try:
                status = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                status = 0
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def main(path: str, port: int, connections: int) -> dict:
    with open(path) as handle:
        queue = [request_bytes(json.loads(line), port) for line in handle]
    queue.reverse()  # pop() from the end sends them in file order
    count = len(queue)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    await asyncio.gather(*(worker(port, queue, latencies, statuses) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": count,
        "seconds": elapsed,
        "per_s": count / elapsed,
        "p50_ms": ordered[len(ordered) // 2],
        "p99_ms": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
        "statuses": statuses,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("requests_file")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    json.dump(asyncio.run(main(args.requests_file, args.port, args.connections)), sys.stdout)
