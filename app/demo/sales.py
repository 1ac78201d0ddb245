"""Demo clients, the service catalog, contracts with renewal chains, scopes, proposals, teams."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.demo.catalog import (
    CONTACT_FIRST_NAMES,
    CONTACT_LAST_NAMES,
    CORE_SERVICE_NAMES,
    DEMO_COMPANIES,
    DEMO_SERVICES,
    DEMO_SOURCES,
    DEMO_STATUS_MIX,
    DemoCompany,
    DemoService,
)
from app.demo.context import (
    ONE_OFF_UNITS,
    DemoContext,
    add_months,
    money,
    month_start,
    one_off_total,
    recurring_monthly,
    slug,
)
from app.models.catalog import Service
from app.models.clients import Client, ClientStatus, CompanySize
from app.models.contracts import (
    Contract,
    ContractStatus,
    Proposal,
    ProposalStatus,
    ProposalType,
    SafStatus,
    ScopeUnit,
    ServiceScope,
)
from app.models.team import AssignmentRole, ClientTeamAssignment

#: Share of a service's quantity range a company of each size uses.
SIZE_FACTOR = {
    CompanySize.MICRO: 0.04,
    CompanySize.SMALL: 0.12,
    CompanySize.MEDIUM: 0.3,
    CompanySize.LARGE: 0.6,
    CompanySize.ENTERPRISE: 1.0,
}

STREETS = ("Main", "Harbor", "Oak", "Station", "Mill", "Park")

ACCOUNT_MANAGERS = ("am@mssp.example", "am2@mssp.example")
LEAD_ENGINEER = "engineer@mssp.example"
DELIVERY_MANAGER = "manager@mssp.example"


def add_services(ctx: DemoContext) -> None:
    """The catalog; services that already exist by name are reused, not duplicated."""
    existing = {s.name: s for s in ctx.session.scalars(select(Service))}
    for spec in DEMO_SERVICES:
        ctx.services[spec.name] = existing.get(spec.name) or ctx.add(
            "services",
            Service(
                name=spec.name,
                description=spec.description,
                category=spec.category,
                delivery_model=spec.delivery_model,
                base_price=spec.base_price,
                currency="USD",
                is_active=True,
                scope_definition_template=spec.template(),
            ),
        )


def add_clients(ctx: DemoContext) -> None:
    statuses = list(DEMO_STATUS_MIX)
    # The marker client (first company) is always active; the others get a shuffled status.
    rest = statuses[1:]
    ctx.rng.shuffle(rest)
    for company, status in zip(DEMO_COMPANIES, [statuses[0], *rest], strict=True):
        ctx.clients.append(ctx.add("clients", _client(ctx, company, status)))


def _client(ctx: DemoContext, company: DemoCompany, status: ClientStatus) -> Client:
    rng = ctx.rng
    first, last = rng.choice(CONTACT_FIRST_NAMES), rng.choice(CONTACT_LAST_NAMES)
    domain = slug(company.name.split(" ")[0]) + ".example"
    prospect = status is ClientStatus.PROSPECT
    return Client(
        company_name=company.name,
        contact_name=f"{first} {last}",
        contact_email=f"{slug(first)}.{slug(last)}@{domain}",
        contact_phone=f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        address=f"{rng.randint(10, 9800)} {rng.choice(STREETS)} Street, {company.city}",
        industry=company.industry,
        status=status,
        client_source=rng.choice(DEMO_SOURCES),
        notes="Demo client." if not prospect else "Demo prospect: evaluating MDR after a phishing incident.",
        lead_score=rng.randint(55, 95) if prospect else rng.randint(60, 100),
        estimated_deal_value=money(rng.randint(40, 900) * 1000),
        currency=company.currency,
        company_size=company.size,
        first_interaction_date=ctx.today - timedelta(days=rng.randint(60 if prospect else 400, 1400)),
        custom_client_specific_json_data={"demo": True, "headquarters": company.city},
    )


def add_contracts(ctx: DemoContext) -> None:
    """Each client's contracts: a renewal chain for customers, a draft for prospects."""
    for client in ctx.clients:
        picks = _service_picks(ctx)
        if client.status is ClientStatus.PROSPECT:
            start = month_start(ctx.today + timedelta(days=45))
            chain = [_contract(ctx, client, start, ContractStatus.DRAFT, None, picks, 0)]
        else:
            chain = _renewal_chain(ctx, client, picks)
        ctx.contracts[client.id] = chain


