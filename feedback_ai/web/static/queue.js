// The review queue, keyboard first. Every action posts JSON with the session's CSRF token to
// /ui/queue/items/<id>/<action> with the version shown; a 409 shows what changed instead.
"use strict";

(function () {
  const base = "/ui/queue";
  const list = Array.from(document.querySelectorAll("#queue-list li[data-item-id]"));
  let current = -1;
  let lastActed = null;
  let opened = null;  // the item leased to this tab, released when the tab closes
  let mergeHits = [];
  let mergeActive = 0;

  function panels() { return Array.from(document.querySelectorAll("#panels article.item")); }
  function panel() { return panels()[current] || null; }

  function toast(message) {
    const box = document.getElementById("toast");
    box.textContent = message;
    box.hidden = false;
    window.clearTimeout(toast.timer);
    toast.timer = window.setTimeout(function () { box.hidden = true; }, 4000);
  }

  function show(index) {
    const all = panels();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (p, i) { p.hidden = i !== current; });
    list.forEach(function (li, i) { li.classList.toggle("current", i === current); });
    if (list[current]) list[current].scrollIntoView({ block: "nearest" });
    const id = all[current].dataset.itemId;
    opened = id;
    FAI.send("POST", base + "/items/" + id + "/open", {}).then(function (r) {
      if (r.status === 409 && r.body) toast(r.body.message);
    });
  }

  // Closing the tab (or leaving the page) frees the open item for the next reviewer at once;
  // keepalive lets the request outlive the page.
  window.addEventListener("pagehide", function () {
    if (!opened) return;
    fetch(base + "/release", {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": FAI.csrf() },
      body: JSON.stringify({ item_id: opened }),
    });
    opened = null;
  });

  function replacePanel(old, html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    const fresh = tpl.content.firstElementChild;
    fresh.hidden = old.hidden;
    old.replaceWith(fresh);
    return fresh;
  }

  const FIELDS = [["status", "status"], ["kind", "kind"], ["themes", "themes"],
                  ["statement", "statement"], ["requirement", "requirement"]];

  function showConflict(old, body) {
    const fresh = body.panel ? replacePanel(old, body.panel) : old;
    const box = document.createElement("div");
    box.className = "conflict";
    box.setAttribute("role", "alert");
    const title = document.createElement("b");
    title.textContent = "Not saved: " + body.message;
    box.appendChild(title);
    const changes = document.createElement("ul");
    FIELDS.forEach(function (pair) {
      const before = old.dataset[pair[1]] || "";
      const after = fresh.dataset[pair[1]] || "";
      if (before !== after) {
        const li = document.createElement("li");
        li.textContent = pair[0] + ": " + (before || "–") + " → " + (after || "–");
        changes.appendChild(li);
      }
    });
    if (changes.children.length) box.appendChild(changes);
    const hint = document.createElement("p");
    hint.textContent = "This is the item as it is now (version " + fresh.dataset.version +
      "). Decide again if your change still applies.";
    box.appendChild(hint);
    fresh.querySelector(".conflict-slot").appendChild(box);
  }

  async function act(action, body, target) {
    const p = target || panel();
    if (!p) return null;
    const payload = Object.assign({ version: Number(p.dataset.version) }, body || {});
    const r = await FAI.send("POST", base + "/items/" + p.dataset.itemId + "/" + action, payload);
    if (r.status === 200) {
      const fresh = replacePanel(p, r.body.panel);
      lastActed = fresh.dataset.itemId;
      const li = list.find(function (x) { return x.dataset.itemId === lastActed; });
      if (li) li.classList.toggle("done", fresh.dataset.status !== "pending");
      toast(action + ": done");
      return fresh;
    }
    if (r.status === 409 && r.body) { showConflict(p, r.body); return null; }
    toast((r.body && r.body.message) || ("Error " + r.status));
    return null;
  }

  function next() { show(current + 1); }

  // The item's history, each decision with its own undo button (reachable with Tab).
  async function showHistory() {
    const p = panel();
    if (!p) return;
    const r = await fetch(base + "/items/" + p.dataset.itemId + "/history",
                          { headers: { "Accept": "application/json" }, credentials: "same-origin" });
    if (!r.ok) { toast("Error " + r.status); return; }
    const slot = p.querySelector(".history-slot");
    slot.textContent = "";
    const ol = document.createElement("ol");
    ol.className = "history";
    (await r.json()).items.forEach(function (d) {
      const li = document.createElement("li");
      const undone = d.superseded_by ? " (superseded)" : "";
      li.textContent = d.decided_at.slice(0, 16).replace("T", " ") + " · " + d.decided_by + " · " +
        d.action + " " + d.field + ": " + JSON.stringify(d.before) + " → " +
        JSON.stringify(d.value) + (d.reason ? " (" + d.reason + ")" : "") + undone + " ";
      if (d.action !== "undo" && !d.superseded_by) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "undo-one";
        button.textContent = "Undo this";
        button.addEventListener("click", function () { act("undo", { decision_id: d.id }); });
        li.appendChild(button);
      }
      ol.appendChild(li);
    });
    if (!ol.children.length) ol.textContent = "No decision yet.";
    slot.appendChild(ol);
    const first = slot.querySelector("button");
    if (first) first.focus();
  }

  // Dialogs: one overlay holding the reject, merge, edit and confirm forms.
  const dialog = document.getElementById("dialog");
  function openDialog(id) {
    dialog.hidden = false;
    Array.from(dialog.querySelectorAll("form")).forEach(function (f) { f.hidden = f.id !== id; });
    const form = document.getElementById(id);
    const first = form.querySelector("input, select, textarea, button");
    if (first) first.focus();
    return form;
  }
  function closeDialog() { dialog.hidden = true; }
  function dialogOpen() { return !dialog.hidden; }

  document.getElementById("reject-form").addEventListener("submit", async function (e) {
    e.preventDefault();
    const note = document.getElementById("reject-note").value.trim();
    const body = { reason: document.getElementById("reject-reason").value };
    if (note) body.note = note;
    closeDialog();
    if (await act("reject", body)) next();
  });

  function renderHits() {
    const ul = document.getElementById("merge-hits");
    ul.textContent = "";
    mergeHits.forEach(function (hit, i) {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.dataset.requirementId = hit.id;
      const n = hit.evidence_count;
      li.textContent = hit.title + " (" + n + " evidence item" + (n === 1 ? "" : "s") + ")";
      li.classList.toggle("active", i === mergeActive);
      li.addEventListener("click", function () { mergeActive = i; doMerge(); });
      ul.appendChild(li);
    });
  }
  let searchSeq = 0;
  document.getElementById("merge-q").addEventListener("input", async function (e) {
    const q = e.target.value.trim();
    const seq = ++searchSeq;
    if (!q) { mergeHits = []; renderHits(); return; }
    const r = await fetch(base + "/search?q=" + encodeURIComponent(q),
                          { headers: { "Accept": "application/json" }, credentials: "same-origin" });
    if (seq !== searchSeq || !r.ok) return;  // a later keystroke's answer wins
    mergeHits = (await r.json()).items;
    mergeActive = 0;
    renderHits();
  });
  document.getElementById("merge-q").addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      mergeActive = Math.max(0, Math.min(mergeHits.length - 1, mergeActive + step));
      renderHits();
    }
  });
  async function doMerge() {
    const hit = mergeHits[mergeActive];
    if (!hit) { toast("No requirement chosen"); return; }
    closeDialog();
    if (await act("merge", { requirement_id: hit.id })) next();
  }
  document.getElementById("merge-form").addEventListener("submit", function (e) {
    e.preventDefault();
    doMerge();
  });

  document.getElementById("edit-form").addEventListener("submit", async function (e) {
    e.preventDefault();
    const p = panel();
    const body = {};
    const statement = document.getElementById("edit-statement").value.trim();
    const title = document.getElementById("edit-title").value.trim();
    if (statement && statement !== p.dataset.statement) body.statement = statement;
    if (title && title !== p.dataset.requirement) body.requirement_title = title;
    closeDialog();
    if (Object.keys(body).length) await act("edit", body);
  });

  let confirmAction = null;
  document.getElementById("confirm-form").addEventListener("submit", function (e) {
    e.preventDefault();
    closeDialog();
    if (confirmAction) confirmAction();
  });
  document.getElementById("confirm-no").addEventListener("click", closeDialog);

  function askConfirm(title, text, action) {
    document.getElementById("confirm-title").textContent = title;
    document.getElementById("confirm-text").textContent = text;
    confirmAction = action;
    openDialog("confirm-form");
    document.getElementById("confirm-yes").focus();
  }

  async function bulk(action) {
    const filter = JSON.parse(document.getElementById("queue-filter").dataset.filter || "{}");
    const body = { action: action, filter: filter };
    if (action === "reject") body.reason = document.getElementById("bulk-reason").value;
    const preview = await FAI.send("POST", base + "/bulk/preview", body);
    if (preview.status !== 200) { toast((preview.body && preview.body.message) || "Error"); return; }
    const n = preview.body.count;
    askConfirm("Bulk " + action, action + " " + n + " item" + (n === 1 ? "" : "s") +
               " matching these filters?", async function () {
      const run = await FAI.send("POST", base + "/bulk", Object.assign(body, {
        confirm_token: preview.body.confirm_token, confirm_count: n }));
      if (run.status === 200) {
        toast(action + ": " + run.body.done + " done");
        window.location.reload();
      } else {
        toast((run.body && run.body.message) || "Error " + run.status);
      }
    });
  }
  document.getElementById("bulk-reject").addEventListener("click", function () { bulk("reject"); });
  document.getElementById("bulk-accept").addEventListener("click", function () { bulk("accept"); });

  function toggleTheme(n) {
    const p = panel();
    const tag = p && p.querySelectorAll(".theme-choices .tag")[n - 1];
    if (!tag) return;
    const themes = (p.dataset.themes || "").split(",").filter(Boolean);
    const id = tag.dataset.theme;
    const at = themes.indexOf(id);
    if (at >= 0) themes.splice(at, 1); else themes.push(id);
    act("relabel", { themes: themes });
  }

  document.getElementById("panels").addEventListener("change", function (e) {
    if (e.target.classList.contains("kind-select")) act("relabel", { kind: e.target.value });
  });

  document.addEventListener("keydown", async function (e) {
    if (dialogOpen()) {
      if (e.key === "Escape") { e.preventDefault(); closeDialog(); }
      return;
    }
    if (FAI.typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    const p = panel();
    switch (e.key) {
      case "j": next(); break;
      case "k": show(current - 1); break;
      case "s": case " ": e.preventDefault(); next(); break;
      case "a": if (p && await act("accept", {})) next(); break;
      case "x": if (p) openDialog("reject-form"); break;
      case "m":
        if (p) {
          e.preventDefault();
          const q = document.getElementById("merge-q");
          q.value = ""; mergeHits = []; renderHits();
          openDialog("merge-form");
        }
        break;
      case "e":
        if (p) {
          e.preventDefault();
          document.getElementById("edit-statement").value = p.dataset.statement || "";
          document.getElementById("edit-title").value = p.dataset.requirement || "";
          openDialog("edit-form");
        }
        break;
      case "u": {
        const target = lastActed && document.querySelector(
          '#panels article.item[data-item-id="' + lastActed + '"]');
        if (!target) { toast("Nothing to undo yet"); break; }
        const idx = panels().indexOf(target);
        if (idx >= 0) show(idx);
        await act("undo", {}, target);
        break;
      }
      case "h": showHistory(); break;
      case "/": e.preventDefault(); document.getElementById("filter-q").focus(); break;
      case "o": {
        const link = p && p.querySelector("a.req-link");
        if (link) window.location.href = link.href;
        break;
      }
      default:
        if (/^[1-9]$/.test(e.key) && p) toggleTheme(Number(e.key));
    }
  });

  list.forEach(function (li, i) { li.addEventListener("click", function () { show(i); }); });
  if (list.length) show(0);
})();
