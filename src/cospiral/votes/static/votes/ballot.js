/* Dot vote: the count of dots left follows what is typed (without this script the
   "Count my dots" button asks the server; the server checks every ballot anyway). */
(function () {
  "use strict";
  var form = document.getElementById("vote-ballot");
  if (!form || form.dataset.method !== "dot") return;
  var dots = parseInt(form.dataset.dots, 10);
  var output = document.getElementById("dots-left");
  var box = output && output.closest(".vote-remaining");
  document.documentElement.classList.add("js-votes");
  function recount() {
    var used = 0;
    form.querySelectorAll("input.vote-dots").forEach(function (input) {
      var n = parseInt(input.value, 10);
      if (!isNaN(n) && n > 0) used += n;
    });
    var left = dots - used;
    output.textContent = String(left);
    if (box) box.classList.toggle("vote-over", left < 0);
  }
  form.addEventListener("input", recount);
  recount();
})();
