// Search-as-you-type relation pickers: Select2 asks the view's /related/<column>/
// endpoint for at most 100 matching options instead of loading a whole table.
//
// From the keyboard: opening a picker puts the cursor in its search field (Select2 4.0 with
// jQuery 3.6 does not), and Enter picks the first match of what was typed, also when the
// search has not answered yet (it waits for the answer instead of picking a stale option).
// In context: `data-context` names other fields of the form (e.g. "client") whose choice is
// sent with each search, so the server lists that client's scopes or contracts only; changing
// such a field empties the picker, whose choice may belong to the previous client.
(function ($) {
    "use strict";

    var SEARCH_FIELD = ".select2-container--open .select2-search__field";

    function contextFields($el) {
        return ($el.data("context") || "").split(",").filter(function (name) {
            return name && document.getElementById(name);
        });
    }

    function init(element) {
        var $el = $(element);
        if ($el.data("select2") || !$el.data("endpoint")) {
            return;
        }
        // The term the options on show were searched for; Enter typed before they match waits.
        var state = {shownTerm: null, pickWhenShown: false};
        var context = contextFields($el);
        $el.select2({
            theme: "bootstrap",
            width: "100%",
            allowClear: $el.data("allow-clear") === true,
            placeholder: $el.data("placeholder") || "Type to search…",
            minimumInputLength: 0,
            ajax: {
                url: $el.data("endpoint"),
                dataType: "json",
                delay: 250,
                data: function (params) {
                    var query = {q: params.term || ""};
                    context.forEach(function (name) {
                        var value = $("#" + name).val();
                        if (value) {
                            query[name] = value;
                        }
                    });
                    return query;
                },
                processResults: function (data) {
                    return data;
                }
            }
        });
        var select2 = $el.data("select2");
        select2.on("results:all", function (params) {
            state.shownTerm = (params.query && params.query.term) || "";
            var field = document.querySelector(SEARCH_FIELD);
            if (state.pickWhenShown && field && field.value === state.shownTerm) {
                state.pickWhenShown = false;
                // After Select2 has drawn and highlighted the new options.
                setTimeout(function () {
                    select2.trigger("results:select", {});
                }, 0);
            }
        });
        $el.on("select2:open", function () {
            state.pickWhenShown = false;
            var field = document.querySelector(SEARCH_FIELD);
            if (field) {
                field.focus();
            }
        });
        $el.on("select2:close", function () {
            state.pickWhenShown = false;
            state.shownTerm = null;
        });
        $el.data("mssp-picker-state", state);
        context.forEach(function (name) {
            $("#" + name).on("change", function () {
                if ($el.val()) {
                    $el.val(null).trigger("change");
                }
            });
        });
    }

    // Enter in an open picker's search field before its options match what was typed: hold it
    // until they do (capturing, so Select2's own handler does not pick a stale option first).
    document.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" || !event.target.matches || !event.target.matches(SEARCH_FIELD)) {
            return;
        }
        var $open = $(".mssp-relation-picker").filter(function () {
            var select2 = $(this).data("select2");
            return select2 && select2.isOpen();
        });
        var state = $open.data("mssp-picker-state");
        if (!state || state.shownTerm === event.target.value) {
            return;
        }
        event.preventDefault();
        event.stopPropagation();
        state.pickWhenShown = true;
    }, true);

    function initWithin(root) {
        $(root).find(".mssp-relation-picker").addBack(".mssp-relation-picker").each(function () {
            init(this);
        });
    }

    $(function () {
        initWithin(document.body);
        // Search filters are added by FAB's JavaScript after page load.
        new MutationObserver(function (mutations) {
            mutations.forEach(function (mutation) {
                mutation.addedNodes.forEach(function (node) {
                    if (node.nodeType === 1) {
                        initWithin(node);
                    }
                });
            });
        }).observe(document.body, {childList: true, subtree: true});
    });
})(jQuery);
