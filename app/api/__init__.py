"""Every REST API is registered from here."""

from __future__ import annotations

from flask_appbuilder import AppBuilder


def register_apis(appbuilder: AppBuilder) -> None:
    """Register the model REST APIs; other APIs (integrations) add one line each below."""
    from app.api.alerts import register_alert_apis
    from app.api.api_tokens import register_api_token_api
    from app.api.audit import register_audit_api
    from app.api.integrations import register_integration_apis
    from app.api.search import register_search_api
    from app.web.rison_schema import install as install_rison_schema_cache

    install_rison_schema_cache()
    register_openapi_document(appbuilder)
    register_domain_apis(appbuilder)
    register_integration_apis(appbuilder)
    register_alert_apis(appbuilder)
    register_audit_api(appbuilder)
    register_api_token_api(appbuilder)
    register_search_api(appbuilder)


def register_openapi_document(appbuilder: AppBuilder) -> None:
    """`/api/v1/_openapi` (our fixed document; FAB's own is switched off by
    FAB_ADD_OPENAPI_VIEWS) and, when FAB_API_SWAGGER_UI is set, the Swagger UI."""
    from flask import current_app
    from flask_appbuilder.api.manager import SwaggerView

    from app.web.openapi_document import MsspOpenApi

    appbuilder.add_api(MsspOpenApi)
    if current_app.config.get("FAB_API_SWAGGER_UI"):
        appbuilder.add_view_no_menu(SwaggerView)


def register_domain_apis(appbuilder: AppBuilder) -> None:
    """`/api/v1/<resource>/` for every entity of issue 4."""
    from app.api.catalog import ServiceApi
    from app.api.clients import ClientApi
    from app.api.contracts import ContractApi, ProposalApi, ServiceScopeApi
    from app.api.custom_fields import CustomFieldApi
    from app.api.finance import FinancialTransactionApi
    from app.api.hardware import HardwareAssetApi, HardwareAssignmentApi
    from app.api.licensing import ClientLicenseApi, LicensePoolApi
    from app.api.metrics import ServiceMetricApi, SLAMetricApi, TicketSummaryApi
    from app.api.team import TeamAssignmentApi

    for api in (
        ClientApi,
        ContractApi,
        ServiceApi,
        ServiceScopeApi,
        ProposalApi,
        LicensePoolApi,
        ClientLicenseApi,
        HardwareAssetApi,
        HardwareAssignmentApi,
        FinancialTransactionApi,
        TeamAssignmentApi,
        SLAMetricApi,
        TicketSummaryApi,
        ServiceMetricApi,
        CustomFieldApi,
    ):
        appbuilder.add_api(api)
