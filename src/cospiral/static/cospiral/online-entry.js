/* Online entry: "Add another idea" adds a box in place (without this script the button
   asks the server for the same page with one more box, keeping what was typed). */
(function () {
  "use strict";
  var form = document.getElementById("online-entry");
  if (!form) return;
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button.add-idea");
    if (!button) return;
    event.preventDefault();
    var fieldset = button.closest("fieldset");
    var boxes = fieldset.querySelectorAll("textarea");
    var last = boxes[boxes.length - 1];
    var labels = fieldset.querySelectorAll("label");
    var number = boxes.length + 1;
    var label = labels[labels.length - 1].cloneNode(true);
    var box = last.cloneNode(false);
    box.id = "q-" + fieldset.dataset.question + "-" + number;
    box.value = "";
    label.htmlFor = box.id;
    label.textContent = label.textContent.replace(/\d+\s*$/, String(number));
    fieldset.insertBefore(label, button);
    fieldset.insertBefore(box, button);
    box.focus();
  });
})();
