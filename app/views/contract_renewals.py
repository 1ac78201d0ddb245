"""Contract screens' renewals and "ending soon" (mixed into ContractView).

- "Renew": a show-page button, shown only on a contract that can be renewed, leads to a form
  holding the proposed terms of the successor (next term, same value and currency:
  `proposed_renewal`), each editable but the start date (the day after the old end); saving
  runs `renew_contract`, which leaves the renewed contract running until its end date. A
  contract renewed already (or not renewable) is refused with the service's message before
  the form is shown, and again on save (two people racing).
- The show page lists the contract's renewal chain, oldest first, each contract linked.
- `?ending_within=N` narrows the list and its CSV export to ACTIVE contracts ending in the
  next N days; the list offers 30 / 60 / 90 day shortcuts.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import has_access
from markupsafe import Markup
from wtforms import DecimalField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from app.errors import ValidationFailed
from app.models.contracts import Contract, ContractStatus
from app.services.contracts import (
    ENDING_WITHIN_SHORTCUTS,
    RENEWAL_STATUSES,
    can_renew,
    check_renewable,
    ending_within_clause,
    proposed_renewal,
    renew_contract,
    renewal_chain,
)
from app.web.dates import IsoDateField
from app.web.db_errors import REFUSALS, refusal_for
from app.web.display import enum_label
from app.web.filters import FilterCondition
from app.web.filters.contracts import ENDING_WITHIN_ARG, parse_ending_within


class RenewalForm(DynamicForm):
    """The successor's terms; what the form starts with comes from `proposed_renewal`."""

    contract_name = StringField(
        "Contract name", [InputRequired(), Length(max=200)], widget=BS3TextFieldWidget()
    )
    end_date = IsoDateField("End date", [InputRequired()])
    value = DecimalField(
        "Value", [InputRequired(), NumberRange(min=0)], places=2, widget=BS3TextFieldWidget()
    )
    currency = StringField(
        "Currency",
        [InputRequired(), Length(min=3, max=3, message="A three-letter currency code, e.g. EUR.")],
        filters=[lambda text: text.strip().upper() if isinstance(text, str) else text],
        widget=BS3TextFieldWidget(),
    )
    status = SelectField(
        "Status",
        choices=[(s.value, enum_label(s)) for s in RENEWAL_STATUSES],
        default=ContractStatus.DRAFT.value,
        coerce=ContractStatus,
        description="Signed: the client has signed; it becomes active on its start date, when the "
        "contract it renews ends. Draft: still being negotiated.",
    )


RENEWAL_COLUMNS = ["contract_name", "end_date", "value", "currency", "status"]


def ending_within_days() -> int | None:
    """The list's `ending_within` argument; an invalid one is ignored with a message."""
    try:
        return parse_ending_within(request.args.get(ENDING_WITHIN_ARG))
    except ValueError as problem:
        flash(f"{problem} All contracts are shown.", "warning")
        return None


