#!/usr/bin/env python3
"""Opens a bpfan flame graph in headless Chromium and drives it as a user would, over the
DevTools protocol (stdlib only: a small WebSocket client below): hovers and clicks a frame,
reads what the page then shows, searches through the Search button's prompt, resets the zoom,
opens the file again with ?s=TERM, and takes screenshots. Prints one JSON object of what it saw; the Swift test decides.

usage: flamegraph-browser.py SVG FRAME_NAME SEARCH_TERM OUT_DIR [--chromium PATH]
"""
import base64, json, os, shutil, socket, struct, subprocess, sys, tempfile, time, urllib.parse, urllib.request

class WebSocket:
    """A client for one ws:// URL: text frames out (masked), frames in (any length,
    fragmented or not); enough for the DevTools protocol."""
    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk: raise RuntimeError("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake refused: " + head.decode(errors="replace"))

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        header = bytes([0x81])
        if n < 126: header += bytes([0x80 | n])
        elif n < 65536: header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else: header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk: raise RuntimeError("websocket closed")
            out += chunk
        return out

    def receive(self):
        message = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126: n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127: n = struct.unpack(">Q", self._exact(8))[0]
            mask = self._exact(4) if b1 & 0x80 else None
            payload = self._exact(n)
            if mask: payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            opcode = b0 & 0x0F
            if opcode == 0x9:   # ping
                continue
            if opcode == 0x8: raise RuntimeError("websocket closed by the browser")
            message += payload
            if b0 & 0x80: return message.decode()

