// Level descriptors of the score sheet: each list describes its criterion's score input to assistive technology
// (the list names the input's id in data-describes). Without this script the list is still read in the page's order.
(function () {
  "use strict";
  document.querySelectorAll("[data-describes]").forEach(function (list) {
    var input = document.getElementById(list.dataset.describes);
    if (!input) return;
    var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (ids.indexOf(list.id) === -1) {
      ids.unshift(list.id);
      input.setAttribute("aria-describedby", ids.join(" "));
    }
  });
})();