def _service_picks(ctx: DemoContext) -> list[DemoService]:
    core = [s for s in DEMO_SERVICES if s.name in CORE_SERVICE_NAMES]
    extras = [s for s in DEMO_SERVICES if s.name not in CORE_SERVICE_NAMES]
    return [ctx.rng.choice(core), *ctx.rng.sample(extras, k=ctx.rng.randint(1, 3))]


def _renewal_chain(ctx: DemoContext, client: Client, picks: list[DemoService]) -> list[Contract]:
    rng = ctx.rng
    length = rng.choice((1, 2, 2, 3, 3))
    this_month = month_start(ctx.today)
    if client.status is ClientStatus.ACTIVE:
        last_start, last_status = add_months(this_month, -rng.randint(1, 11)), ContractStatus.ACTIVE
    elif client.status is ClientStatus.INACTIVE:
        last_start, last_status = add_months(this_month, -rng.randint(13, 20)), ContractStatus.EXPIRED
    else:
        last_start, last_status = add_months(this_month, -rng.randint(14, 30)), ContractStatus.TERMINATED
    chain: list[Contract] = []
    for index in range(length):
        start = add_months(last_start, -12 * (length - 1 - index))
        status = last_status if index == length - 1 else ContractStatus.RENEWED
        chain.append(_contract(ctx, client, start, status, chain[-1] if chain else None, picks, index))
    current = chain[-1]
    # A renewal being negotiated (DRAFT) or signed early (SIGNED): it continues the chain the
    # day after the running contract ends, which counts until then (app.services.contract_counting).
    if current.status is ContractStatus.ACTIVE and (current.end_date - ctx.today).days <= 100:
        # (No draw from `rng` here: the rest of the data set stays as it was.)
        soon = (current.end_date - ctx.today).days <= 45
        renewal_status = ContractStatus.SIGNED if soon else ContractStatus.DRAFT
        chain.append(
            _contract(
                ctx,
                client,
                current.end_date + timedelta(days=1),
                renewal_status,
                current,
                picks,
                length,
            )
        )
    return chain


def _contract(
    ctx: DemoContext,
    client: Client,
    start: date,
    status: ContractStatus,
    previous: Contract | None,
    picks: list[DemoService],
    generation: int,
) -> Contract:
    end = add_months(start, 12) - timedelta(days=1)
    contract = ctx.add(
        "contracts",
        Contract(
            client=client,
            contract_name=f"{client.company_name} — Managed Security {start.year}",
            start_date=start,
            end_date=end,
            renewal_date=end - timedelta(days=60),
            currency=client.currency,
            status=status,
            previous_contract=previous,
            document_link=None
            if status is ContractStatus.DRAFT
            else f"https://docs.mssp.example/contracts/{slug(client.company_name)}-{start:%Y%m}.pdf",
        ),
    )
    for spec in picks:
        _scope(ctx, contract, client, spec, generation)
    months = 12
    contract.value = money(recurring_monthly(contract) * months + one_off_total(contract))
    if status is ContractStatus.ACTIVE:
        contract.custom_field_data = {"purchase_order": f"PO-{start.year}-{ctx.rng.randint(10000, 99999)}"}
    return contract


def _scope(ctx: DemoContext, contract: Contract, client: Client, spec: DemoService, generation: int) -> None:
    rng = ctx.rng
    low, high = spec.quantity
    if spec.unit is ScopeUnit.MONTH:
        quantity = 1
    else:
        # The same client grows a little with every renewal.
        base = max(low, int(high * SIZE_FACTOR[client.company_size] * rng.uniform(0.6, 1.0)))
        quantity = int(base * (1 + 0.08 * generation))
    price = money(spec.base_price * Decimal(str(round(rng.uniform(0.88, 1.08) * (1.03**generation), 4))))
    signed = contract.status is not ContractStatus.DRAFT
    ctx.add(
        "service_scopes",
        ServiceScope(
            contract=contract,
            service=ctx.services[spec.name],
            scope_details=_scope_details(ctx, spec),
            price=price,
            currency=contract.currency,
            quantity=Decimal(quantity),
            unit=spec.unit,
            saf_document_link=f"https://docs.mssp.example/saf/{slug(spec.name)}-{contract.start_date:%Y%m}.pdf"
            if signed
            else None,
            saf_service_start_date=contract.start_date + timedelta(days=rng.randint(0, 10))
            if signed
            else None,
            saf_service_end_date=contract.end_date if signed else None,
            saf_status=_saf_status(ctx, contract.status),
        ),
    )


