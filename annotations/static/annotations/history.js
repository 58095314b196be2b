// The drawer of a sentence's audit trail, on the review page and the moderation queue: a button
// with data-history-url loads the sentence's history into the dialog and opens it; closing it
// gives the focus back to where it was.
"use strict";

(function () {
  const FRAGMENT_HEADER = "X-Sentence-Fragment";
  const dialog = document.getElementById("history-dialog");
  if (!dialog) return;
  const body = document.getElementById("history-body");
  let opener = null;

  function open(url) {
    opener = document.activeElement;
    const onBeforeSwap = (event) => {
      if (!event.detail.xhr.getResponseHeader(FRAGMENT_HEADER)) {
        event.detail.shouldSwap = false; // a login or error page, not the history
        body.querySelector("h2").textContent = "The history could not be loaded.";
      }
    };
    body.addEventListener("htmx:beforeSwap", onBeforeSwap);
    const show = () => {
      body.removeEventListener("htmx:beforeSwap", onBeforeSwap);
      if (!dialog.open) dialog.showModal();
      body.querySelector("h2").focus({ preventScroll: true });
      dialog.scrollTop = 0;
    };
    htmx.ajax("GET", url, { source: body, target: body, swap: "innerHTML" }).then(show, show);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-history-url]");
    if (button && button.dataset.historyUrl) open(button.dataset.historyUrl);
  });
  dialog.addEventListener("close", () => {
    if (opener && opener.isConnected) opener.focus({ preventScroll: true });
    opener = null;
  });
})();
