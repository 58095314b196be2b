// Keyboard tagging on the review page. Every action goes into a queue sent one request at a time
// through htmx; the server answers with the sentence's fragment, which replaces it. A request
// that fails (network, server error, expired session) stays first in the queue, its sentence
// marked unsaved, and is sent again with the next action: nothing is dropped silently.
//
// For keyboard and screen-reader use: one sentence is current; Tab reaches only its own controls
// and then the label buttons, which act on it; single-key shortcuts work only while the focus is
// in the article, and not at all when the reviewer turned them off; every outcome is announced
// in the page's one live region (#save-status).
//
// A long article comes a window of sentences at a time: htmx loads the next (or, opened
// mid-article, the earlier) window when its edge scrolls into view or its button is pressed, and
// j/k past the last (first) sentence loaded load it and move on into it. Everything here listens
// on the page, not on each sentence, so it works the same on sentences loaded later.
"use strict";

(function () {
  const FRAGMENT_HEADER = "X-Sentence-Fragment";
  const WINDOW_HEADER = "X-Sentence-Window";

  const review = document.getElementById("review");
  const container = document.getElementById("sentences");
  const saveStatus = document.getElementById("save-status");
  const helpDialog = document.getElementById("help-dialog");
  const detailsDialog = document.getElementById("details-dialog");
  const canEdit = review !== null && review.dataset.canEdit === "1";
  const shortcutsOn = review !== null && review.dataset.shortcuts === "on";
  const labelNames = review ? JSON.parse(document.getElementById("label-names").textContent) : {};
  const toolbar = document.getElementById("toolbar");
  const historyButton = document.getElementById("history-button");
  // Key → label, from the toolbar's buttons.
  const labelKeys = Object.fromEntries(
    Array.from(document.querySelectorAll("#toolbar button[data-label]"), (button) => [
      button.getAttribute("aria-keyshortcuts"),
      button.dataset.label,
    ]),
  );

  const queue = []; // {id, url, fields}
  let sending = false;
  // Only the current sentence's own controls are Tab stops; the toolbar shows which it is.
  const roving =
    review && RovingItems(container, ".sentence", "summary, a[href]", showInToolbar, loadWindow);
  let detailsFor = null; // {id, span} while the details dialog is open
  let lastOutcome = ""; // what the live region says when nothing waits to be sent again

  // The toolbar acts on the current sentence: show which one, and its label as pressed.
  function showInToolbar(el) {
    if (!toolbar || !el || el.id !== roving.currentId()) return;
    document.getElementById("toolbar-target").textContent = el.getAttribute("aria-label");
    for (const button of toolbar.querySelectorAll("button[data-label]")) {
      button.setAttribute("aria-pressed", button.dataset.label === el.dataset.label);
    }
    toolbar.querySelector('[data-action="clear"]').disabled = !canEdit || !el.dataset.label;
    historyButton.dataset.historyUrl = `${review.dataset.historyUrl}?sentence=${el.dataset.pk}`;
  }

  // The first sentence without a label from `from` on (wrapping round); `from` itself if all are.
  function nextUnlabelled(from) {
    const all = roving.items();
    const start = Math.max(all.indexOf(from), 0);
    for (let i = 0; i < all.length; i++) {
      const el = all[(start + i) % all.length];
      if (!el.dataset.label) return el;
    }
    return from;
  }

  // After an action on `from`: the next sentence without a label from it on; when the loaded
  // ones have none, the next window's first (loading it), else the first without from the top.
  function moveOn(from) {
    const all = roving.items();
    const next = all.slice(all.indexOf(from)).find((el) => !el.dataset.label);
    if (next || !document.getElementById("load-later")) {
      roving.focus(next || nextUnlabelled(from));
      return;
    }
    roving.focus(all[all.length - 1]);
    roving.move(1);
  }

  // Load the window beyond the loaded sentences (step 1: after them, -1: before) by its edge's
  // button, as scrolling to it would; a promise of whether it came.
  const windowWaits = new Map(); // edge → the resolve() of each promise waiting for it
  function loadWindow(step) {
    const edge = document.getElementById(step > 0 ? "load-later" : "load-earlier");
    if (!edge) return Promise.resolve(false);
    const button = edge.querySelector("button");
    if (!button.classList.contains("htmx-request")) htmx.trigger(button, "click");
    return new Promise((resolve) => {
      windowWaits.set(edge, [...(windowWaits.get(edge) || []), resolve]);
    });
  }

  // What a window's arrival moves: the reader's place when sentences come in above, and the
  // focus when the edge's button had it.
  const displaced = new WeakMap(); // edge → {anchor, top, focused}
  function beforeWindowSwap(event) {
    const edge = event.detail.target;
    if (!edge.matches(".window-edge")) return;
    if (event.detail.xhr.getResponseHeader(WINDOW_HEADER) === null) {
      event.detail.shouldSwap = false; // a login or error page, not sentences
      return;
    }
    const anchor = edge.id === "load-earlier" ? edge.nextElementSibling : null;
    const top = anchor && anchor.getBoundingClientRect().top;
    displaced.set(edge, { anchor, top, focused: edge.contains(document.activeElement) });
  }

  function afterWindowRequest(event) {
    const edge = event.detail.target;
    if (!edge || !edge.matches(".window-edge")) return;
    const loaded = !edge.isConnected; // the window took the edge's place
    if (loaded) {
      const { anchor, top, focused } = displaced.get(edge);
      if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - top);
      const [first, last] = event.detail.xhr.getResponseHeader(WINDOW_HEADER).split("-");
      if (focused) {
        const number = edge.id === "load-earlier" ? last : first;
        roving.focus(document.getElementById(`s${number - 1}`));
      }
      announce(first ? `Sentences ${first} to ${last} loaded.` : "No more sentences.");
    } else {
      announce(
        "More sentences could not be loaded (connection or server problem): " +
          "move on or press the button to try again.",
      );
    }
    for (const resolve of windowWaits.get(edge) || []) resolve(loaded);
    windowWaits.delete(edge);
  }

  // What the sentence is about to be saved as, for its status line.
  function describe(el) {
    return el.dataset.label ? labelNames[el.dataset.label] : "cleared label";
  }

  function setStatus(el, state, text) {
    el.dataset.state = state;
    el.querySelector(".status").textContent = text;
  }

  // The live region: the last outcome, and while some changes wait to be sent again, how many
  // and a button to send them now. ("Saving…" is shown on the sentence, not announced.)
  function updateSaveStatus() {
    const unsaved = new Set(queue.map((item) => item.id)).size;
    saveStatus.dataset.unsaved = unsaved;
    const waiting =
      unsaved && !sending
        ? ` ${unsaved} sentence${unsaved > 1 ? "s" : ""} not saved: sent again with your next action. `
        : "";
    if (saveStatus.dataset.said === lastOutcome + waiting) return; // nothing new to announce
    saveStatus.dataset.said = lastOutcome + waiting;
    saveStatus.textContent = lastOutcome + waiting;
    if (waiting) {
      const retry = document.createElement("button");
      retry.type = "button";
      retry.textContent = "Retry now";
      retry.addEventListener("click", () => {
        // The button goes away once the queue is sent: keep the focus on the sentence.
        roving.focus(document.getElementById(roving.currentId()));
        flush();
      });
      saveStatus.append(retry);
    }
  }

  function announce(text) {
    lastOutcome = text;
    updateSaveStatus();
  }

  // What happened to the sentence, from the fragment the server answered with.
  function outcomeOf(el) {
    const name = el.getAttribute("aria-label");
    if (el.dataset.state !== "saved") return `${name}: ${el.querySelector(".status").textContent}`;
    if (!el.dataset.label) return `${name}: label cleared.`;
    return `${name} saved as ${labelNames[el.dataset.label]}.`;
  }

  // Code-point offsets of the text selected inside the sentence (what Python's str indexes).
  function selectedSpan(el) {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    const range = selection.getRangeAt(0);
    const text = el.querySelector(".sentence-text");
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return null;
    const before = document.createRange();
    before.selectNodeContents(text);
    before.setEnd(range.startContainer, range.startOffset);
    const start = Array.from(before.toString()).length;
    const end = start + Array.from(range.toString()).length;
    selection.removeAllRanges();
    return end > start ? { span_start: start, span_end: end } : null;
  }

  function readOnly() {
    announce("This article is locked by a moderator: it is read-only.");
  }

  function act(el, url, fields) {
    if (!canEdit) {
      readOnly();
      return;
    }
    queue.push({ id: el.id, url, fields });
    el.dataset.label = url === review.dataset.clearUrl ? "" : fields.label || el.dataset.label;
    setStatus(el, "saving", `Saving ${describe(el)}…`);
    showInToolbar(el);
    moveOn(el);
    flush();
  }

  function tag(el, label) {
    act(el, review.dataset.saveUrl, { label, ...selectedSpan(el) });
  }

  function clear(el) {
    act(el, review.dataset.clearUrl, {});
  }

  // Send the queue in order; stop at the first failure and keep it for the next action.
  async function flush() {
    if (sending) return;
    sending = true;
    updateSaveStatus();
    while (queue.length) {
      const item = queue[0];
      const outcome = await send(item);
      const el = document.getElementById(item.id);
      if (outcome === "failed") {
        setStatus(
          el,
          "unsaved",
          `Not saved: ${describe(el)} (connection or server problem). ` +
            "Sent again with your next action.",
        );
        lastOutcome = `${el.getAttribute("aria-label")}: not saved (connection or server problem).`;
        break;
      }
      queue.shift();
      lastOutcome = outcomeOf(el);
      if (roving.currentId() === item.id) {
        // The swap replaced the current sentence: give the new one its place in the tab order.
        roving.setCurrent(el);
        if (document.activeElement === document.body) el.focus({ preventScroll: true });
      }
    }
    sending = false;
    updateSaveStatus();
  }

  function send(item) {
    const el = document.getElementById(item.id);
    // The version this page last saw, read now: an earlier queued save may have moved it on.
    const values = {
      ...item.fields,
      sentence: el.dataset.pk,
      expected_version: el.dataset.version,
    };
    let outcome = "failed";
    const onBeforeSwap = (event) => {
      if (event.detail.target.id !== item.id) return; // a window of sentences coming in
      const xhr = event.detail.xhr;
      if (!xhr.getResponseHeader(FRAGMENT_HEADER)) {
        event.detail.shouldSwap = false; // a login or error page, not the sentence
      } else if (xhr.status < 500) {
        outcome = "answered";
      }
    };
    container.addEventListener("htmx:beforeSwap", onBeforeSwap);
    const target = `#${item.id}`;
    return htmx
      .ajax("POST", item.url, { source: container, target, swap: "outerHTML", values })
      .then(
        () => outcome,
        () => "failed",
      )
      .finally(() => container.removeEventListener("htmx:beforeSwap", onBeforeSwap));
  }

  function openDetails(el, focus) {
    if (!canEdit) {
      readOnly();
      return;
    }
    const form = document.getElementById("details-form");
    const data = el.dataset;
    detailsFor = { id: el.id, span: selectedSpan(el) };
    document.getElementById("details-sentence").textContent =
      el.querySelector(".sentence-text").textContent;
    form.elements.label.value =
      data.label || (focus === "source" ? "sourced" : data.suggestedLabel || "");
    const stored = (name) => {
      const shown = el.querySelector(`[data-field="${name}"]`);
      return shown ? shown.textContent : "";
    };
    form.elements.claimant.value = stored("claimant");
    form.elements.source_name.value =
      stored("source_name") || (focus === "source" ? data.suggestedSource : "");
    form.elements.evidence_url.value = stored("evidence_url");
    form.elements.note.value = stored("note");
    form.elements.clear_span.checked = false;
    document.getElementById("details-clear-span-field").hidden = !data.hasSpan;
    detailsDialog.showModal();
    const field =
      focus === "note"
        ? form.elements.note
        : form.elements.source_name.value
          ? form.elements.evidence_url
          : form.elements.source_name;
    field.focus({ preventScroll: true });
    detailsDialog.scrollTop = 0; // from its top, the sentence it is about in view
    field.scrollIntoView({ block: "nearest" });
  }

  function saveDetails() {
    const form = document.getElementById("details-form");
    if (!form.reportValidity()) return;
    const el = document.getElementById(detailsFor.id);
    // Every field of the form, as named there (clear_span only when ticked).
    const fields = { ...Object.fromEntries(new FormData(form)), ...detailsFor.span };
    detailsFor = null;
    detailsDialog.close();
    act(el, review.dataset.saveUrl, fields);
  }

  // The keys beyond moving, while the focus is in the article (a sentence, its controls, the
  // label buttons).
  function onShortcut(key) {
    if (key === "g") {
      // Pressed on a sentence without my label: if "next" handed it to me, I pass it over.
      const el = roving.current();
      const skip = el && !el.dataset.label ? `?skip=${el.dataset.pk}` : "";
      window.location.href = document.body.dataset.nextUrl + skip;
      return true;
    }
    if (key === "?") {
      helpDialog.showModal();
      return true;
    }
    const el = roving.current() || nextUnlabelled(roving.items()[0]);
    if (!el) return false;
    if (key in labelKeys) tag(el, labelKeys[key]);
    else if (key === "x") clear(el);
    else if (key === "n") openDetails(el, "note");
    else if (key === "s") openDetails(el, "source");
    else if (key === "r") toggleReasons(el);
    else if (key === "h") historyButton.click();
    else return false;
    return true;
  }

  function toggleReasons(el) {
    const reasons = el.querySelector(".reasons");
    if (reasons) reasons.open = !reasons.open;
  }

  function onClick(event) {
    const button = event.target.closest("button[data-label], button[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    if (action === "help") {
      helpDialog.showModal();
      return;
    }
    if (action === "close") {
      detailsDialog.close();
      return;
    }
    const el = button.closest(".sentence") || roving.current();
    if (!el) return;
    if (button.dataset.label) tag(el, button.dataset.label);
    else if (action === "clear") clear(el);
    else if (action === "note") openDetails(el, "note");
    else if (action === "source") openDetails(el, "source");
  }

  if (!review) return;
  roving.listen(review, shortcutsOn, onShortcut);

  document.addEventListener("click", onClick);
  document.addEventListener("htmx:beforeSwap", beforeWindowSwap);
  document.addEventListener("htmx:afterRequest", afterWindowRequest);
  // The room the sticky toolbar takes, for the page's scroll padding (none when it scrolls).
  function reserveToolbarSpace() {
    const sticky = getComputedStyle(toolbar).position === "sticky";
    const height = sticky ? `${toolbar.offsetHeight}px` : "0px";
    document.documentElement.style.setProperty("--toolbar-height", height);
  }
  new ResizeObserver(reserveToolbarSpace).observe(toolbar);
  window.addEventListener("resize", reserveToolbarSpace);
  // A sentence becomes the current one when it is focused itself or clicked anywhere; focusing
  // one of its controls does not move the current sentence.
  container.addEventListener("focusin", (event) => {
    if (event.target.matches(".sentence") && event.target.id !== roving.currentId()) {
      roving.setCurrent(event.target);
    }
  });
  container.addEventListener("pointerdown", (event) => {
    const el = event.target.closest(".sentence");
    if (el && el.id !== roving.currentId()) roving.setCurrent(el);
  });
  if (detailsDialog) {
    const form = document.getElementById("details-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      saveDetails();
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        saveDetails();
      }
    });
    detailsDialog.addEventListener("close", () => {
      const el = detailsFor && document.getElementById(detailsFor.id);
      detailsFor = null;
      if (el) roving.focus(el);
    });
  }
  window.addEventListener("beforeunload", (event) => {
    if (queue.length) event.preventDefault(); // unsaved changes would be lost with the page
  });

  const fromHash = window.location.hash && document.getElementById(window.location.hash.slice(1));
  const linked = fromHash && fromHash.matches(".sentence") ? fromHash : null;
  const params = new URLSearchParams(window.location.search);
  const wanted = window.location.hash.match(/^#s(\d+)$/);
  if (!linked && wanted && !params.has("at")) {
    // A link to a sentence outside the first window: open the window holding it.
    params.set("at", wanted[1]);
    window.location.replace(`?${params}${window.location.hash}`);
    return;
  }
  roving.focus(linked || nextUnlabelled(roving.items()[0]));
})();