class ContractRenewalsMixin:
    """Renew action and form, renewal chain, "ending within" shortcuts; needs MsspModelView."""

    list_template = "mssp/contracts/list.html"
    extra_method_permissions = {"renew_action": "create", "renew_form": "create"}

    # ---- renew ---------------------------------------------------------------------------

    @action("renew", "Renew", None, "fa-rotate-right")
    def renew_action(self, items: Any):
        contracts = items if isinstance(items, list) else [items]
        if len(contracts) != 1:
            flash("Choose one contract to renew: each renewal gets its own terms.", "warning")
            return redirect(self.get_redirect())
        return redirect(url_for(f"{self.endpoint}.renew_form", pk=str(contracts[0].id)))

    @expose("/renew/<pk>", methods=["GET", "POST"])
    @has_access
    def renew_form(self, pk):
        contract = self.datamodel.get(pk, self._base_filters)
        if contract is None:
            abort(404)
        session = self.datamodel.session
        show_url = url_for(f"{self.endpoint}.show", pk=str(contract.id))
        try:
            check_renewable(contract, session)
        except ValidationFailed as refusal:
            flash(refusal.message, "danger")
            return redirect(show_url)
        if request.method == "POST":
            form = RenewalForm()
            if form.validate():
                try:
                    successor = renew_contract(
                        contract, **{name: form[name].data for name in RENEWAL_COLUMNS}, session=session
                    )
                except REFUSALS as error:
                    session.rollback()
                    self.report_refusal(form, refusal_for(error, session))
                else:
                    flash(
                        f"Contract {contract.contract_name!r} renewed by {successor.contract_name!r} "
                        f"({successor.start_date} to {successor.end_date}, "
                        f"{enum_label(successor.status)}); {contract.contract_name!r} is "
                        f"{enum_label(contract.status)}"
                        + (
                            f" until {contract.end_date}."
                            if contract.status is ContractStatus.ACTIVE
                            else "."
                        ),
                        "success",
                    )
                    return redirect(url_for(f"{self.endpoint}.show", pk=str(successor.id)))
        else:
            form = RenewalForm(obj=proposed_renewal(contract))
            form.status.data = ContractStatus.DRAFT
        widget = self.add_widget(form=form, include_cols=RENEWAL_COLUMNS, exclude_cols=[], fieldsets=None)
        return self.render_template(
            "mssp/contracts/renew.html",
            title=f"Renew contract {contract.contract_name}",
            widgets={"add": widget},
            contract=contract,
            show_url=show_url,
            start_date=proposed_renewal(contract).start_date,
        )

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        """Renew is offered only on a contract it can renew, Terminate only on an active one."""
        offered = {
            name: item_action
            for name, item_action in (actions or self.actions).items()
            if (name != "renew" or can_renew(item, self.datamodel.session))
            and (name != "terminate" or item.status is ContractStatus.ACTIVE)
        }
        return super()._get_show_widget(
            pk, item, widgets=widgets, actions=offered, show_fieldsets=show_fieldsets
        )

    def _get_list_widget(self, filters, actions=None, **kwargs):
        """Renew is not a mass action: each renewal gets its own terms (the show page offers it)."""
        actions = {name: a for name, a in (actions or self.actions).items() if name != "renew"}
        return super()._get_list_widget(filters, actions=actions, **kwargs)

    # ---- show: the renewal chain --------------------------------------------------------

    def renewal_chain_value(self, contract: Contract) -> Markup | str:
        chain = renewal_chain(contract, self.datamodel.session)
        if len(chain) == 1:
            return "Not renewed yet, and renews no contract."
        items = []
        for member in chain:
            terms = f"{member.start_date} to {member.end_date}, {enum_label(member.status)}"
            if member.id == contract.id:
                items.append(Markup("<li><strong>{}</strong> ({}) — this contract</li>").format(
                    member.contract_name, terms
                ))
            else:
                items.append(Markup("<li>{} ({})</li>").format(self.relation_link(member), terms))
        return Markup('<ol class="mssp-renewal-chain">{}</ol>').format(Markup("").join(items))

    # ---- list: ending within N days ------------------------------------------------------

    def with_custom_field_filters(self, filters: Any) -> Any:
        """The list's (and CSV export's) filters, narrowed by `?ending_within=N` as well."""
        filters = super().with_custom_field_filters(filters)
        if request.endpoint not in (f"{self.endpoint}.list", f"{self.endpoint}.export_csv"):
            return filters
        days = ending_within_days()
        if days is not None:
            filters.add_filter("end_date", FilterCondition, ending_within_clause(days))
        return filters

    def ending_within_links(self) -> list[dict[str, Any]]:
        current = (request.args.get(ENDING_WITHIN_ARG) or "").strip()
        links = [
            {
                "label": f"{days} days",
                "url": url_for(f"{self.endpoint}.list", **{ENDING_WITHIN_ARG: days}),
                "active": current == str(days),
            }
            for days in ENDING_WITHIN_SHORTCUTS
        ]
        links.append({"label": "All", "url": url_for(f"{self.endpoint}.list"), "active": not current})
        return links

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == self.list_template:
            kwargs.setdefault("ending_within_links", self.ending_within_links())
        return super().render_template(template, **kwargs)
