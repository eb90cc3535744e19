// Application form: add and remove table rows and show live budget totals. Display only: the server
// computes every amount again with Decimal and never takes the client's numbers.
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) { return; }
  document.documentElement.classList.add("js");

  function addRow(kind) {
    var tbody = form.querySelector('table[data-rows="' + kind + '"] tbody');
    if (!tbody || !tbody.rows.length) { return; }
    var last = tbody.rows[tbody.rows.length - 1];
    var clone = last.cloneNode(true);
    var pattern = new RegExp("^(" + kind + "-)(\\d+)(-)");
    var next = 0;
    tbody.querySelectorAll("[name]").forEach(function (el) {
      var m = el.name.match(pattern);
      if (m) { next = Math.max(next, parseInt(m[2], 10) + 1); }
    });
    clone.querySelectorAll("[name]").forEach(function (el) {
      el.name = el.name.replace(pattern, "$1" + next + "$3");
      if (el.id) { el.id = el.id.replace(pattern, "$1" + next + "$3"); }
      if (el.type === "checkbox") { el.checked = false; }
      else if (el.tagName !== "SELECT") { el.value = ""; }
      el.classList.remove("is-invalid");
    });
    clone.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    clone.querySelectorAll("[data-amount]").forEach(function (el) { el.textContent = ""; });
    tbody.appendChild(clone);
    var first = clone.querySelector("input");
    if (first) { first.focus(); }
  }

  // Integer cents avoid floating-point drift in the display.
  function cents(text) {
    var s = (text || "").replace(/[,¥\s]/g, "");
    if (!/^\d+(\.\d{1,2})?$/.test(s)) { return null; }
    var parts = s.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function yuan(c) {
    var whole = Math.floor(c / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return "¥" + whole + "." + ("0" + (c % 100)).slice(-2);
  }

  function recompute() {
    var total = 0, byCategory = {}, labels = {};
    form.querySelectorAll("tr[data-budget-row]").forEach(function (row) {
      var inputs = row.querySelectorAll("input");
      var q = cents(inputs[1] && inputs[1].value), p = cents(inputs[2] && inputs[2].value);
      var cell = row.querySelector("[data-amount]");
      if (q === null || p === null || q === 0) { if (cell) { cell.textContent = ""; } return; }
      var amount = Math.round(q * p / 100);  // (q/100 × p/100) yuan in cents, half-up
      if (cell) { cell.textContent = yuan(amount); }
      var select = row.querySelector("select");
      var key = select ? select.value : "";
      labels[key] = select ? select.options[select.selectedIndex].text : "";
      byCategory[key] = (byCategory[key] || 0) + amount;
      total += amount;
    });
    var out = form.querySelector("[data-live-total]");
    if (out) { out.textContent = yuan(total); }
    var shares = form.querySelector("[data-live-shares]");
    if (shares) {
      shares.textContent = Object.keys(byCategory).map(function (k) {
        return labels[k] + " " + (total ? (byCategory[k] * 100 / total).toFixed(1) : "0") + "%";
      }).join(" · ");
    }
  }

  // A removed row leaves the page (the save ignores what is not sent); the last row of a
  // table is emptied instead, so "添加一行" still has a row to copy.
  function removeRow(button) {
    var row = button.closest("tr");
    var tbody = row && row.parentNode;
    if (!tbody) { return; }
    var table = tbody.closest("table");
    if (tbody.rows.length > 1) {
      var focusTarget = row.nextElementSibling || row.previousElementSibling;
      tbody.removeChild(row);
      var next = focusTarget && focusTarget.querySelector("input, select");
      if (next) { next.focus(); }
    } else {
      row.querySelectorAll("input, select").forEach(function (el) {
        if (el.type === "checkbox") { el.checked = false; }
        else if (el.tagName !== "SELECT") { el.value = ""; }
        el.classList.remove("is-invalid");
      });
      row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    }
    if (table) { table.dispatchEvent(new Event("input", { bubbles: true })); }
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (button) { event.preventDefault(); addRow(button.getAttribute("data-add-row")); recompute(); return; }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) { event.preventDefault(); removeRow(remove); recompute(); }
  });
  form.addEventListener("input", recompute);
  form.addEventListener("change", recompute);
  recompute();
}());
