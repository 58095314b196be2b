// One current item in a list (the review page's sentences, the moderation queue's items): only
// its own controls are Tab stops (a roving tabindex), so Tab never moves on to another item;
// focusing the item itself, the arrow keys or j/k make another one current. A list shown a window
// at a time passes `loadBeyond(step)`: moving past its first or last item loads the items beyond
// (a promise of whether any came) and moves on into them.
"use strict";

window.RovingItems = function (container, itemSelector, controlSelector, onCurrent, loadBeyond) {
  const TEXT_ENTRY = 'input:not([type="checkbox"]), textarea, select, [contenteditable]';
  let currentId = null;

  function items() {
    return Array.from(container.querySelectorAll(itemSelector));
  }

  // The item the focus is in, else the last current one.
  function current() {
    const focused = document.activeElement && document.activeElement.closest(itemSelector);
    return focused || (currentId && document.getElementById(currentId));
  }

  function setTabbable(el, tabbable) {
    el.tabIndex = tabbable ? 0 : -1;
    for (const control of el.querySelectorAll(controlSelector)) {
      control.tabIndex = tabbable ? 0 : -1;
    }
  }

  function setCurrent(el) {
    const previous = currentId && document.getElementById(currentId);
    if (previous && previous !== el) setTabbable(previous, false);
    setTabbable(el, true);
    currentId = el.id;
    if (onCurrent) onCurrent(el);
  }

  function focus(el) {
    if (!el) return;
    setCurrent(el);
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = items();
    const here = all.indexOf(current());
    const next = all[here + step];
    if (here === -1) focus(all[0]);
    else if (next) focus(next);
    else if (!loadBeyond) focus(all[here]);
    else loadBeyond(step).then((loaded) => (loaded ? move(step) : focus(all[here])));
  }

  // Keys count only while the focus is in `scope`: never on the header's links, in a text field
  // or in a dialog. The arrow keys (and j/k) move; with shortcuts on, other keys go to
  // `onShortcut(key)`, which says whether it used the key. Turned off, only the arrow keys (no
  // character keys, WCAG 2.1.4) still work.
  function listen(scope, shortcutsOn, onShortcut) {
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (!scope.contains(document.activeElement)) return;
      if (event.target.closest(TEXT_ENTRY)) return;
      if (event.key === "ArrowDown" || (shortcutsOn && event.key === "j")) {
        move(1);
      } else if (event.key === "ArrowUp" || (shortcutsOn && event.key === "k")) {
        move(-1);
      } else if (!shortcutsOn || !onShortcut(event.key)) {
        return;
      }
      event.preventDefault();
    });
  }

  return { items, current, setCurrent, focus, move, listen, currentId: () => currentId };
};
