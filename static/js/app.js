// Small behaviours, loaded as a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // --- Confirmations -----------------------------------------------------------------------
  // An irreversible step asks first. The question sits on what the person chose: the button
  // that submits (`data-confirm` on the submitter, e.g. 提交评分 beside 保存草稿), or the
  // option or radio button picked in the form (异议成立 in a list of outcomes). A form-level
  // `data-confirm` is still honoured, for a form with a single button.
  function question(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm")) {
      return submitter.getAttribute("data-confirm");
    }
    var chosen = form.querySelector("option[data-confirm]:checked, input[data-confirm]:checked");
    if (chosen) { return chosen.getAttribute("data-confirm"); }
    return form.getAttribute("data-confirm");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var ask = question(form, event.submitter);
    if (ask && !window.confirm(ask)) {
      event.preventDefault();
      return;
    }
    // One click, one submission: a double click must not send the form twice.
    if (form.dataset.submitted === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    window.setTimeout(function () { form.dataset.submitted = ""; }, 5000);
  }, true);

  // --- Tables on a phone -------------------------------------------------------------------
  // `table-cards`: below 576 px each row is a card. The card's title is the first column (or
  // the column `data-card-title` names, counting from 1); every other cell shows its column's
  // name, taken from the header, so a template adds only the class. A cell may carry its own
  // `data-label`.
  function labelCells(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) { return; }
    var names = [];
    Array.prototype.forEach.call(head.cells, function (th) {
      var span = th.colSpan || 1;
      for (var i = 0; i < span; i += 1) { names.push(th.textContent.trim()); }
    });
    var title = (parseInt(table.getAttribute("data-card-title"), 10) || 1) - 1;
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        if (row.cells.length < 2) { return; }  // "no records": one cell across the table
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (column === title) {
            cell.classList.add("card-title-cell");
          } else if (!cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", names[column] || "");
          }
          // A card leaves out what a table shows as a blank cell.
          if (!cell.textContent.trim() && !cell.querySelector("input, select, button, img, svg")) {
            cell.classList.add("card-empty");
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }

  // Sticky columns need the width of those before them: the first `data-sticky` (default 1).
  function stickColumns(table) {
    var count = parseInt(table.getAttribute("data-sticky"), 10) || 1;
    Array.prototype.forEach.call(table.rows, function (row) {
      var left = 0;
      for (var i = 0; i < count && i < row.cells.length; i += 1) {
        var cell = row.cells[i];
        cell.classList.add("sticky-cell");
        cell.classList.toggle("sticky-edge", i === count - 1);
        cell.style.left = left + "px";
        left += cell.getBoundingClientRect().width;
      }
    });
  }

  // `table-sticky`: the first column stays while the others scroll sideways in their
  // `.table-responsive` box; a frame around the box shows an arrow and a fade on the side where
  // more columns are hidden, so a person sees there is more.
  function watchScroll(table, box) {
    var frame = document.createElement("div");
    frame.className = "scroll-frame";
    box.parentNode.insertBefore(frame, box);
    frame.appendChild(box);
    function update() {
      stickColumns(table);
      frame.classList.toggle("scroll-more-left", box.scrollLeft > 1);
      frame.classList.toggle("scroll-more-right",
                             box.scrollLeft + box.clientWidth < box.scrollWidth - 1);
    }
    box.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  }

  function setUpTables() {
    document.querySelectorAll("table.table-cards").forEach(labelCells);
    document.querySelectorAll("table.table-sticky").forEach(function (table) {
      var box = table.closest(".table-responsive");
      if (box) { watchScroll(table, box); } else { stickColumns(table); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpTables);
  } else {
    setUpTables();
  }
}());
