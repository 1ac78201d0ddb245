"""The fixed tables the demo data is drawn from: companies, services, products, devices.

Plain data, no database: the builders in `app.demo` combine these with a seeded
random generator, so every run produces the same data set (relative to the day
it runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.models.catalog import DeliveryModel, ServiceCategory
from app.models.clients import ClientSource, ClientStatus, CompanySize
from app.models.contracts import ScopeUnit
from app.models.custom_fields import CustomFieldEntity, CustomFieldType
from app.models.hardware import AssetType
from app.models.licensing import LicenseType
from app.models.metrics import SlaUnit


@dataclass(frozen=True)
class DemoCompany:
    name: str
    industry: str
    city: str
    currency: str
    size: CompanySize


#: The first company marks the demo set: when it exists, the business data is not seeded again.
DEMO_COMPANIES: tuple[DemoCompany, ...] = (
    DemoCompany("Northwind Logistics", "Logistics", "Chicago, IL", "USD", CompanySize.LARGE),
    DemoCompany("Contoso Health Partners", "Healthcare", "Boston, MA", "USD", CompanySize.ENTERPRISE),
    DemoCompany("Fabrikam Manufacturing", "Manufacturing", "Detroit, MI", "USD", CompanySize.LARGE),
    DemoCompany(
        "Adatum Financial Services", "Financial services", "New York, NY", "USD", CompanySize.ENTERPRISE
    ),
    DemoCompany("Tailspin Aviation", "Aerospace", "Seattle, WA", "USD", CompanySize.MEDIUM),
    DemoCompany("Wide World Importers", "Retail", "Miami, FL", "USD", CompanySize.MEDIUM),
    DemoCompany("Litware Software", "Technology", "Austin, TX", "USD", CompanySize.SMALL),
    DemoCompany("Proseware Legal LLP", "Legal", "Washington, DC", "USD", CompanySize.SMALL),
    DemoCompany("Woodgrove Credit Union", "Financial services", "Denver, CO", "USD", CompanySize.MEDIUM),
    DemoCompany("Lucerne Publishing", "Media", "San Francisco, CA", "USD", CompanySize.SMALL),
    DemoCompany("Coho Winery", "Food & beverage", "Napa, CA", "USD", CompanySize.MICRO),
    DemoCompany("Blue Yonder Airlines", "Aerospace", "Atlanta, GA", "USD", CompanySize.ENTERPRISE),
    DemoCompany("Trey Research", "Pharmaceuticals", "Raleigh, NC", "USD", CompanySize.MEDIUM),
    DemoCompany("Graphic Design Institute", "Education", "Portland, OR", "USD", CompanySize.SMALL),
    DemoCompany("Humongous Insurance", "Insurance", "Hartford, CT", "USD", CompanySize.ENTERPRISE),
    DemoCompany("Margie's Travel", "Hospitality", "Orlando, FL", "USD", CompanySize.SMALL),
    DemoCompany("Southridge Video", "Media", "Los Angeles, CA", "USD", CompanySize.MEDIUM),
    DemoCompany("City Power & Light", "Energy & utilities", "Phoenix, AZ", "USD", CompanySize.LARGE),
    DemoCompany("School of Fine Art", "Education", "Providence, RI", "USD", CompanySize.MICRO),
    DemoCompany("Alpine Ski House", "Hospitality", "Salt Lake City, UT", "USD", CompanySize.SMALL),
    DemoCompany("Relecloud Hosting", "Technology", "Reston, VA", "USD", CompanySize.MEDIUM),
    DemoCompany("VanArsdel Retail Group", "Retail", "Minneapolis, MN", "USD", CompanySize.LARGE),
    DemoCompany("Nordlicht Energie GmbH", "Energy & utilities", "Hamburg, DE", "EUR", CompanySize.LARGE),
    DemoCompany("Rheinwerk Maschinenbau AG", "Manufacturing", "Cologne, DE", "EUR", CompanySize.LARGE),
    DemoCompany("Van Dijk Logistiek B.V.", "Logistics", "Rotterdam, NL", "EUR", CompanySize.MEDIUM),
    DemoCompany("Clinique Saint-Laurent", "Healthcare", "Lyon, FR", "EUR", CompanySize.MEDIUM),
    DemoCompany("Banca Adriatica S.p.A.", "Financial services", "Trieste, IT", "EUR", CompanySize.LARGE),
    DemoCompany("Iberia Agro Cooperativa", "Agriculture", "Valencia, ES", "EUR", CompanySize.SMALL),
    DemoCompany("Helsinki Smart Grid Oy", "Energy & utilities", "Helsinki, FI", "EUR", CompanySize.SMALL),
    DemoCompany("Wiener Versicherung AG", "Insurance", "Vienna, AT", "EUR", CompanySize.ENTERPRISE),
    DemoCompany("Baltic Freight Lines", "Logistics", "Riga, LV", "EUR", CompanySize.MEDIUM),
    DemoCompany("Dublin Fintech Labs", "Financial services", "Dublin, IE", "EUR", CompanySize.SMALL),
    DemoCompany("Greenfield County Schools", "Public sector", "Columbus, OH", "USD", CompanySize.LARGE),
    DemoCompany("Pinecrest Dental Group", "Healthcare", "Nashville, TN", "USD", CompanySize.SMALL),
    DemoCompany("Harborview Municipal Water", "Public sector", "Tacoma, WA", "USD", CompanySize.MEDIUM),
    DemoCompany("Quantum Biolabs", "Pharmaceuticals", "San Diego, CA", "USD", CompanySize.MEDIUM),
)

#: Client statuses in the proportions a running MSSP has; cycled over the shuffled companies.
DEMO_STATUS_MIX: tuple[ClientStatus, ...] = (
    (ClientStatus.ACTIVE,) * 26
    + (ClientStatus.PROSPECT,) * 4
    + (ClientStatus.INACTIVE,) * 3
    + (ClientStatus.ARCHIVED,) * 3
)

DEMO_SOURCES: tuple[ClientSource, ...] = tuple(ClientSource)

CONTACT_FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Lucas",
    "Mia",
    "Ethan",
    "Sofia",
    "Mateo",
    "Hannah",
    "Jonas",
    "Chloe",
    "Luca",
    "Aisha",
    "Daniel",
    "Ines",
    "Tomás",
    "Freya",
    "Ravi",
)
CONTACT_LAST_NAMES = (
    "Johnson",
    "Garcia",
    "Müller",
    "Rossi",
    "Nguyen",
    "Kowalski",
    "Dubois",
    "Smith",
    "Patel",
    "Jansen",
    "Fernández",
    "O'Brien",
    "Virtanen",
    "Schmidt",
    "Brown",
    "Kim",
    "Novak",
    "Silva",
)
CONTACT_TITLES = ("CISO", "IT Director", "Head of Infrastructure", "CTO", "Security Manager")


@dataclass(frozen=True)
class DemoService:
    name: str
    category: ServiceCategory
    delivery_model: DeliveryModel
    #: Price per unit per month, in USD (EUR contracts use the same figure).
    base_price: Decimal
    unit: ScopeUnit
    #: Typical quantity range for one client.
    quantity: tuple[int, int]
    description: str
    parameters: tuple[dict[str, Any], ...] = field(default=())

    def template(self) -> dict[str, Any]:
        """The `scope_definition_template` stored on the Service."""
        return {"version": 1, "unit": self.unit.value, "parameters": list(self.parameters)}


def _param(key: str, label: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": label, "type": kind, "required": extra.pop("required", True), **extra}


COVERAGE = _param("coverage_hours", "Coverage", "select", options=["8x5", "12x5", "24x7"], default="24x7")
RETENTION = _param("retention_days", "Log retention (days)", "integer", min=30, max=2555, default=365)

DEMO_SERVICES: tuple[DemoService, ...] = (
    DemoService(
        "Managed Detection & Response",
        ServiceCategory.MDR,
        DeliveryModel.FULLY_MANAGED,
        Decimal("14.00"),
        ScopeUnit.ENDPOINT,
        (80, 2500),
        "24x7 threat hunting, triage and active response on the client's endpoints.",
        (
            COVERAGE,
            _param(
                "response_mode",
                "Response mode",
                "select",
                options=["notify", "contain", "full_remediation"],
                default="contain",
            ),
        ),
    ),
    DemoService(
        "Managed EDR",
        ServiceCategory.EDR,
        DeliveryModel.CO_MANAGED,
        Decimal("7.50"),
        ScopeUnit.ENDPOINT,
        (50, 3000),
        "Deployment, policy tuning and health monitoring of the EDR agent.",
        (
            _param(
                "edr_platform",
                "EDR platform",
                "select",
                options=["CrowdStrike Falcon", "SentinelOne", "Microsoft Defender"],
            ),
            _param("servers_included", "Servers included", "boolean", default=True),
        ),
    ),
    DemoService(
        "SOC as a Service",
        ServiceCategory.SOC,
        DeliveryModel.FULLY_MANAGED,
        Decimal("4200.00"),
        ScopeUnit.MONTH,
        (1, 1),
        "Security operations centre monitoring with escalation to the client's on-call team.",
        (COVERAGE, _param("escalation_contacts", "Escalation contacts", "integer", min=1, max=10, default=3)),
    ),
    DemoService(
        "Managed SIEM",
        ServiceCategory.SIEM,
        DeliveryModel.FULLY_MANAGED,
        Decimal("95.00"),
        ScopeUnit.GB_PER_DAY,
        (5, 120),
        "Log collection, correlation rules and compliance reporting on our SIEM platform.",
        (
            RETENTION,
            _param(
                "log_sources",
                "Log sources",
                "multi_select",
                options=["firewall", "active_directory", "m365", "aws", "azure", "linux", "edr"],
            ),
        ),
    ),
    DemoService(
        "Network Detection & Response",
        ServiceCategory.NDR,
        DeliveryModel.FULLY_MANAGED,
        Decimal("650.00"),
        ScopeUnit.SITE,
        (1, 8),
        "Sensors on core network segments with east-west traffic analysis.",
        (_param("sensor_bandwidth_gbps", "Sensor bandwidth (Gbps)", "select", options=["1", "10", "40"]),),
    ),
    DemoService(
        "Vulnerability Management",
        ServiceCategory.VULNERABILITY_MANAGEMENT,
        DeliveryModel.CO_MANAGED,
        Decimal("2.10"),
        ScopeUnit.IP_ADDRESS,
        (200, 5000),
        "Continuous authenticated scanning and prioritised remediation reports.",
        (
            _param(
                "scan_frequency", "Scan frequency", "select", options=["weekly", "monthly"], default="weekly"
            ),
            _param("external_only", "External perimeter only", "boolean", default=False),
        ),
    ),
    DemoService(
        "Penetration Testing",
        ServiceCategory.PENETRATION_TESTING,
        DeliveryModel.PROFESSIONAL_SERVICES,
        Decimal("1450.00"),
        ScopeUnit.DAY,
        (5, 20),
        "Scoped external, internal or web application penetration tests with retest.",
        (
            _param(
                "test_type", "Test type", "select", options=["external", "internal", "web_app", "red_team"]
            ),
            _param("retest_included", "Retest included", "boolean", default=True),
        ),
    ),
    DemoService(
        "Managed Email Security",
        ServiceCategory.EMAIL_SECURITY,
        DeliveryModel.FULLY_MANAGED,
        Decimal("3.20"),
        ScopeUnit.MAILBOX,
        (50, 4000),
        "Inbound filtering, URL rewriting, DMARC monitoring and phishing triage.",
        (_param("dmarc_enforcement", "DMARC enforcement", "boolean", default=True),),
    ),
    DemoService(
        "Managed Firewall",
        ServiceCategory.FIREWALL_MANAGEMENT,
        DeliveryModel.FULLY_MANAGED,
        Decimal("380.00"),
        ScopeUnit.NETWORK_DEVICE,
        (1, 12),
        "Change management, rule reviews and firmware lifecycle for perimeter firewalls.",
        (
            _param("high_availability", "HA pair", "boolean", default=False),
            _param("change_requests_per_month", "Included change requests", "integer", min=0, default=10),
        ),
    ),
    DemoService(
        "Cloud Security Posture Management",
        ServiceCategory.CLOUD_SECURITY,
        DeliveryModel.CO_MANAGED,
        Decimal("310.00"),
        ScopeUnit.CLOUD_ACCOUNT,
        (1, 30),
        "Misconfiguration monitoring and benchmarks for AWS, Azure and GCP accounts.",
        (_param("clouds", "Clouds", "multi_select", options=["aws", "azure", "gcp"]),),
    ),
    DemoService(
        "Incident Response Retainer",
        ServiceCategory.INCIDENT_RESPONSE,
        DeliveryModel.PROFESSIONAL_SERVICES,
        Decimal("185.00"),
        ScopeUnit.HOUR,
        (20, 200),
        "Pre-paid incident response hours with a guaranteed on-site time.",
        (_param("onsite_sla_hours", "On-site within (hours)", "integer", min=4, max=72, default=24),),
    ),
    DemoService(
        "Security Awareness Training",
        ServiceCategory.SECURITY_AWARENESS,
        DeliveryModel.SELF_SERVICE,
        Decimal("1.60"),
        ScopeUnit.USER,
        (50, 5000),
        "Phishing simulations and micro-learning modules with monthly reporting.",
        (_param("phishing_campaigns_per_year", "Phishing campaigns per year", "integer", min=0, default=12),),
    ),
)

#: Services every paying client gets one of, then a few extras.
CORE_SERVICE_NAMES = ("Managed Detection & Response", "Managed EDR", "SOC as a Service")


@dataclass(frozen=True)
class DemoLicenseProduct:
    vendor: str
    product_name: str
    license_type: LicenseType
    total_seats: int
    #: Cost per seat per month.
    cost_per_seat: Decimal
    currency: str
    #: Seats for a client come from the quantity of its scope of this category.
    feeds_category: ServiceCategory


DEMO_LICENSE_PRODUCTS: tuple[DemoLicenseProduct, ...] = (
    DemoLicenseProduct(
        "CrowdStrike",
        "Falcon Insight XDR",
        LicenseType.SUBSCRIPTION,
        12000,
        Decimal("4.10"),
        "USD",
        ServiceCategory.MDR,
    ),
    DemoLicenseProduct(
        "SentinelOne",
        "Singularity Complete",
        LicenseType.SUBSCRIPTION,
        9000,
        Decimal("3.40"),
        "USD",
        ServiceCategory.EDR,
    ),
    DemoLicenseProduct(
        "Splunk",
        "Enterprise Security (GB/day)",
        LicenseType.TERM,
        800,
        Decimal("38.00"),
        "USD",
        ServiceCategory.SIEM,
    ),
    DemoLicenseProduct(
        "Proofpoint",
        "Email Protection",
        LicenseType.SUBSCRIPTION,
        30000,
        Decimal("1.05"),
        "USD",
        ServiceCategory.EMAIL_SECURITY,
    ),
    DemoLicenseProduct(
        "Tenable",
        "Tenable Vulnerability Management",
        LicenseType.SUBSCRIPTION,
        40000,
        Decimal("0.55"),
        "USD",
        ServiceCategory.VULNERABILITY_MANAGEMENT,
    ),
    DemoLicenseProduct(
        "KnowBe4",
        "Security Awareness Training Platinum",
        LicenseType.SUBSCRIPTION,
        25000,
        Decimal("0.45"),
        "EUR",
        ServiceCategory.SECURITY_AWARENESS,
    ),
    DemoLicenseProduct(
        "Wiz",
        "Wiz Cloud (workload units)",
        LicenseType.CONSUMPTION,
        300,
        Decimal("95.00"),
        "USD",
        ServiceCategory.CLOUD_SECURITY,
    ),
    DemoLicenseProduct(
        "Palo Alto Networks",
        "Cortex XDR Pro (NFR lab)",
        LicenseType.NFR,
        50,
        Decimal("0.00"),
        "USD",
        ServiceCategory.CONSULTING,
    ),
)


@dataclass(frozen=True)
class DemoDeviceModel:
    asset_type: AssetType
    manufacturer: str
    model: str
    tag_prefix: str
    #: Purchase price, USD.
    price: Decimal
    #: The service category whose scopes deploy this device at a client.
    deployed_for: ServiceCategory | None


DEMO_DEVICE_MODELS: tuple[DemoDeviceModel, ...] = (
    DemoDeviceModel(
        AssetType.FIREWALL,
        "Fortinet",
        "FortiGate 100F",
        "FW",
        Decimal("3200.00"),
        ServiceCategory.FIREWALL_MANAGEMENT,
    ),
    DemoDeviceModel(
        AssetType.FIREWALL,
        "Palo Alto Networks",
        "PA-440",
        "FW",
        Decimal("2900.00"),
        ServiceCategory.FIREWALL_MANAGEMENT,
    ),
    DemoDeviceModel(
        AssetType.NETWORK_SENSOR,
        "Corelight",
        "AP 1001 Sensor",
        "NS",
        Decimal("14500.00"),
        ServiceCategory.NDR,
    ),
    DemoDeviceModel(
        AssetType.LOG_COLLECTOR,
        "Dell",
        "PowerEdge R260 collector",
        "LC",
        Decimal("4100.00"),
        ServiceCategory.SIEM,
    ),
    DemoDeviceModel(AssetType.SWITCH, "Cisco", "Catalyst 9200L-24T", "SW", Decimal("2100.00"), None),
    DemoDeviceModel(
        AssetType.WIRELESS_ACCESS_POINT, "Ubiquiti", "U6 Enterprise", "AP", Decimal("380.00"), None
    ),
    DemoDeviceModel(
        AssetType.LAPTOP,
        "Lenovo",
        "ThinkPad T14 Gen 5 (IR kit)",
        "LT",
        Decimal("1650.00"),
        ServiceCategory.INCIDENT_RESPONSE,
    ),
)

#: How many of each device model the MSSP owns.
DEMO_DEVICES_PER_MODEL = 9


@dataclass(frozen=True)
class DemoSla:
    metric_name: str
    unit: SlaUnit
    target: Decimal
    higher_is_better: bool
    #: (low, high) bounds of believable monthly actuals.
    spread: tuple[float, float]


DEMO_SLAS: tuple[DemoSla, ...] = (
    DemoSla("P1 time to acknowledge", SlaUnit.MINUTES, Decimal("15"), False, (3.5, 16.0)),
    DemoSla("P1 time to resolve", SlaUnit.HOURS, Decimal("4"), False, (1.0, 4.3)),
    DemoSla("Monitoring availability", SlaUnit.PERCENT, Decimal("99.9"), True, (99.89, 100.0)),
)

#: Per service category: (metric name, unit, typical value, relative hourly noise, daily swing).
DEMO_PERFORMANCE_METRICS: dict[ServiceCategory, tuple[tuple[str, str, float, float, float], ...]] = {
    ServiceCategory.MDR: (
        ("endpoints_online_pct", "%", 97.5, 0.01, 0.015),
        ("alerts_triaged", "count", 14.0, 0.45, 0.6),
    ),
    ServiceCategory.EDR: (
        ("endpoints_online_pct", "%", 96.0, 0.012, 0.02),
        ("detections", "count", 6.0, 0.6, 0.5),
    ),
    ServiceCategory.SIEM: (
        ("events_per_second", "eps", 2400.0, 0.12, 0.45),
        ("ingest_lag_seconds", "s", 35.0, 0.35, 0.2),
    ),
    ServiceCategory.NDR: (
        ("throughput_mbps", "Mbps", 850.0, 0.15, 0.55),
        ("ndr_alerts", "count", 3.0, 0.7, 0.4),
    ),
}

#: (priority name, share of tickets, minutes to first response due, minutes to resolution due).
DEMO_TICKET_PRIORITIES = (
    ("critical", 0.07, 15, 4 * 60),
    ("high", 0.23, 30, 8 * 60),
    ("medium", 0.45, 4 * 60, 3 * 24 * 60),
    ("low", 0.25, 8 * 60, 5 * 24 * 60),
)

DEMO_TICKET_SUMMARIES = (
    "Suspicious PowerShell execution on {host}",
    "Impossible travel sign-in for {user}",
    "Malware quarantined on {host}",
    "Firewall rule change request for {host}",
    "Phishing report from {user}",
    "EDR agent offline on {host}",
    "Brute-force attempts against VPN gateway",
    "Request: add log source {host} to SIEM",
    "MFA fatigue push attempts for {user}",
    "Vulnerability exception request for {host}",
    "Outbound traffic to known C2 domain from {host}",
    "Scheduled report not delivered",
)


@dataclass(frozen=True)
class DemoCustomField:
    entity_type: CustomFieldEntity
    name: str
    label: str
    field_type: CustomFieldType
    select_options: tuple[str, ...] | None = None
    validation_regex: str | None = None
    help_text: str | None = None
    show_in_list: bool = False
    is_filterable: bool = False
    group_name: str | None = None


DEMO_CUSTOM_FIELDS: tuple[DemoCustomField, ...] = (
    DemoCustomField(
        CustomFieldEntity.CLIENT,
        "support_tier",
        "Support tier",
        CustomFieldType.SELECT,
        select_options=("bronze", "silver", "gold", "platinum"),
        show_in_list=True,
        is_filterable=True,
        group_name="Service",
    ),
    DemoCustomField(
        CustomFieldEntity.CLIENT,
        "soc_escalation_phone",
        "SOC escalation phone",
        CustomFieldType.TEXT,
        validation_regex=r"^\+?[0-9 ()-]{7,20}$",
        help_text="Called by the SOC for P1 incidents, 24x7.",
        group_name="Service",
    ),
    DemoCustomField(
        CustomFieldEntity.HARDWARE_ASSET,
        "rack_location",
        "Rack location",
        CustomFieldType.TEXT,
        help_text="Site / room / rack / unit, e.g. CHI-DC1/R12/U30.",
    ),
    DemoCustomField(CustomFieldEntity.CONTRACT, "purchase_order", "Client PO number", CustomFieldType.TEXT),
    DemoCustomField(
        CustomFieldEntity.USER,
        "on_call_rotation",
        "On-call rotation",
        CustomFieldType.SELECT,
        select_options=("primary", "secondary", "none"),
    ),
)
