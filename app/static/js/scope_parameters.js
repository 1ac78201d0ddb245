// The service scope form: when another service is chosen, its scope parameters replace the
// inputs of the previous one (the server renders them: /servicescopeview/scope_parameters/),
// and the catalog's unit, price and currency of that service are proposed in their fields
// (/servicescopeview/catalog_terms/), unless the person has changed those fields by hand.
(function ($) {
    "use strict";

    var TERMS = ["unit", "price", "currency"];

    function proposeTerms($box, $service) {
        var endpoint = $box.data("terms-endpoint");
        if (!endpoint) {
            return;
        }
        var touched = {};
        var filling = false;
        TERMS.forEach(function (name) {
            $("#" + name).on("input change", function () {
                if (!filling) {
                    touched[name] = true;
                }
            });
        });
        $service.on("change", function () {
            var chosen = $service.val() || "";
            if (!chosen) {
                return;
            }
            $.ajax({url: endpoint, data: {service: chosen}, dataType: "json"}).done(function (terms) {
                if (($service.val() || "") !== chosen) {
                    return;
                }
                filling = true;
                try {
                    TERMS.forEach(function (name) {
                        var $field = $("#" + name);
                        if (!$field.length || touched[name] || terms[name] === null || terms[name] === undefined) {
                            return;
                        }
                        $field.val(String(terms[name])).trigger("change");
                    });
                } finally {
                    filling = false;
                }
            });
        });
    }

    function follow(box) {
        var $box = $(box);
        var $service = $("#" + $box.data("service-field"));
        var endpoint = $box.data("endpoint");
        if (!$service.length || !endpoint) {
            return;
        }
        var shownFor = $box.find("input[type=hidden][name='" + $box.attr("id") + "']").val() || "";
        proposeTerms($box, $service);
        $service.on("change", function () {
            var chosen = $service.val() || "";
            if (chosen === shownFor) {
                return;
            }
            shownFor = chosen;
            $box.attr("aria-busy", "true");
            $.ajax({url: endpoint, data: {service: chosen}, dataType: "html"})
                .done(function (html) {
                    if (shownFor === chosen) {
                        $box.html(html);
                    }
                })
                .fail(function () {
                    $box.empty().append(
                        $("<p class='text-danger'></p>").text(
                            "The parameters of this service could not be loaded: save to see them."
                        )
                    );
                })
                .always(function () {
                    $box.removeAttr("aria-busy");
                });
        });
    }

    $(function () {
        $(".mssp-scope-parameters").each(function () {
            follow(this);
        });
    });
})(jQuery);
