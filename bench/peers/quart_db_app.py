"""TechEmpower's database tests in Quart on psycopg 3 (async, a connection pool), for
bench/db.py: the Python deployment vial's PostgreSQL driver is measured against."""
import os
import random

from psycopg_pool import AsyncConnectionPool
from quart import Quart, jsonify, request

app = Quart(__name__)
pool = None
WORLD_BY_ID = "SELECT id, randomnumber FROM world WHERE id = %s"


@app.before_serving
async def open_pool():
    global pool
    pool = AsyncConnectionPool(os.environ["DATABASE_URL"], min_size=4, max_size=4, open=False)
    await pool.open()


@app.after_serving
async def close_pool():
    await pool.close()


def query_count():
    try:
        count = int(request.args.get("queries", "1"))
    except ValueError:
        count = 1
    return min(max(count, 1), 500)


@app.get("/db")
async def db():
    async with pool.connection() as conn:
        row = await (await conn.execute(WORLD_BY_ID, (random.randint(1, 10000),))).fetchone()
    return jsonify(id=row[0], randomNumber=row[1])


@app.get("/queries")
async def queries():
    out = []
    async with pool.connection() as conn:
        for _ in range(query_count()):
            row = await (await conn.execute(WORLD_BY_ID, (random.randint(1, 10000),))).fetchone()
            out.append({"id": row[0], "randomNumber": row[1]})
    return jsonify(out)


@app.get("/updates")
async def updates():
    out = []
    async with pool.connection() as conn:
        for _ in range(query_count()):
            row = await (await conn.execute(WORLD_BY_ID, (random.randint(1, 10000),))).fetchone()
            out.append({"id": row[0], "randomNumber": random.randint(1, 10000)})
        async with conn.cursor() as cursor:
            await cursor.executemany("UPDATE world SET randomnumber = %s WHERE id = %s",
                                     [(w["randomNumber"], w["id"]) for w in out])
    return jsonify(out)
