// Live queue and case pages: the server's event stream (/console/cases/live), or a poll
// every 10 s where a stream cannot be kept. New cases refresh the list, ring a short tone
// (WebAudio, no sound file), count in the title ("(3) …") until the page is looked at,
// and an emergency shows a browser notification when the mediator allowed them. On a
// case page the person's new messages and the case's status appear in place: the reply
// box is never touched, and what is typed in it is also kept in sessionStorage until it
// has been sent.
(() => {
  "use strict";
  const live = document.getElementById("live");
  if (!live) return;
  live.hidden = false;
  const stateText = live.querySelector(".live-state");
  const transcript = document.getElementById("transcript");
  const watched = transcript ? Number(transcript.dataset.case) : null;
  const baseTitle = document.title;
  let unseen = 0;
  let cursor = 0;

  function setState(on) {
    live.dataset.state = on ? "on" : "off";
    stateText.textContent = on ? live.dataset.on : live.dataset.off;
  }

  // -- the draft in the reply box ----------------------------------------------------
  const box = document.getElementById("reply-text");
  if (box && box.dataset.draft) {
    const key = "orienta.draft." + box.dataset.draft;
    try {
      if (box.dataset.sent) sessionStorage.removeItem(key);
      else if (!box.value && sessionStorage.getItem(key)) box.value = sessionStorage.getItem(key);
      box.addEventListener("input", () => sessionStorage.setItem(key, box.value));
    } catch (e) { /* storage refused: the box still keeps what is typed */ }
  }

  // -- sound ---------------------------------------------------------------------------
  let audio = null;
  function unlock() {
    try {
      if (!audio && window.AudioContext) audio = new AudioContext();
      if (audio && audio.state === "suspended") audio.resume();
    } catch (e) { audio = null; }
  }
  document.addEventListener("pointerdown", unlock);
  document.addEventListener("keydown", unlock);
  function chime(urgent) {
    unlock();
    if (!audio) return;
    const start = audio.currentTime + 0.02;
    const notes = urgent ? [988, 740, 988, 740] : [660, 880];
    notes.forEach((hz, i) => {
      const at = start + i * 0.18;
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      tone.connect(gain).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.17);
    });
  }

  // -- the title's count -----------------------------------------------------------------
  function showCount() { document.title = unseen ? `(${unseen}) ${baseTitle}` : baseTitle; }
  function looked() { if (unseen) { unseen = 0; showCount(); } }
  window.addEventListener("focus", looked);
  document.addEventListener("pointerdown", looked);
  document.addEventListener("keydown", looked);

  // -- notifications -----------------------------------------------------------------------
  const allow = live.querySelector(".allow-alerts");
  const blocked = live.querySelector(".alerts-blocked");
  function showAllow() {
    if (!("Notification" in window)) return;
    allow.hidden = Notification.permission !== "default";
    blocked.hidden = Notification.permission !== "denied";
  }
  showAllow();
  allow.addEventListener("click", () => {
    unlock();
    Promise.resolve(Notification.requestPermission()).then(showAllow, showAllow);
  });
  function notify(data) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const note = new Notification(live.dataset.emergency.replace("{title}", data.title), {
      tag: "orienta-case-" + data.case,
      requireInteraction: true,
    });
    note.onclick = () => { window.focus(); window.location.href = data.url; };
  }

  // -- the list of cases -------------------------------------------------------------------
  let listing = false;
  let listAgain = false;
  const fresh = new Set();
  function refreshList() {
    const list = document.getElementById("case-list");
    if (!list) return;
    if (listing) { listAgain = true; return; }
    listing = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { accept: "text/html" } })
      .then((r) => (r.ok && !r.redirected ? r.text() : null))
      .then((html) => {
        if (!html) return;
        const doc = new DOMParser().parseFromString(html, "text/html");
        const next = doc.getElementById("case-list");
        if (!next) return;
        list.replaceChildren(...Array.from(next.childNodes, (n) => document.importNode(n, true)));
        list.querySelectorAll("tr[data-case]").forEach((row) => {
          if (fresh.has(Number(row.dataset.case))) row.classList.add("fresh");
        });
      })
      .catch(() => {})
      .finally(() => {
        listing = false;
        if (listAgain) { listAgain = false; refreshList(); }
      });
  }

  // -- the case on this page ------------------------------------------------------------------
  const notice = document.querySelector(".live-notice");
  function say(text) {
    if (!notice) return;
    notice.textContent = text;
    notice.hidden = false;
  }
  let updating = false;
  let updateAgain = false;
  function refreshCase() {
    if (!transcript) return;
    if (updating) { updateAgain = true; return; }
    updating = true;
    const url = `${transcript.dataset.update}?after=${transcript.dataset.last}`;
    fetch(url, { credentials: "same-origin", headers: { accept: "text/html" } })
      .then((r) => {
        if (r.status === 404) { say(live.dataset.gone); return null; }
        return r.ok && !r.redirected ? r.text() : null;
      })
      .then((html) => {
        if (!html) return;
        const doc = new DOMParser().parseFromString(html, "text/html");
        const status = doc.getElementById("case-status");
        const shown = document.getElementById("case-status");
        if (status && shown && status.textContent !== shown.textContent) {
          shown.replaceWith(document.importNode(status, true));
          say(live.dataset.changed);
        }
        doc.querySelectorAll("#new-messages > li").forEach((li) => {
          if (Number(li.dataset.id) <= Number(transcript.dataset.last)) return;
          const item = document.importNode(li, true);
          item.classList.add("fresh");
          transcript.append(item);
          transcript.dataset.last = li.dataset.id;
        });
        const none = document.getElementById("no-messages");
        if (none && transcript.children.length) none.hidden = true;
      })
      .catch(() => {})
      .finally(() => {
        updating = false;
        if (updateAgain) { updateAgain = false; refreshCase(); }
      });
  }

  // -- what the server says --------------------------------------------------------------------
  function onCase(data) {
    if (data.case === watched) refreshCase();
    else if (watched === null) refreshList();
    if (data.new && data.case !== watched) {
      fresh.add(data.case);
      unseen += 1;
      showCount();
      chime(data.emergency);
    }
    if (data.emergency) notify(data);
  }

  let failures = 0;
  function connect() {
    if (!window.EventSource) { poll(); return; }
    const url = live.dataset.stream + (cursor ? (live.dataset.stream.includes("?") ? "&" : "?") + "after=" + cursor : "");
    const source = new EventSource(url);
    source.addEventListener("ready", (e) => {
      failures = 0;
      cursor = Number(e.lastEventId) || cursor;
      setState(true);
    });
    source.addEventListener("case", (e) => {
      cursor = Math.max(cursor, Number(e.lastEventId) || 0);
      onCase(JSON.parse(e.data));
    });
    source.addEventListener("left", refreshList);
    source.addEventListener("shown", refreshList);
    source.addEventListener("gone", (e) => {
      if (JSON.parse(e.data).case === watched) { say(live.dataset.gone); source.close(); setState(false); }
    });
    source.addEventListener("signed_out", () => { source.close(); window.location.reload(); });
    source.onerror = () => {
      setState(false);
      if (source.readyState !== EventSource.CLOSED) return; // the browser tries again itself
      source.close();
      failures += 1;
      if (failures >= 3) poll();
      else window.setTimeout(connect, 3000 * failures);
    };
  }

  let polls = 0;
  function poll() {
    const url = live.dataset.changes + (cursor ? "?after=" + cursor : "");
    fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } })
      .then((r) => {
        const type = r.headers.get("content-type") || "";
        if (r.redirected || !type.includes("json")) { window.location.reload(); return null; }
        return r.json();
      })
      .then((body) => {
        if (!body) return;
        setState(true);
        const first = cursor === 0;
        cursor = body.cursor;
        if (!first) body.events.forEach(onCase);
        polls += 1;
        if (polls % 6 === 0) { refreshList(); refreshCase(); }
      })
      .catch(() => setState(false))
      .finally(() => window.setTimeout(poll, 10000));
  }

  connect();
})();