def _saf_status(ctx: DemoContext, status: ContractStatus) -> SafStatus:
    if status is ContractStatus.DRAFT:
        return ctx.rng.choice((SafStatus.NOT_STARTED, SafStatus.SENT_TO_CLIENT))
    if status in (ContractStatus.ACTIVE, ContractStatus.SIGNED):
        return SafStatus.ACTIVE  # a signed renewal's services continue from its start date
    return SafStatus.DEACTIVATED


def _scope_details(ctx: DemoContext, spec: DemoService) -> dict[str, Any]:
    """Values for the service's template parameters, as a form would have stored them."""
    details: dict[str, Any] = {}
    for param in spec.parameters:
        kind = param["type"]
        if kind == "select":
            details[param["key"]] = param.get("default") or ctx.rng.choice(param["options"])
        elif kind == "multi_select":
            details[param["key"]] = ctx.rng.sample(
                param["options"], k=ctx.rng.randint(1, len(param["options"]))
            )
        elif kind == "integer":
            details[param["key"]] = param.get("default", param.get("min", 1))
        elif kind == "boolean":
            details[param["key"]] = bool(param.get("default", ctx.rng.random() < 0.5))
    return details


def add_team_assignments(ctx: DemoContext) -> None:
    """An account manager for every client; engineers and delivery managers for customers."""
    for index, client in enumerate(ctx.clients):
        manager = ctx.user(ACCOUNT_MANAGERS[index % len(ACCOUNT_MANAGERS)])
        roles: list[tuple[object, AssignmentRole]] = [(manager, AssignmentRole.ACCOUNT_MANAGER)]
        if client.status is not ClientStatus.PROSPECT:
            roles.append((ctx.user(LEAD_ENGINEER), AssignmentRole.LEAD_ENGINEER))
        if client.company_size in (CompanySize.LARGE, CompanySize.ENTERPRISE):
            roles.append((ctx.user(DELIVERY_MANAGER), AssignmentRole.SERVICE_DELIVERY_MANAGER))
        for user, role in roles:
            if user is not None:
                ctx.add(
                    "team_assignments", ClientTeamAssignment(user=user, client=client, assignment_role=role)
                )
        if manager is not None:
            ctx.account_managers[client.id] = manager


def add_proposals(ctx: DemoContext) -> None:
    """Proposals behind each original sale (accepted) and each open draft (in negotiation)."""
    for client in ctx.clients:
        for contract in ctx.contracts[client.id]:
            draft = contract.status is ContractStatus.DRAFT
            if contract.previous_contract is not None and not draft:
                continue  # renewals of signed contracts were agreed without new proposals
            for scope in contract.scopes:
                _proposals_for(ctx, client, contract, scope, draft)


def _proposals_for(
    ctx: DemoContext, client: Client, contract: Contract, scope: ServiceScope, draft: bool
) -> None:
    rng = ctx.rng
    yearly = scope.price * scope.quantity * (1 if scope.unit in ONE_OFF_UNITS else 12)
    technical_status = (
        rng.choice((ProposalStatus.SENT, ProposalStatus.IN_REVIEW)) if draft else ProposalStatus.ACCEPTED
    )
    versions = [(ProposalType.TECHNICAL, 1, technical_status, None)]
    if rng.random() < 0.5:
        # A first price the client pushed back on, then the one they took.
        versions.append((ProposalType.FINANCIAL, 1, ProposalStatus.REJECTED, money(yearly * Decimal("1.08"))))
        versions.append(
            (
                ProposalType.FINANCIAL,
                2,
                ProposalStatus.DRAFT if draft else ProposalStatus.ACCEPTED,
                money(yearly),
            )
        )
    else:
        versions.append(
            (
                ProposalType.FINANCIAL,
                1,
                ProposalStatus.SENT if draft else ProposalStatus.ACCEPTED,
                money(yearly),
            )
        )
    for kind, number, status, value in versions:
        ctx.add(
            "proposals",
            Proposal(
                service_scope=scope,
                proposal_type=kind,
                document_version=number,
                status=status,
                proposed_value=value,
                currency=contract.currency,
                document_link=f"https://docs.mssp.example/proposals/{slug(client.company_name)}-"
                f"{slug(scope.service.name)}-{kind.value}-v{number}.pdf",
                valid_until_date=(ctx.today + timedelta(days=30))
                if draft
                else contract.start_date - timedelta(days=rng.randint(5, 20)),
                assignee=ctx.account_managers.get(client.id),
            ),
        )
