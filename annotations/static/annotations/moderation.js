// The moderation queue, from the keyboard: one sentence (queue item) is current; its decisions
// act on its current label (the first pending one unless another was focused or clicked). Each
// decision is posted through htmx and answered with the item's fragment, which replaces it; the
// outcome (done, refused and why, not sent) is announced in the page's one live region.
//
// As on the review page: only the current item's controls are Tab stops; single-key shortcuts
// work only while the focus is in the queue, and not at all when the moderator turned them off.
"use strict";

(function () {
  const FRAGMENT_HEADER = "X-Sentence-Fragment";

  const queue = document.getElementById("queue");
  if (!queue) return;
  const list = document.getElementById("queue-items");
  const liveRegion = document.getElementById("moderation-status");
  const shortcutsOn = queue.dataset.shortcuts === "on";
  const helpDialog = document.getElementById("help-dialog");
  const rejectDialog = document.getElementById("reject-dialog");
  const rejectForm = document.getElementById("reject-form");
  const adjudicateDialog = document.getElementById("adjudicate-dialog");
  const adjudicateForm = document.getElementById("adjudicate-form");
  const bulkCount = document.getElementById("bulk-count");

  // Only the current item's own controls are Tab stops.
  const roving = RovingItems(list, ".queue-item", "a[href], summary, button, input");
  let busy = false;
  let dialogFor = null; // the item a decision dialog is open for

  function title(el) {
    return document.getElementById(`${el.id}-title`).textContent;
  }

  function announce(text) {
    liveRegion.textContent = text;
  }

  function rows(el) {
    return Array.from(el.querySelectorAll(".annotation-row"));
  }

  function currentRow(el) {
    return el.querySelector('.annotation-row[aria-current="true"]');
  }

  // The label the item's decisions act on: marked, and named by the buttons' description.
  function setCurrentRow(el, row) {
    if (!row) return;
    for (const other of rows(el)) other.removeAttribute("aria-current");
    row.setAttribute("aria-current", "true");
    document.getElementById(`${el.id}-target`).textContent = `Acts on ${row.dataset.describe}`;
  }

  function moveRow(el, step) {
    const all = rows(el);
    const here = all.indexOf(currentRow(el));
    setCurrentRow(el, all[Math.min(Math.max(here + step, 0), all.length - 1)]);
    announce(document.getElementById(`${el.id}-target`).textContent);
  }

  function setStatus(el, state, text) {
    el.dataset.state = state;
    el.querySelector(".outcome").textContent = text;
  }

  // Post an action for the item; the answer (its fragment) replaces it. One at a time.
  function send(el, url, fields) {
    if (busy) {
      announce("Wait: the previous decision is still being sent.");
      return;
    }
    busy = true;
    const name = title(el);
    const keepRow = fields.decision ? null : currentRow(el);
    const hadFocus = el.contains(document.activeElement);
    let answered = false;
    const onBeforeSwap = (event) => {
      if (!event.detail.xhr.getResponseHeader(FRAGMENT_HEADER)) {
        event.detail.shouldSwap = false; // a login or error page, not the item
      } else {
        answered = true;
      }
    };
    list.addEventListener("htmx:beforeSwap", onBeforeSwap);
    setStatus(el, "sending", "Sending…");
    const values = { ...fields, sentence: el.dataset.pk };
    const done = () => {
      list.removeEventListener("htmx:beforeSwap", onBeforeSwap);
      busy = false;
      const fresh = document.getElementById(el.id);
      if (!answered) {
        setStatus(fresh, "refused", "Not done: connection or server problem. Try again.");
      } else if (keepRow) {
        const again = fresh.querySelector(
          `.annotation-row[data-annotation="${keepRow.dataset.annotation}"]`,
        );
        setCurrentRow(fresh, again);
      }
      announce(`${name}: ${fresh.querySelector(".outcome").textContent}`);
      syncArticle(fresh);
      if (roving.currentId() === el.id) {
        roving.setCurrent(fresh);
        if (hadFocus || document.activeElement === document.body) {
          fresh.focus({ preventScroll: true });
        }
      }
    };
    htmx
      .ajax("POST", url, { source: list, target: `#${el.id}`, swap: "outerHTML", values })
      .then(done, done);
  }

  // Other items of the same article show its lock and visibility as they now are.
  function syncArticle(fresh) {
    for (const other of list.querySelectorAll(`[data-article="${fresh.dataset.article}"]`)) {
      other.dataset.locked = fresh.dataset.locked;
      other.dataset.hidden = fresh.dataset.hidden;
    }
  }

  function decide(el, decision, reason) {
    const row = currentRow(el);
    if (!row) {
      announce(`${title(el)}: no label to decide on.`);
      return;
    }
    send(el, queue.dataset.decideUrl, {
      decision,
      annotation: row.dataset.annotation,
      expected_version: row.dataset.version,
      ...reason,
    });
  }

  function openDialog(dialog, el, subject, focus) {
    dialogFor = el.id;
    dialog.querySelector(".dialog-sentence").textContent = subject;
    dialog.showModal();
    focus.focus({ preventScroll: true });
    dialog.scrollTop = 0; // from its top, what it is about in view
  }

  function openReject(el) {
    const row = currentRow(el);
    if (!row) {
      announce(`${title(el)}: no label to reject.`);
      return;
    }
    rejectForm.reset();
    const text = document.getElementById(`${el.id}-text`).textContent;
    const first = rejectForm.querySelector('input[name="reason"]') || rejectForm.other_reason;
    openDialog(rejectDialog, el, `${row.dataset.describe}. “${text}”`, first);
  }

  function submitReject() {
    const reason = rejectForm.elements.other_reason.value.trim() || rejectForm.elements.reason.value;
    if (!reason) {
      rejectForm.elements.other_reason.setCustomValidity("Pick a reason or type one.");
      rejectForm.reportValidity();
      rejectForm.elements.other_reason.setCustomValidity("");
      return;
    }
    const el = document.getElementById(dialogFor);
    rejectDialog.close();
    decide(el, "reject", { reason });
  }

  function openAdjudicate(el) {
    adjudicateForm.reset();
    const data = el.dataset;
    const label = data.adjudicationLabel || data.goldLabel;
    const radios = Array.from(adjudicateForm.querySelectorAll('input[name="label"]'));
    const chosen = radios.find((radio) => radio.value === label);
    if (chosen) chosen.checked = true;
    adjudicateForm.elements.reason.value = data.adjudicationReason;
    document.getElementById("adjudicate-clear").hidden = data.adjudicationVersion === "0";
    const text = document.getElementById(`${el.id}-text`).textContent;
    openDialog(adjudicateDialog, el, `“${text}”`, chosen || radios[0]);
  }

  function submitAdjudication(clear) {
    if (!clear && !adjudicateForm.reportValidity()) return;
    const el = document.getElementById(dialogFor);
    const fields = { expected_version: el.dataset.adjudicationVersion };
    if (clear) fields.clear = "1";
    else Object.assign(fields, Object.fromEntries(new FormData(adjudicateForm)));
    adjudicateDialog.close();
    send(el, queue.dataset.adjudicateUrl, fields);
  }

  function setArticle(el, change) {
    send(el, queue.dataset.articleUrl, { change });
  }

  function toggleSelected(el) {
    const row = currentRow(el);
    const box = row && row.querySelector('input[type="checkbox"]');
    if (!box) return;
    box.checked = !box.checked;
    countSelected();
    announce(`${box.checked ? "Selected" : "Unselected"} ${row.dataset.describe}.`);
  }

  function countSelected() {
    const ticked = document.querySelectorAll('input[name="annotation"][form="bulk-form"]:checked');
    bulkCount.textContent = `${ticked.length} selected`;
  }

  function act(el, action) {
    if (action === "approve") decide(el, "approve", {});
    else if (action === "reopen") decide(el, "reopen", {});
    else if (action === "reject") openReject(el);
    else if (action === "adjudicate") openAdjudicate(el);
    else if (action === "lock") setArticle(el, "lock");
    else if (action === "unlock") setArticle(el, "unlock");
    else if (action === "hide") setArticle(el, "hide");
    else if (action === "show") setArticle(el, "show");
    else return false;
    return true;
  }

  const KEYS = { a: "approve", r: "reject", o: "reopen", d: "adjudicate" };

  // The keys beyond moving, while the focus is in the queue (an item or its controls).
  function onShortcut(key) {
    if (key === "?") {
      helpDialog.showModal();
      return true;
    }
    const el = roving.current();
    if (!el) return false;
    if (key in KEYS) act(el, KEYS[key]);
    else if (key === "l") setArticle(el, el.dataset.locked ? "unlock" : "lock");
    else if (key === "h") el.querySelector('[data-action="history"]').click();
    else if (key === "x") toggleSelected(el);
    else if (key === "n") moveRow(el, 1);
    else if (key === "p") moveRow(el, -1);
    else return false;
    return true;
  }

  roving.listen(list, shortcutsOn, onShortcut);
  queue.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    if (button.dataset.action === "help") {
      helpDialog.showModal();
      return;
    }
    const el = button.closest(".queue-item");
    if (el) act(el, button.dataset.action);
  });
  // An item becomes current when it is focused itself or clicked anywhere; a label becomes the
  // current one when one of its controls is focused or it is clicked.
  list.addEventListener("focusin", (event) => {
    const el = event.target.closest(".queue-item");
    if (!el) return;
    if (event.target === el && el.id !== roving.currentId()) roving.setCurrent(el);
    const row = event.target.closest(".annotation-row");
    if (row) setCurrentRow(el, row);
  });
  list.addEventListener("pointerdown", (event) => {
    const el = event.target.closest(".queue-item");
    if (!el) return;
    if (el.id !== roving.currentId()) roving.setCurrent(el);
    const row = event.target.closest(".annotation-row");
    if (row) setCurrentRow(el, row);
  });
  list.addEventListener("change", countSelected);

  for (const dialog of [rejectDialog, adjudicateDialog]) {
    dialog.addEventListener("click", (event) => {
      const action = event.target.closest("button[data-action]");
      if (action && action.dataset.action === "close") dialog.close();
      if (action && action.dataset.action === "unadjudicate") submitAdjudication(true);
    });
    dialog.addEventListener("close", () => {
      const el = dialogFor && document.getElementById(dialogFor);
      dialogFor = null;
      if (el) roving.focus(el);
    });
  }
  rejectForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitReject();
  });
  // Enter on a reason (a radio button) rejects, as it does in the text field.
  rejectForm.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches('input[type="radio"]')) {
      event.preventDefault();
      event.target.checked = true;
      submitReject();
    }
  });
  adjudicateForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitAdjudication(false);
  });
  adjudicateForm.addEventListener("keydown", (event) => {
    const submit =
      (event.key === "Enter" && (event.ctrlKey || event.metaKey)) ||
      (event.key === "Enter" && event.target.matches('input[type="radio"]'));
    if (submit) {
      event.preventDefault();
      submitAdjudication(false);
    }
  });

  const fromHash = window.location.hash && document.getElementById(window.location.hash.slice(1));
  roving.focus(fromHash && fromHash.matches(".queue-item") ? fromHash : roving.items()[0]);
})();
