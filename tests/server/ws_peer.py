"""An independent WebSocket client (Debian's python3-websockets) for the server tests.

Usage: ws_peer.py PORT SCENARIO [ARGS]. Prints one line of JSON with what it saw and
exits 0, or prints the failure and exits 1.
"""
import asyncio
import json
import sys

import websockets


async def echo(port, size):
    url = f"ws://127.0.0.1:{port}/ws/echo"
    async with websockets.connect(url, max_size=None, compression="deflate") as ws:
        text = "é" * (size // 2)
        await ws.send(text)
        got_text = await ws.recv()
        data = bytes(range(256)) * (size // 256)
        await ws.send(data)
        got_bytes = await ws.recv()
        # A fragmented message: three frames, one message.
        await ws.send(["frag", "men", "ted"])
        got_fragments = await ws.recv()
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 5)
        extensions = [type(e).__name__ for e in ws.extensions]
        return {"text_ok": got_text == text, "bytes_ok": got_bytes == data,
                "fragments": got_fragments, "pong": True, "extensions": extensions}


async def too_big(port, size):
    url = f"ws://127.0.0.1:{port}/ws/echo"
    async with websockets.connect(url, max_size=None, compression=None) as ws:
        await ws.send("x" * size)
        try:
            await ws.recv()
        except websockets.ConnectionClosed as closed:
            return {"code": closed.rcvd.code if closed.rcvd else None}
    return {"code": None}


async def many(port, count):
    url = f"ws://127.0.0.1:{port}/ws/echo"
    sockets = [await websockets.connect(url, compression=None) for _ in range(count)]
    await asyncio.gather(*(ws.send(f"n{i}") for i, ws in enumerate(sockets)))
    answers = await asyncio.gather(*(ws.recv() for ws in sockets))
    ok = sum(1 for i, a in enumerate(answers) if a == f"n{i}")
    await asyncio.gather(*(ws.close() for ws in sockets))
    codes = sorted({ws.close_code for ws in sockets})
    return {"ok": ok, "close_codes": codes}


async def hub(port, count):
    url = f"ws://127.0.0.1:{port}/ws/room/blue"
    sockets = [await websockets.connect(url, compression=None) for _ in range(count)]
    loops = set()
    for ws in sockets:
        loops.add(json.loads(await ws.recv())["loop"])  # the greeting names the loop
    await sockets[0].send("hello everyone")
    got = await asyncio.gather(*(asyncio.wait_for(ws.recv(), 5) for ws in sockets))
    await asyncio.gather(*(ws.close() for ws in sockets))
    return {"loops": len(loops), "received": sum(1 for g in got if g == "hello everyone")}


async def wait_close(port):
    url = f"ws://127.0.0.1:{port}/ws/echo"
    async with websockets.connect(url, compression=None) as ws:
        print(json.dumps({"connected": True}), flush=True)
        try:
            await asyncio.wait_for(ws.recv(), 20)
        except websockets.ConnectionClosed as closed:
            return {"code": closed.rcvd.code if closed.rcvd else None,
                    "reason": closed.rcvd.reason if closed.rcvd else None}
    return {"code": None}


SCENARIOS = {"echo": echo, "too_big": too_big, "many": many, "hub": hub,
             "wait_close": wait_close}


def main():
    port, scenario = int(sys.argv[1]), sys.argv[2]
    args = [int(a) for a in sys.argv[3:]]
    try:
        result = asyncio.run(SCENARIOS[scenario](port, *args))
    except Exception as error:  # the test prints what went wrong
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
        sys.exit(1)
    print(json.dumps(result), flush=True)


main()
