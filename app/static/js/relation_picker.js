// Search-as-you-type relation pickers: Select2 asks the view's /related/<column>/
// endpoint for at most 100 matching options instead of loading a whole table.
(function ($) {
    "use strict";

    function init(element) {
        var $el = $(element);
        if ($el.data("select2") || !$el.data("endpoint")) {
            return;
        }
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
                    return {q: params.term || ""};
                },
                processResults: function (data) {
                    return data;
                }
            }
        });
    }

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
