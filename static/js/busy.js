// A button that takes a while (an import reads and checks a whole file) says it is working:
// once its form is really submitted (not cancelled by a confirmation), the button is
// disabled, shows a spinner and its data-busy-text, and the form is marked aria-busy.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    var form = event.target;
    var button = form.querySelector("[data-busy-text]");
    if (!button) { return; }
    form.setAttribute("aria-busy", "true");
    // After this tick: the submission has already taken the form's fields.
    window.setTimeout(function () {
      button.setAttribute("data-idle-label", button.textContent);
      button.disabled = true;
      button.textContent = "";
      var spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm me-2";
      spinner.setAttribute("aria-hidden", "true");
      button.appendChild(spinner);
      button.appendChild(document.createTextNode(button.getAttribute("data-busy-text")));
    }, 0);
  });
  // Back from the browser's cache (the back button): the page is usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[aria-busy]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      var button = form.querySelector("[data-idle-label]");
      if (button) {
        button.textContent = button.getAttribute("data-idle-label");
        button.disabled = false;
      }
    });
  });
}());
