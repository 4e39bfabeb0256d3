// Level descriptors of the score sheet: each table describes its criterion's score input to assistive technology
// (the table names the input's id in data-describes). Without this script the table is still read in the page's order.
(function () {
  "use strict";
  document.querySelectorAll("[data-describes]").forEach(function (table) {
    var input = document.getElementById(table.dataset.describes);
    if (!input) return;
    var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (ids.indexOf(table.id) === -1) {
      ids.unshift(table.id);
      input.setAttribute("aria-describedby", ids.join(" "));
    }
  });
})();
