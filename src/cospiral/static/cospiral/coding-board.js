/* Coding board: search-as-you-type combobox for codes, save without reloading (Enter
   saves, focus moves to the next uncoded card), drag and drop of cards onto grid
   components. Every form also works without this script. */
(function () {
  "use strict";
  // Blind double coding: the same keyboard flow (Enter saves, the next card's field has
  // the focus), without showing anyone else's codes.
  var blind = document.querySelector(".blind-cards");
  if (blind) {
    var blindProgress = document.getElementById("blind-progress");
    var blindText = document.getElementById("blind-progress-text");
    var focusBlind = function (id) {
      focusFieldOr(id ? document.getElementById("blind-" + id) : null, blindText);
    };
    blind.querySelectorAll("form.blind-form").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var card = form.getAttribute("data-card");
        var data = e.submitter ? new FormData(form, e.submitter) : new FormData(form);
        fetch(window.location.pathname, {method: "POST", body: data, credentials: "same-origin",
                                         headers: {"Accept": "application/json"}})
          .then(function (r) { return r.json().catch(function () { return {ok: false, error: r.statusText}; }); })
          .then(function (answer) {
            var error = document.getElementById("blind-" + card + "-error");
            if (!answer.ok) {
              if (error) error.textContent = answer.error || "";
              var input = document.getElementById("blind-" + card);
              if (input) input.focus();
              return;
            }
            if (error) error.textContent = "";
            var item = document.getElementById("card-" + card);
            if (item) item.classList.add("is-coded");
            if (answer.progress && blindProgress) {
              blindProgress.max = answer.progress.total;
              blindProgress.value = answer.progress.done;
              blindText.textContent = answer.progress.text;
            }
            focusBlind(answer.next);
          })
          .catch(function () { form.submit(); });
      });
    });
    var wanted = new URLSearchParams(window.location.search).get("focus");
    if (wanted && document.activeElement && document.activeElement.id !== "blind-" + wanted) focusBlind(wanted);
    return;
  }
  // Merge by hand: the chosen card to keep decides the form's address.
  var merge = document.querySelector(".merge-form");
  if (merge) {
    var keep = merge.querySelector(".merge-keep");
    var template = merge.getAttribute("data-action-template");
    var update = function () { merge.action = template.replace(/\/0\/merge\/$/, "/" + keep.value + "/merge/"); };
    keep.addEventListener("change", update);
    update();
  }
  var list = document.querySelector(".coding-cards");
  if (!list) return;
  var searchUrl = list.getAttribute("data-search");
  var progress = document.getElementById("coding-progress");
  var progressText = document.getElementById("coding-progress-text");
  var sequence = 0;

  function options(input) {
    var box = document.getElementById(input.getAttribute("aria-controls"));
    return box ? Array.prototype.slice.call(box.querySelectorAll("[role=option]")) : [];
  }

  function close(input) {
    var box = document.getElementById(input.getAttribute("aria-controls"));
    if (box) { box.hidden = true; box.innerHTML = ""; }
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function activate(input, index) {
    var opts = options(input);
    opts.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (index >= 0 && opts[index]) {
      input.setAttribute("aria-activedescendant", opts[index].id);
      opts[index].scrollIntoView({block: "nearest"});
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function activeIndex(input) {
    var id = input.getAttribute("aria-activedescendant");
    return options(input).findIndex(function (o) { return o.id === id; });
  }

  function choose(input, option) {
    input.value = option.getAttribute("data-code");
    close(input);
    input.focus();
  }

  function render(input, results) {
    var box = document.getElementById(input.getAttribute("aria-controls"));
    if (!box) return;
    box.innerHTML = "";
    if (!results.length) { close(input); return; }
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = input.id + "-opt-" + i;
      li.setAttribute("data-code", r.code);
      li.setAttribute("aria-selected", "false");
      var code = document.createElement("strong");
      code.textContent = r.code;
      li.appendChild(code);
      li.appendChild(document.createTextNode(" " + r.label));
      if (r.doubt) {
        var hint = document.createElement("em");
        hint.textContent = " · " + (list.getAttribute("data-doubt") || "when in doubt");
        li.appendChild(hint);
      }
      li.addEventListener("mousedown", function (e) { e.preventDefault(); });
      li.addEventListener("click", function () { choose(input, li); });
      box.appendChild(li);
    });
    box.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function search(input) {
    var q = input.value.trim();
    if (!q) { close(input); return; }
    var mine = ++sequence;
    fetch(searchUrl + "?q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) {
        if (mine !== sequence || document.activeElement !== input) return;
        render(input, data.results || []);
      })
      .catch(function () { close(input); });
  }

  function showError(card, message) {
    var p = document.getElementById("card-" + card + "-error");
    if (p) p.textContent = message;
    var input = document.getElementById("code-" + card);
    if (input) input.focus();
  }

  // After a save: the focus on the next card's field, or on the progress text when no
  // card is left to code.
  function focusFieldOr(input, progress) {
    if (input) {
      input.focus();
      input.scrollIntoView({block: "center"});
    } else if (progress) {
      progress.setAttribute("tabindex", "-1");
      progress.focus();
    }
  }

  function focusNext(next) {
    focusFieldOr(next ? document.getElementById("code-" + next) : null, progressText);
  }

  function send(form, submitter) {
    var card = form.getAttribute("data-card") || (form.closest("[data-card]") || {}).getAttribute("data-card");
    var data = submitter ? new FormData(form, submitter) : new FormData(form);
    return fetch(form.action, {method: "POST", body: data, credentials: "same-origin",
                               headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().catch(function () { return {ok: false, error: r.statusText}; }); })
      .then(function (data) {
        if (!data.ok) { showError(data.card || card, data.error || ""); return; }
        var item = document.getElementById("card-" + card);
        if (item) {
          if (data.html) {
            item.insertAdjacentHTML("afterend", data.html);
            var fresh = item.nextElementSibling;
            item.remove();
            bind(fresh);
          } else {
            item.remove();
          }
        }
        if (data.progress && progress) {
          progress.max = data.progress.total;
          progress.value = data.progress.done;
          progressText.textContent = data.progress.text;
        }
        if (form.classList.contains("split-form") || !data.html) {
          // No "#card-…" here: a fragment makes the browser focus the page when it
          // scrolls to it, after this script gave the card's field the focus.
          window.location.assign(window.location.pathname + (data.next ? "?focus=" + data.next : ""));
          return;
        }
        // The next card with its suggestions as they are now (they learnt from this save).
        var following = data.next ? document.getElementById("card-" + data.next) : null;
        if (following && data.next_html) {
          following.insertAdjacentHTML("afterend", data.next_html);
          var renewed = following.nextElementSibling;
          following.remove();
          bind(renewed);
        }
        focusNext(data.next);
      })
      .catch(function () { form.submit(); });
  }

  function bindForm(form, input) {
    if (form.querySelector("textarea[name=parts]")) form.classList.add("split-form");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      sequence++;
      if (input) close(input);
      send(form, e.submitter);
    });
  }

  function bind(item) {
    if (!item) return;
    var input = item.querySelector(".code-input");
    if (input) {
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { search(input); }, 120);
      });
      input.addEventListener("blur", function () { setTimeout(function () { close(input); }, 150); });
      input.addEventListener("keydown", function (e) {
        var opts = options(input);
        var open = input.getAttribute("aria-expanded") === "true";
        if (e.key === "ArrowDown") {
          e.preventDefault();
          if (!open) { search(input); return; }
          activate(input, Math.min(activeIndex(input) + 1, opts.length - 1));
        } else if (e.key === "ArrowUp") {
          e.preventDefault();
          if (open) activate(input, Math.max(activeIndex(input) - 1, 0));
        } else if (e.key === "Escape") {
          if (open) { e.preventDefault(); close(input); }
        } else if (e.key === "Enter") {
          var index = activeIndex(input);
          if (open && index >= 0) {
            e.preventDefault();
            choose(input, opts[index]);
          } else {
            close(input);
          }
        }
      });
    }
    item.querySelectorAll("form").forEach(function (form) { bindForm(form, input); });
    // The card's other tools (full code, split, not codable, uncode) are fetched when
    // they are opened; without this script their summary holds a link to their page.
    var tools = item.querySelector("details.card-tools[data-tools]");
    if (tools) {
      tools.addEventListener("toggle", function () {
        if (!tools.open || tools.getAttribute("data-loaded")) return;
        tools.setAttribute("data-loaded", "1");
        fetch(tools.getAttribute("data-tools"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
          .then(function (r) { if (!r.ok) throw new Error(r.statusText); return r.text(); })
          .then(function (html) {
            var link = tools.querySelector(".card-tools-link");
            if (link) link.remove();
            tools.insertAdjacentHTML("beforeend", html);
            tools.querySelectorAll("form").forEach(function (form) { bindForm(form, input); });
            var first = tools.querySelector("input:not([type=hidden]), textarea");
            if (first && document.activeElement === tools.querySelector("summary")) first.focus();
          })
          .catch(function () { tools.removeAttribute("data-loaded"); });
      });
    }
    if (item.getAttribute("draggable") === "true") {
      item.addEventListener("dragstart", function (e) {
        e.dataTransfer.setData("text/plain", item.getAttribute("data-card"));
        e.dataTransfer.effectAllowed = "move";
        item.classList.add("dragging");
      });
      item.addEventListener("dragend", function () { item.classList.remove("dragging"); });
    }
  }

  Array.prototype.forEach.call(list.querySelectorAll(".coding-card"), bind);
  // After a reload (a split, a save without this script) the card asked for has the focus.
  var asked = new URLSearchParams(window.location.search).get("focus");
  if (asked && document.activeElement && document.activeElement.id !== "code-" + asked) {
    var askedInput = document.getElementById("code-" + asked);
    if (askedInput) {
      askedInput.focus();
      askedInput.scrollIntoView({block: "center"});
      // A "#card-…" fragment (a redirect after a save without this script) makes the
      // browser focus the page once it has scrolled to it: give the field the focus back.
      if (window.location.hash) {
        window.addEventListener("load", function () {
          setTimeout(function () { if (document.activeElement === document.body) askedInput.focus(); }, 0);
        });
      }
    }
  }

  document.querySelectorAll(".grid-drop").forEach(function (target) {
    target.addEventListener("dragover", function (e) { e.preventDefault(); target.classList.add("drop-over"); });
    target.addEventListener("dragleave", function () { target.classList.remove("drop-over"); });
    target.addEventListener("drop", function (e) {
      e.preventDefault();
      target.classList.remove("drop-over");
      var card = e.dataTransfer.getData("text/plain");
      var form = document.querySelector(".code-form[data-card='" + card + "']");
      if (!form) return;
      form.querySelector(".code-input").value = target.getAttribute("data-code");
      send(form, null);
    });
  });

})();
