// The service scope form: when another service is chosen, its scope parameters replace the
// inputs of the previous one (the server renders them: /servicescopeview/scope_parameters/).
(function ($) {
    "use strict";

    function follow(box) {
        var $box = $(box);
        var $service = $("#" + $box.data("service-field"));
        var endpoint = $box.data("endpoint");
        if (!$service.length || !endpoint) {
            return;
        }
        var shownFor = $box.find("input[type=hidden][name='" + $box.attr("id") + "']").val() || "";
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
