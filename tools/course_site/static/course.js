// The book's own script (bundled with the other head scripts after the build).
// A displayed equation wider than the screen scrolls sideways: make exactly those reachable with the keyboard
// (the theme does the same for wide code blocks and tables), and only while they scroll.
(function () {
  function markScrolling() {
    document.querySelectorAll('div.math, mjx-container[display="true"]').forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) el.tabIndex = 0;
      else el.removeAttribute("tabindex");
    });
  }
  var pending = null;
  function later() {
    if (pending) clearTimeout(pending);
    pending = setTimeout(markScrolling, 150);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markScrolling);
  else markScrolling();
  window.addEventListener("resize", later);
})();
