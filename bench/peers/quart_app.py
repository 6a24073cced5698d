"""The showcase's routes in Quart, for bench/run.py (served by hypercorn)."""
import asyncio
import time

from quart import Quart, jsonify, request

app = Quart(__name__)


@app.get("/plaintext")
async def plaintext():
    return "Hello, World!", 200, {"Content-Type": "text/plain"}


@app.get("/json")
async def json_view():
    return jsonify(message="Hello, World!")


async def fetch_price(symbol):
    await asyncio.sleep(0.05)
    return {"a": 1.5, "b": 2.25}.get(symbol, 3.0)


@app.get("/prices")
async def prices():
    started = time.monotonic()
    a, b, c = await asyncio.gather(fetch_price("a"), fetch_price("b"), fetch_price("c"))
    return jsonify(total=a + b + c, elapsed_ms=(time.monotonic() - started) * 1000)


@app.get("/slow")
async def slow():
    await asyncio.sleep(int(request.args.get("ms", 100)) / 1000)
    return "ok"


from quart import websocket  # noqa: E402


@app.websocket("/ws/echo")
async def ws_echo():
    while True:
        await websocket.send(await websocket.receive())
