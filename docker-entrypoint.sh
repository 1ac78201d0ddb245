#!/bin/sh
# Migrate and apply roles before serving; both are idempotent.
set -e
flask db upgrade
flask mssp init
exec "$@"
