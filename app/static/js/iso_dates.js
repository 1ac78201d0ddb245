/* Date inputs (app/web/dates.py): the text is what the person typed or pasted, never rewritten.
   The calendar button opens the browser's own date picker, which writes an ISO date
   (YYYY-MM-DD) into the text input only when a day is picked. */
(function () {
    "use strict";
    var ISO = /^\d{4}-\d{2}-\d{2}$/;

    function parts(element) {
        var group = element.closest(".mssp-date");
        return {
            text: group.querySelector("input[data-date-input]"),
            native: group.querySelector("input.mssp-date-native")
        };
    }

    document.addEventListener("click", function (event) {
        var button = event.target.closest(".mssp-date-pick");
        if (!button) { return; }
        var field = parts(button);
        field.native.value = ISO.test(field.text.value.trim()) ? field.text.value.trim() : "";
        try {
            field.native.showPicker();
        } catch (error) {
            field.native.focus();
        }
    });

    document.addEventListener("change", function (event) {
        if (!event.target.classList || !event.target.classList.contains("mssp-date-native")) { return; }
        if (!event.target.value) { return; }
        var field = parts(event.target);
        field.text.value = event.target.value;
        field.text.dispatchEvent(new Event("change", {bubbles: true}));
    });
}());
