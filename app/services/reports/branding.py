"""The MSSP's branding on client reports (one row an Admin edits: Reports > Branding).

Name, colours, footer and logo are checked here, whatever screen or command sets them: a
colour is `#RRGGBB`; a logo is a PNG, JPEG or SVG image of at most `MAX_LOGO_BYTES`, read
from its first bytes (never from the file name or the browser's word); an SVG must not carry
scripts (it is embedded in the report as a data URI and printed by Chromium).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.reports import ReportBranding
from app.services.reports.document import Branding

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_NAME = 200
MAX_FOOTER = 2000
MAX_LOGO_BYTES = 512 * 1024
_SVG_DANGER = re.compile(rb"<script|\son\w+\s*=|javascript:|<foreignObject", re.I)


@dataclass(frozen=True)
class BrandingChange:
    company_name: str
    primary_colour: str
    accent_colour: str
    footer: str = ""
    #: New logo bytes, or None to keep the current one.
    logo: bytes | None = None
    remove_logo: bool = False


def current_branding(session: Session) -> ReportBranding | None:
    return session.get(ReportBranding, 1)


def logo_type(data: bytes) -> str:
    """The image type of `data` from its first bytes; ValidationFailed naming `logo` otherwise."""
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationFailed(
            f"The logo is {len(data) / 1024:,.0f} KB; at most {MAX_LOGO_BYTES // 1024} KB.", "logo"
        )
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:1024].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        if _SVG_DANGER.search(data):
            raise ValidationFailed("The SVG logo contains scripts or event handlers; remove them.", "logo")
        return "image/svg+xml"
    raise ValidationFailed("The logo must be a PNG, JPEG or SVG image.", "logo")


def save_branding(session: Session, change: BrandingChange) -> ReportBranding:
    """Store the branding every report carries from now on (stored reports keep theirs)."""
    name = (change.company_name or "").strip()
    if not name:
        raise ValidationFailed("The MSSP's name is required.", "company_name")
    if len(name) > MAX_NAME:
        raise ValidationFailed(f"At most {MAX_NAME} characters.", "company_name")
    colours = {}
    for field in ("primary_colour", "accent_colour"):
        value = (getattr(change, field) or "").strip()
        if not COLOUR.match(value):
            raise ValidationFailed("A colour as #RRGGBB, e.g. #1F3A5F.", field)
        colours[field] = value.upper()
    footer = (change.footer or "").strip()
    if len(footer) > MAX_FOOTER:
        raise ValidationFailed(f"At most {MAX_FOOTER} characters.", "footer")
    content_type = logo_type(change.logo) if change.logo else None
    row = current_branding(session) or ReportBranding(id=1)
    row.company_name = name
    row.primary_colour, row.accent_colour = colours["primary_colour"], colours["accent_colour"]
    row.footer = footer or None
    if change.logo:
        row.logo, row.logo_content_type = change.logo, content_type
    elif change.remove_logo:
        row.logo, row.logo_content_type = None, None
    session.add(row)
    session.commit()
    return row


def branding_preview(session: Session) -> Branding:
    """What the reports show now (the defaults until an Admin saves the screen)."""
    return Branding.from_row(current_branding(session))
