/* Typed-in paper questionnaires: a live echo of the answers string (indicator code →
   level text, one table row per character, wrong characters marked), a short status
   line for screen readers, the number field selected on load so the next number can be
   accepted or typed over, and Enter in a select or on a checkbox saves like in a text
   field. Without
   this script the same form posts normally and the server reads the string. */
(function () {
  "use strict";
  var form = document.getElementById("paper-entry");
  var dataNode = document.getElementById("paper-echo-data");
  if (!form || !dataNode) return;
  var items = JSON.parse(dataNode.textContent);
  var box = form.querySelector("input[name=answers]");
  var number = form.querySelector("input[name=number]");
  var status = document.getElementById("answers-status");
  var rows = document.querySelectorAll(".paper-echo tbody tr");
  var names = (form.dataset.levelNames || "").split("|");

  function meaning(ch, item) {
    var c = ch.toLowerCase();
    if (c >= "1" && c <= "5") {
      var n = Number(c);
      return { ok: true, text: n + " " + (names[n - 1] || "") + (item.levels[n - 1] ? " — " + item.levels[n - 1] : "") };
    }
    if (c === "d" || c === "?") return { ok: true, text: form.dataset.dontKnow };
    if (c === "n" || c === "x") return { ok: true, text: form.dataset.notApplicable };
    if (c === " " || c === "." || c === "-") return { ok: true, text: form.dataset.noAnswer };
    return { ok: false, text: form.dataset.wrong };
  }

  function echo() {
    var text = box.value;
    for (var i = 0; i < rows.length; i++) {
      var charCell = rows[i].querySelector(".echo-char");
      var textCell = rows[i].querySelector(".echo-text");
      rows[i].classList.toggle("echo-current", i === text.length - 1);
      if (i < text.length) {
        var m = meaning(text[i], items[i]);
        charCell.textContent = text[i] === " " ? "␣" : text[i];
        textCell.textContent = m.text;
        rows[i].classList.toggle("echo-wrong", !m.ok);
      } else {
        charCell.textContent = "";
        textCell.textContent = "";
        rows[i].classList.remove("echo-wrong");
      }
    }
    var last = text.length - 1;
    var summary = form.dataset.typed.replace("%(typed)s", String(text.length))
      .replace("%(total)s", String(items.length));
    if (last >= 0 && last < items.length) {
      summary += " · " + items[last].code + " → " + meaning(text[last], items[last]).text;
    }
    status.textContent = summary;
  }

  box.addEventListener("input", echo);
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && (target.tagName === "SELECT" || target.type === "checkbox")) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });
  if (box.value) echo();
  if (document.activeElement === number || number.hasAttribute("autofocus")) {
    number.focus();
    number.select();
  }
})();
