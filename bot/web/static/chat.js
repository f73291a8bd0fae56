// The local web chat: posts messages and button presses, renders the bot's replies.
"use strict";

(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const csrf = log.dataset.csrf;
  const hint = log.dataset.hint; // the page's language: a prior, like Telegram's language_code

  function bubble(side, text, dir, lang) {
    const wrap = document.createElement("div");
    wrap.className = "msg " + side;
    wrap.setAttribute("dir", dir || "auto");
    if (lang) wrap.setAttribute("lang", lang);
    const b = document.createElement("div");
    b.className = "bubble";
    b.textContent = text; // never innerHTML: user and bot text are plain text
    wrap.appendChild(b);
    log.appendChild(wrap);
    log.scrollTop = log.scrollHeight;
    return wrap;
  }

  function keyboard(wrap, rows) {
    if (!rows || !rows.length) return;
    const kb = document.createElement("div");
    kb.className = "keyboard";
    rows.forEach(function (row) {
      const r = document.createElement("div");
      r.className = "row";
      row.forEach(function (btn) {
        const el = document.createElement("button");
        el.type = "button";
        el.textContent = btn.text;
        el.dataset.payload = btn.data;
        el.addEventListener("click", function () {
          bubble("user", btn.text, "auto");
          send({ data: btn.data });
        });
        r.appendChild(el);
      });
      kb.appendChild(r);
    });
    wrap.appendChild(kb);
    log.scrollTop = log.scrollHeight;
  }

  // The page chrome follows the conversation's language and direction.
  function applyUi(ui) {
    if (!ui) return;
    document.documentElement.setAttribute("lang", ui.lang);
    document.documentElement.setAttribute("dir", ui.dir);
    input.setAttribute("placeholder", ui.placeholder);
    input.setAttribute("aria-label", ui.placeholder);
    document.getElementById("send").textContent = ui.send;
    document.getElementById("new").textContent = ui.new_chat;
    document.getElementById("intro").textContent = ui.intro;
  }

  async function send(payload) {
    const response = await fetch("chat/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(Object.assign({ hint: hint }, payload)),
      credentials: "same-origin",
    });
    if (!response.ok) {
      bubble("bot", "⚠️ " + response.status, "auto");
      return;
    }
    show(await response.json());
  }

  function show(body) {
    body.messages.forEach(function (m) {
      const wrap = bubble("bot", m.text, m.dir, m.lang);
      keyboard(wrap, m.buttons);
    });
    applyUi(body.ui);
  }

  // Messages that arrive later: a mediator's reply, a reminder.
  async function poll() {
    try {
      const response = await fetch("chat/updates", { credentials: "same-origin" });
      if (response.ok) show(await response.json());
    } catch (error) {
      // offline for a moment: the next poll will fetch what is waiting
    }
    setTimeout(poll, 3000);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    bubble("user", text, "auto");
    send({ text: text });
  });

  send({ text: "/start" });
  setTimeout(poll, 3000);
})();
