#pragma once
// The /chat page: a room picker, a message list and a form, talking to /ws/chat/<room>.
#include <string_view>

inline constexpr std::string_view kChatPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>vial chat</title>
<style>
  body { font: 15px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
  #log { border: 1px solid #ccc; height: 20rem; overflow-y: auto; padding: .5rem; }
  #log p { margin: .2rem 0; } .system { color: #777; }
  form { display: flex; gap: .5rem; margin-top: .5rem; } #text { flex: 1; }
</style>
</head>
<body>
<h1>vial chat</h1>
<p>Room <input id="room" value="lobby" size="10"> as <input id="name" value="guest" size="10">
  <button id="join">Join</button> <span id="status">not connected</span></p>
<div id="log"></div>
<form id="send"><input id="text" autocomplete="off" placeholder="Say something">
  <button>Send</button></form>
<script>
let socket = null;
const $ = (id) => document.getElementById(id);
function show(text, cls) {
  const p = document.createElement("p");
  p.textContent = text;
  if (cls) p.className = cls;
  $("log").appendChild(p);
  $("log").scrollTop = $("log").scrollHeight;
}
function join() {
  if (socket) socket.close();
  const room = encodeURIComponent($("room").value);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/ws/chat/${room}`);
  socket.onopen = () => { $("status").textContent = "connected to " + $("room").value; };
  socket.onclose = (e) => { $("status").textContent = "closed (" + e.code + ")"; };
  socket.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.system) show(`${m.system} (${m.members} in ${m.room})`, "system");
    else show(`${m.name}: ${m.text}`);
  };
}
$("join").onclick = join;
$("send").onsubmit = (e) => {
  e.preventDefault();
  if (socket && socket.readyState === WebSocket.OPEN && $("text").value) {
    socket.send(JSON.stringify({name: $("name").value, text: $("text").value}));
    $("text").value = "";
  }
};
join();
</script>
</body>
</html>
)html";
