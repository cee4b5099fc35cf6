// fashn-mock dashboard: one live stream per page, fragment refreshes, control forms.
// No framework and no build step. The server renders every view; this file only
// (1) listens to /_mock/ui/events and re-reads the page's [data-live] regions,
// (2) sends the control forms ([data-api]) to the control API as JSON,
// (3) fills the optional panels (webhook deliveries, replay misses).
"use strict";
(() => {
  const UI_HEADER = { "X-Fashn-Mock-UI": "1" };
  const clockEl = document.getElementById("clock-now");
  const clockState = document.getElementById("clock-state");
  const liveStatus = document.getElementById("live-status");
  const rendered = new WeakMap();
  let clock = clockEl ? { now: Number(clockEl.dataset.now), frozen: clockEl.dataset.frozen === "1",
                          at: performance.now() } : null;

  // --- the clock --------------------------------------------------------------------
  const format = (seconds) => new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 23);
  function setClock(now, frozen) {
    clock = { now, frozen, at: performance.now() };
    showClock();
  }
  function showClock() {
    if (!clock || !clockEl) return;
    const now = clock.frozen ? clock.now : clock.now + (performance.now() - clock.at) / 1000;
    clockEl.textContent = format(now);
    clockEl.dateTime = new Date(now * 1000).toISOString();
    clockState.textContent = clock.frozen ? "frozen" : "running";
  }
  setInterval(() => { if (clock && !clock.frozen) showClock(); }, 250);

  // --- live regions -----------------------------------------------------------------
  const isMoving = (region) => region.querySelector('.part[data-moving="1"]') !== null;

  async function refresh(region) {
    const active = document.activeElement;
    if (active && region.contains(active) && active.matches("input, select, textarea")) {
      region.dataset.stale = "1";  // do not wipe what someone is typing: refresh on blur
      return;
    }
    const response = await fetch(region.dataset.live, { headers: UI_HEADER, cache: "no-store",
                                                         credentials: "same-origin" });
    if (response.status === 401) { window.location.reload(); return; }
    if (!response.ok) return;
    const html = await response.text();
    if (rendered.get(region) === html) return;
    // keep keyboard focus where it is now (it may have moved while the fetch ran):
    // the same element by id, else by position
    const focused = document.activeElement;
    if (focused && region.contains(focused) && focused.matches("input, select, textarea")) {
      region.dataset.stale = "1";
      return;
    }
    const inside = focused && region.contains(focused);
    const position = inside ? focusable(region).indexOf(focused) : -1;
    region.innerHTML = html;
    rendered.set(region, html);
    bindForms(region);
    if (inside) (document.getElementById(focused.id) || focusable(region)[position])?.focus();
  }
  const focusable = (root) => Array.from(root.querySelectorAll(
    "a[href], button, input, select, textarea, summary, video[controls]"));

  let running = null;
  let again = false;
  function refreshAll(onlyMoving) {
    if (running) { again = again || !onlyMoving; return; }
    running = (async () => {
      for (const region of document.querySelectorAll("[data-live]")) {
        if (onlyMoving && !isMoving(region)) continue;
        try { await refresh(region); } catch (error) { /* offline: the next message retries */ }
      }
      await loadPanels();
    })().finally(() => {
      running = null;
      if (again) { again = false; setTimeout(() => refreshAll(false), 50); }
    });
  }
  document.addEventListener("focusout", (event) => {
    const region = event.target.closest?.("[data-live]");
    if (region && region.dataset.stale) {
      setTimeout(() => {
        if (!region.contains(document.activeElement)) { delete region.dataset.stale; refreshAll(false); }
      }, 0);
    }
  });

  // --- the stream: one EventSource per page, reconnected with backoff ---------------
  let backoff = 1000;
  function status(text) { if (liveStatus) liveStatus.textContent = text; }
  function connect() {
    const url = document.body.dataset.events;
    if (!url || !window.EventSource) return;
    const source = new EventSource(url);
    const retry = () => {
      source.close();
      status("offline, retrying");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    };
    source.addEventListener("open", () => { status("live"); backoff = 1000; });
    source.addEventListener("update", (event) => {
      const message = JSON.parse(event.data);
      setClock(message.now, message.frozen);
      refreshAll(false);
    });
    source.addEventListener("tick", (event) => {
      const message = JSON.parse(event.data);
      setClock(message.now, message.frozen);
      refreshAll(true);
    });
    source.addEventListener("busy", retry);
    source.addEventListener("error", () => {
      if (source.readyState === EventSource.CLOSED) retry(); else status("reconnecting");
    });
  }

  // --- control forms: JSON to the control API ---------------------------------------
  function bindForms(root) {
    for (const form of root.querySelectorAll("form[data-api]")) {
      if (form.dataset.bound) continue;
      form.dataset.bound = "1";
      form.addEventListener("submit", submit);
    }
  }
  async function submit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const out = form.querySelector("output");
    const method = form.dataset.method || "POST";
    let url = form.dataset.api;
    const body = {};
    for (const field of form.elements) {
      if (!field.name || field.disabled) continue;
      let value = field.type === "checkbox" ? field.checked : field.value;
      if (field.hasAttribute("data-path")) {
        url = url.replace(`{${field.name}}`, encodeURIComponent(value));
        continue;
      }
      if (value === "") continue;
      if (field.dataset.json === "number") value = Number(value);
      body[field.name] = value;
    }
    const buttons = form.querySelectorAll("button");
    buttons.forEach((button) => { button.disabled = true; });
    if (out) { out.textContent = "working"; out.classList.remove("error"); }
    try {
      const init = { method, credentials: "same-origin", headers: { ...UI_HEADER } };
      if (method !== "GET" && method !== "DELETE") {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      const response = await fetch(url, init);
      const answer = await response.json().catch(() => ({}));
      if (out) {
        out.textContent = response.ok ? "done" : (answer.message || `failed (HTTP ${response.status})`);
        out.classList.toggle("error", !response.ok);
      }
      if (response.ok && typeof answer.now === "number") setClock(answer.now, answer.frozen);
    } catch (error) {
      if (out) { out.textContent = "the emulator did not answer"; out.classList.add("error"); }
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
    refreshAll(false);
  }

  // --- optional panels (routes other features add) ----------------------------------
  function cell(row, text) { const td = document.createElement("td"); td.textContent = text ?? "—"; row.append(td); }
  function table(caption, headings, rows) {
    const t = document.createElement("table");
    t.className = "grid compact";
    const c = t.createCaption(); c.textContent = caption; c.className = "sr-only";
    const head = t.createTHead().insertRow();
    for (const h of headings) { const th = document.createElement("th"); th.scope = "col"; th.textContent = h; head.append(th); }
    const bodyRows = t.createTBody();
    for (const values of rows) { const tr = bodyRows.insertRow(); values.forEach((v) => cell(tr, v)); }
    return t;
  }
  function note(text) { const p = document.createElement("p"); p.className = "muted"; p.textContent = text; return p; }
  async function readJson(url) {
    const response = await fetch(url, { headers: UI_HEADER, cache: "no-store", credentials: "same-origin" });
    return response.ok ? response.json() : null;
  }
  async function loadPanels() {
    for (const panel of document.querySelectorAll("[data-webhooks]")) {
      const answer = await readJson(panel.dataset.webhooks).catch(() => null);
      const attempts = answer && Array.isArray(answer.attempts) ? answer.attempts : [];
      panel.replaceChildren(attempts.length === 0 ? note("no webhook deliveries") : table(
        "Webhook delivery attempts, oldest first",
        ["Attempt", "Kind", "Due", "Sent", "Result", "HTTP status", "Error", "Latency (ms)", "Retry at"],
        attempts.map((a) => [a.attempt, a.kind, a.due != null ? format(a.due) : null,
                             a.at != null ? format(a.at) : null, a.result, a.status_code, a.error,
                             a.latency_ms != null ? Math.round(a.latency_ms) : null,
                             a.retry_at != null ? format(a.retry_at) : (a.gave_up ? "gave up" : null)])));
    }
    for (const panel of document.querySelectorAll("[data-replay]")) {
      const answer = await readJson(panel.dataset.replay).catch(() => null);
      if (!answer) { panel.replaceChildren(note("no replay session")); continue; }
      const misses = Array.isArray(answer.misses) ? answer.misses : null;
      if (misses && misses.length === 0) { panel.replaceChildren(note("no replay misses")); continue; }
      if (misses) {
        const list = document.createElement("ol");
        for (const miss of misses) {
          const li = document.createElement("li");
          li.textContent = typeof miss === "string" ? miss : JSON.stringify(miss);
          list.append(li);
        }
        panel.replaceChildren(list);
      } else {
        const pre = document.createElement("pre"); pre.textContent = JSON.stringify(answer, null, 1);
        panel.replaceChildren(pre);
      }
    }
  }

  bindForms(document);
  showClock();
  loadPanels();
  connect();
})();