class DevTools:
    def __init__(self, url):
        self.ws = WebSocket(url)
        self.next_id = 0
        self.events = []

    def send(self, method, **params):
        """Sends a command and returns its id without waiting (a click that opens a prompt is
        answered only after the dialog is)."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        return self.next_id

    def result(self, my, method="command"):
        for i, m in enumerate(self.events):
            if m.get("id") == my:
                self.events.pop(i)
                if "error" in m: raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
        while True:
            m = json.loads(self.ws.receive())
            if m.get("id") == my:
                if "error" in m: raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def call(self, method, **params):
        return self.result(self.send(method, **params), method)

    def wait_event(self, name, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for i, e in enumerate(self.events):
                if e.get("method") == name:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.receive()))
        raise RuntimeError(f"no {name} within {timeout} s")

    def js(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in r: raise RuntimeError(f"script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def mouse(self, kind, x, y, **extra):
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, **extra)

    def click(self, x, y):
        self.mouse("mouseMoved", x, y)
        self.mouse("mousePressed", x, y, button="left", clickCount=1)
        self.mouse("mouseReleased", x, y, button="left", clickCount=1)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f: f.write(base64.b64decode(data))

def png_pixel(path, x, y):
    """The (r, g, b) at pixel (x, y) of an 8-bit, non-interlaced RGB or RGBA PNG (what
    Chromium's screenshots are), decoded with zlib alone."""
    import zlib
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, f"PNG kind {depth}/{color}/{interlace}"
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    for row in range(y + 1):
        f, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p_ = a + b - c; pa, pb, pc = abs(p_ - a), abs(p_ - b), abs(p_ - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
    return list(prev[x * bpp:x * bpp + 3])

# What the page shows: every frame's name, drawn x/width, classes, label; the controls.
STATE = r"""(function () {
  var gs = document.getElementById("frames").children, out = [];
  for (var i = 0; i < gs.length; i++) {
    var g = gs[i], r = g.getElementsByTagName("rect")[0], t = g.getElementsByTagName("text")[0];
    var box = r.getBoundingClientRect();
    out.push({name: nameOf(g), fx: +r.getAttribute("fg:x"), fw: +r.getAttribute("fg:w"),
              x: +r.getAttribute("x"), width: +r.getAttribute("width"), y: +r.getAttribute("y"),
              fill: r.getAttribute("fill"), label: t.textContent,
              hidden: getComputedStyle(g).display === "none", parent: g.classList.contains("parent"),
              box: [box.left, box.top, box.width, box.height]});
  }
  function shown(id) { var e = document.getElementById(id); return {text: e.textContent, hidden: getComputedStyle(e).display === "none",
                        box: (function (b) { return [b.left, b.top, b.width, b.height]; })(e.getBoundingClientRect())}; }
  return {frames: out, details: document.getElementById("details").textContent, unzoom: shown("unzoom"),
          search: shown("search"), matched: shown("matched"), total: +document.getElementById("frames").getAttribute("fg:total")};
})()"""

def main():
    args = sys.argv[1:]
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if "--chromium" in args:
        i = args.index("--chromium"); chromium = args[i + 1]; del args[i:i + 2]
    svg, frame_name, term, out_dir = args
    os.makedirs(out_dir, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="fg-chromium-")
    width, height = 1200, 800
    proc = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-extensions", "--remote-debugging-port=0", f"--user-data-dir={profile}",
                             f"--window-size={width},{height}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if time.time() > deadline or proc.poll() is not None: raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = open(port_file).read().split("\n")[0].strip()
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(p for p in pages if p.get("type") == "page")
        dt = DevTools(page["webSocketDebuggerUrl"])
        dt.call("Page.enable"); dt.call("Runtime.enable")
        dt.call("Page.navigate", url="file://" + os.path.abspath(svg))
        dt.wait_event("Page.loadEventFired")
        size = dt.js("[document.documentElement.getAttribute('width'), document.documentElement.getAttribute('height')]")
        dt.call("Emulation.setDeviceMetricsOverride", width=int(float(size[0])), height=int(float(size[1])) + 1, deviceScaleFactor=1, mobile=False)
        report = {"before": dt.js(STATE)}
        dt.screenshot(os.path.join(out_dir, "before.png"))

        # Hover, then click, the middle of the widest frame of that name.
        target = max((f for f in report["before"]["frames"] if f["name"] == frame_name), key=lambda f: f["fw"], default=None)
        if target is None: raise RuntimeError(f"no frame named {frame_name!r}")
        cx, cy = target["box"][0] + target["box"][2] / 2, target["box"][1] + target["box"][3] / 2
        dt.mouse("mouseMoved", cx, cy)
        report["hover_details"] = dt.js("document.getElementById('details').textContent")
        dt.click(cx, cy)
        report["clicked"] = {"name": frame_name, "fx": target["fx"], "fw": target["fw"], "y": target["y"]}
        report["zoomed"] = dt.js(STATE)
        dt.screenshot(os.path.join(out_dir, "zoomed.png"))
        # The screenshot itself: the colour drawn a quarter into the zoomed frame (away from
        # its label), after moving the mouse off it (hover draws an outline).
        dt.mouse("mouseMoved", 0, 0)
        dt.screenshot(os.path.join(out_dir, "zoomed.png"))
        z = next(f for f in report["zoomed"]["frames"] if f["fx"] == target["fx"] and f["y"] == target["y"])
        px, py = int(z["box"][0] + z["box"][2] * 0.75), int(z["box"][1] + z["box"][3] / 2)
        report["screenshot_pixel"] = {"x": px, "y": py, "rgb": png_pixel(os.path.join(out_dir, "zoomed.png"), px, py), "fill": z["fill"]}

        # Search through the button: it prompts; answer the dialog as a user types.
        s = report["zoomed"]["search"]["box"]
        sx, sy = s[0] + s[2] / 2, s[1] + s[3] / 2
        dt.mouse("mouseMoved", sx, sy)
        dt.mouse("mousePressed", sx, sy, button="left", clickCount=1)
        released = dt.send("Input.dispatchMouseEvent", type="mouseReleased", x=sx, y=sy, button="left", clickCount=1)
        dialog = dt.wait_event("Page.javascriptDialogOpening")
        report["prompt"] = dialog["params"].get("message")
        dt.call("Page.handleJavaScriptDialog", accept=True, promptText=term)
        dt.result(released)
        time.sleep(0.2)
        report["searched"] = dt.js(STATE)
        dt.screenshot(os.path.join(out_dir, "searched.png"))

        u = report["searched"]["unzoom"]["box"]
        dt.click(u[0] + u[2] / 2, u[1] + u[3] / 2)
        report["reset"] = dt.js(STATE)
        dt.screenshot(os.path.join(out_dir, "reset.png"))

        # Opened with ?s=TERM: searched at once.
        dt.call("Page.navigate", url="file://" + os.path.abspath(svg) + "?s=" + urllib.parse.quote(term))
        dt.wait_event("Page.loadEventFired")
        report["opened_with_search"] = dt.js(STATE)
        print(json.dumps(report))
    finally:
        proc.terminate()
        try: proc.wait(timeout=10)
        except subprocess.TimeoutExpired: proc.kill()
        shutil.rmtree(profile, ignore_errors=True)

if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        print(f"flamegraph-browser: {e}", file=sys.stderr)
        sys.exit(1)
