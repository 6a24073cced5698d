"""Drives Debian's chromium, headless, through its DevTools protocol (with
python3-websockets): two pages open the showcase's /chat, one sends a message, the other
must show it. Saves a screenshot of the receiving page.

Usage: chat_browser.py PORT SCREENSHOT.png. Prints one line of JSON; exit 1 on failure.
"""
import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import websockets


class DevTools:
    def __init__(self, socket):
        self.socket = socket
        self.next_id = 0
        self.pending = {}
        self.reader = asyncio.create_task(self.read())

    async def read(self):
        async for raw in self.socket:
            message = json.loads(raw)
            future = self.pending.pop(message.get("id"), None)
            if future and not future.done():
                future.set_result(message)

    async def call(self, method, session=None, **params):
        self.next_id += 1
        request = {"id": self.next_id, "method": method, "params": params}
        if session:
            request["sessionId"] = session
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.socket.send(json.dumps(request))
        reply = await asyncio.wait_for(future, 20)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    async def evaluate(self, session, expression):
        result = await self.call("Runtime.evaluate", session, expression=expression,
                                 returnByValue=True, awaitPromise=True)
        return result["result"].get("value")


async def wait_for(devtools, session, expression, what, seconds=15):
    for _ in range(seconds * 20):
        if await devtools.evaluate(session, expression):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


async def open_page(devtools, url):
    target = await devtools.call("Target.createTarget", url=url)
    attached = await devtools.call("Target.attachToTarget", targetId=target["targetId"],
                                   flatten=True)
    return attached["sessionId"]


async def scenario(browser_url, port, screenshot):
    async with websockets.connect(browser_url, max_size=None) as socket:
        devtools = DevTools(socket)
        url = f"http://127.0.0.1:{port}/chat"
        alice = await open_page(devtools, url)
        bob = await open_page(devtools, url)
        connected = "document.getElementById('status').textContent.startsWith('connected')"
        await wait_for(devtools, alice, connected, "alice's socket")
        await wait_for(devtools, bob, connected, "bob's socket")
        await devtools.evaluate(alice, """
            document.getElementById('name').value = 'alice';
            document.getElementById('text').value = 'hello from alice';
            document.getElementById('send').requestSubmit();
            true""")
        seen = "document.getElementById('log').textContent.includes('alice: hello from alice')"
        await wait_for(devtools, bob, seen, "the message on bob's page")
        shot = await devtools.call("Page.captureScreenshot", bob, format="png")
        with open(screenshot, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        log = await devtools.evaluate(bob, "document.getElementById('log').textContent")
        devtools.reader.cancel()
        return {"seen": True, "bob_log": log}


def main():
    port, screenshot = int(sys.argv[1]), sys.argv[2]
    browser = shutil.which("chromium")
    if not browser:
        print(json.dumps({"error": "chromium is not installed (scripts/install-deps.sh)"}))
        sys.exit(1)
    profile = tempfile.mkdtemp(prefix="vial-chromium-")
    process = subprocess.Popen(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "--window-size=900,700", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        browser_url = None
        for line in process.stderr:
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                browser_url = found.group(1)
                break
        if not browser_url:
            raise RuntimeError("chromium did not start its DevTools endpoint")
        result = asyncio.run(scenario(browser_url, port, screenshot))
    except Exception as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
        sys.exit(1)
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps(result), flush=True)


main()
