"""Benchmark: renaming a custom field that N clients hold, with and without the audit trail.

    MSSP_EMBEDDED_DATABASE=mssp_bench .venv/bin/python bench/custom_fields.py [--rows 20000] [--runs 3]

The rename is one UPDATE of every holder's `custom_field_data` (app.services.custom_fields.definitions);
audited, the statement listener also reads the rows before (locked) and after and writes one
`audit_event` row per record. Each run renames the field and rolls back, alternating with and
without the audit listeners; the fastest run of each side is printed. The clients it
inserts are deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("MSSP_EMBEDDED_DATABASE", "mssp_bench")

from sqlalchemy import delete, insert  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.clients import Client  # noqa: E402
from app.models.custom_fields import CustomFieldDefinition, CustomFieldEntity, CustomFieldType  # noqa: E402
from app.services.audit.capture import install_audit_capture, remove_audit_capture  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="clients holding the field (default 20,000)")
    parser.add_argument("--runs", type=int, default=3, help="renames per side (default 3)")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        session = db.session
        tag = uuid.uuid4().hex[:8]
        name = f"bench_{tag}"
        rows = [
            {"company_name": f"bench cf {tag} {n}", "custom_field_data": {name: f"v{n}"}}
            for n in range(args.rows)
        ]
        # Core on the connection: the set-up itself is not audited.
        session.connection().execute(insert(Client.__table__), rows)
        definition = CustomFieldDefinition(
            entity_type=CustomFieldEntity.CLIENT, name=name, label="Bench", field_type=CustomFieldType.TEXT
        )
        session.add(definition)
        session.commit()
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"database {db.engine.url.database}; {os.cpu_count()} CPUs, load average {load}")

        timings: dict[bool, list[float]] = {True: [], False: []}
        for index in range(args.runs):
            for audited in (True, False) if index % 2 == 0 else (False, True):
                (install_audit_capture if audited else remove_audit_capture)()
                started = time.perf_counter()
                session.get(CustomFieldDefinition, definition.id).name = f"{name}_renamed"
                session.flush()
                timings[audited].append(time.perf_counter() - started)
                session.rollback()
        install_audit_capture()
        plain, audited = min(timings[False]), min(timings[True])
        print(
            f"rename over {args.rows:,} records: without audit {plain:.2f} s, with audit {audited:.2f} s "
            f"({args.rows / audited:,.0f} records/s audited)"
        )
        remove_audit_capture()  # the clean-up is not a change anyone made
        session.execute(delete(CustomFieldDefinition).where(CustomFieldDefinition.id == definition.id))
        session.execute(delete(Client).where(Client.company_name.like(f"bench cf {tag} %")))
        session.commit()
        install_audit_capture()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
