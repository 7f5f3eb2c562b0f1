#!/usr/bin/env python3
"""Drives the workbench in headless Chromium over the DevTools protocol.

Standard library only: a minimal WebSocket client (RFC 6455, client side)
speaks CDP to a Chromium started with --remote-debugging-port=0. Used by
BrowserTests.swift, which starts `payplan serve` and checks what this prints:
one JSON object per check on stdout.

    drive_workbench.py CHROMIUM URL_WITH_TOKEN EXPECTED_TOTAL SHOT_DIR

Checks: the workbench opens with the token; typing a new new-product
threshold changes the candidate cost to EXPECTED_TOTAL; the period report
opens from the workbench and a statement from the report; no console
errors, exceptions or CSP violations anywhere; without the token (a fresh
browser context) the page is refused.
"""
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time


class WebSocket:
    def __init__(self, url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError("the DevTools socket closed during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("handshake refused: " + head.decode(errors="replace"))

    def send(self, text):
        data = text.encode()
        header = bytes([0x81])
        n = len(data)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise RuntimeError("the DevTools socket closed")
            out += chunk
        return out

    def receive(self):
        message = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exact(8))[0]
            payload = self._exact(n)
            opcode = b0 & 0x0F
            if opcode == 0x9:  # ping
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
                continue
            if opcode == 0x8:
                raise RuntimeError("the DevTools socket was closed")
            message += payload
            if b0 & 0x80:
                return message.decode()


class Browser:
    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="payplan-cdp-")
        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        url = None
        while time.time() < deadline:
            line = self.process.stderr.readline()
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                url = m.group(1)
                break
        if not url:
            raise RuntimeError("Chromium did not start its DevTools endpoint")
        self.ws = WebSocket(url)
        self.next_id = 0
        self.events = []

    def call(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        mine = self.next_id
        message = {"id": mine, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = json.loads(self.ws.receive())
            if reply.get("id") == mine:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)
        raise RuntimeError(f"{method}: no answer")

    def page(self, context=None):
        params = {"url": "about:blank"}
        if context:
            params["browserContextId"] = context
        target = self.call("Target.createTarget", params)["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=session)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        return session

    def evaluate(self, session, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session=session)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, session, expression, timeout=30):
        deadline = time.time() + timeout
        value = None
        while time.time() < deadline:
            value = self.evaluate(session, expression)
            if value:
                return value
            time.sleep(0.1)
        return value

    def navigate(self, session, url):
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_for(session, "document.readyState === 'complete' && location.href !== 'about:blank'")

    def screenshot(self, session, path):
        height = self.evaluate(session, "Math.ceil(document.documentElement.scrollHeight)") or 900
        shot = self.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1280, "height": min(int(height), 4000), "scale": 1}}, session=session)
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def problems(self):
        """Console errors and warnings, exceptions, CSP violations, failed loads."""
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                found.append(f"console {params.get('type')}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                entry = params["entry"]
                # The deliberate 401 of the no-token check is not a page error.
                if "401" in entry.get("text", "") and "Unauthorized" in entry.get("text", ""):
                    continue
                found.append(f"log {entry.get('level')}: {entry.get('text')} {entry.get('url', '')}")
        return found

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def report(check, ok, detail=""):
    print(json.dumps({"check": check, "ok": bool(ok), "detail": str(detail)}), flush=True)


def main():
    chromium, url, expected, shots = sys.argv[1:5]
    root = url.split("?")[0]
    browser = Browser(chromium)
    try:
        page = browser.page()
        browser.navigate(page, url)
        base = browser.wait_for(page, "document.getElementById('base-total') && document.getElementById('base-total').dataset.value")
        report("workbench opens with the token", base == "512029.90", base)
        report("the token left the address bar", "token=" not in browser.evaluate(page, "location.href"), browser.evaluate(page, "location.href"))
        browser.screenshot(page, os.path.join(shots, "workbench-before.png"))
        # Type the new threshold as a person would: focus, select, type.
        browser.evaluate(page, "(() => { const i = document.querySelector('input[data-path=\"rules.np_award.threshold\"]'); i.focus(); i.select(); return true; })()")
        browser.call("Input.insertText", {"text": "40000"}, session=page)
        shown = browser.wait_for(page, f"(() => {{ const c = document.getElementById('candidate-total'); return c && c.dataset.value === '{expected}' && c.dataset.value; }})()")
        report("the cost changes to the figure of payplan whatif --set", shown == expected,
               browser.evaluate(page, "document.getElementById('candidate-total').dataset.value"))
        diff = browser.evaluate(page, "document.getElementById('changes').textContent")
        report("the semantic diff shows the change", "50000 → 40000" in (diff or ""), diff)
        fingerprint = browser.evaluate(page, "document.getElementById('candidate-fingerprint').textContent")
        report("the candidate's fingerprint is shown", bool(re.fullmatch(r"[0-9a-f]{64}", fingerprint or "")), fingerprint)
        report("the address keeps the candidate", "rules.np_award.threshold=40000" in browser.evaluate(page, "decodeURIComponent(location.href)"),
               browser.evaluate(page, "location.href"))
        browser.screenshot(page, os.path.join(shots, "workbench.png"))
        browser.evaluate(page, "document.getElementById('report-link').click(); true")
        title = browser.wait_for(page, "document.readyState === 'complete' && document.querySelector('h1') && location.pathname.endsWith('index.html') && document.querySelector('h1').textContent")
        report("the period report opens from the workbench", "2026-Q3" in (title or ""), title)
        browser.screenshot(page, os.path.join(shots, "report.png"))
        browser.evaluate(page, "document.querySelector('a[href^=\"statement-\"]').click(); true")
        heading = browser.wait_for(page, "document.readyState === 'complete' && location.pathname.includes('statement-') && document.querySelector('h1') && document.querySelector('h1').textContent")
        report("a statement opens from the report", bool(heading) and "(R" in heading, heading)
        report("no console errors", not browser.problems(), browser.problems())
        # Without the token: a fresh context has no cookie.
        context = browser.call("Target.createBrowserContext")["browserContextId"]
        stranger = browser.page(context)
        browser.events = []
        browser.navigate(stranger, root)
        text = browser.wait_for(stranger, "document.body && document.body.innerText")
        statuses = [e["params"]["response"]["status"] for e in browser.events
                    if e.get("method") == "Network.responseReceived" and e.get("sessionId") == stranger and e["params"].get("type") == "Document"]
        report("without the token the page is refused", statuses[:1] == [401] and "512" not in (text or ""), f"{statuses} {text[:80] if text else ''}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
