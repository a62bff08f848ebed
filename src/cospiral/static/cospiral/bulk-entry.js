/* Bulk entry of cards: Enter saves the box (one card per line) through fetch, the box is
   cleared and keeps the focus, new cards go on top of the live list. Ctrl+Z / Alt+Z on
   an empty box undoes the last card; Alt+1..9 switches question. Without this script
   the same form posts normally. */
(function () {
  "use strict";
  var section = document.getElementById("bulk-entry");
  var form = document.getElementById("bulk-form");
  if (!section || !form || !window.fetch) return;
  var box = form.querySelector("textarea[name=text]");
  var list = document.getElementById("bulk-list");
  var count = document.getElementById("bulk-count");
  var error = document.getElementById("bulk-error");
  var busy = false;
  var queue = [];

  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showCount(n) {
    count.textContent = n === 1 ? section.dataset.countOne
      : section.dataset.countMany.replace("%(n)s", String(n));
  }

  function showError(messages) {
    if (!messages || !messages.length) { error.hidden = true; error.textContent = ""; return; }
    error.textContent = messages.join(" ");
    error.hidden = false;
  }

  function addCard(card) {
    var li = document.createElement("li");
    li.dataset.id = card.id;
    var span = document.createElement("span");
    span.className = "postit";
    span.textContent = card.text;
    var link = document.createElement("a");
    link.href = card.edit_url;
    link.textContent = section.dataset.editLabel;
    li.appendChild(span);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(link);
    list.insertBefore(li, list.firstChild);
  }

  function post(action, text) {
    var data = new FormData(form);
    data.set("action", action);
    data.set("text", text || "");
    // form.action would be the buttons named "action": read the attribute.
    return fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf() }
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    });
  }

  // A failed save puts its text, and the texts still waiting behind it, back in the
  // box in the order they were typed, so nothing typed is lost or reordered.
  function restore(job) {
    var texts = [];
    if (job.action === "save") texts.push(job.text);
    queue.forEach(function (waiting) { if (waiting.action === "save") texts.push(waiting.text); });
    queue = [];
    if (box.value) texts.push(box.value);
    box.value = texts.join("\n");
  }

  function run() {
    if (busy || !queue.length) return;
    busy = true;
    var job = queue.shift();
    post(job.action, job.text).then(function (result) {
      if (!result.ok) {
        showError(result.json.errors);
        restore(job);
        return;
      }
      showError(null);
      if (job.action === "save") {
        result.json.created.forEach(addCard);
        showCount(result.json.count);
      } else {
        if (result.json.undone) {
          var gone = list.querySelector('li[data-id="' + result.json.undone.id + '"]');
          if (gone) gone.remove();
        }
        showCount(result.json.count);
        count.textContent += " · " + result.json.message;
      }
    }).catch(function () {
      showError([section.dataset.networkError]);
      restore(job);
    }).then(function () {
      busy = false;
      run();
    });
  }

  function save() {
    var text = box.value;
    if (!text.trim()) return;
    box.value = "";
    box.focus();
    queue.push({ action: "save", text: text });
    run();
  }

  function undo() {
    queue.push({ action: "undo", text: "" });
    run();
    box.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var action = event.submitter && event.submitter.value === "undo" ? "undo" : "save";
    if (action === "undo") undo(); else save();
  });

  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      save();
    } else if ((event.key === "z" || event.key === "Z") && (event.ctrlKey || event.altKey)
               && !box.value) {
      event.preventDefault();
      undo();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var match = /^Digit([1-9])$/.exec(event.code || "");
    if (!match) return;
    var link = document.querySelector('#bulk-questions a[data-key="' + match[1] + '"]');
    if (link) {
      event.preventDefault();
      window.location.href = link.href;
    }
  });

  box.focus();
})();
