#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL whenever one is reachable:
# DATABASE_URL if it names PostgreSQL, else a server answering on 127.0.0.1:5432.
# CANDOR_REQUIRE_POSTGRES=1 (CI) turns "not reachable" into a failure.
set -uo pipefail
BIN=.venv/bin
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
export CANDOR_DATA_DIR="$data"

run() {  # pytest, treating "no tests ran" (exit 5) as a failure too
  # Two processes (pytest-xdist; CANDOR_TEST_PROCESSES), then, alone, the tests that restart a
  # service every test shares (PostgreSQL itself): none of them may run beside another test.
  "$BIN/pytest" -n "${CANDOR_TEST_PROCESSES:-2}" -m "not serial" "$@"
  local rc=$?
  [ $rc -eq 5 ] && echo "pytest ran no test" >&2
  [ $rc -ne 0 ] && return $rc
  "$BIN/pytest" -p no:xdist -m serial "$@"
  rc=$?
  [ $rc -eq 5 ] && return 0  # on SQLite every serial test is PostgreSQL-only, so deselected
  return $rc
}

case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) pg_url=$DATABASE_URL ;;
  *) pg_url=postgres://postgres@127.0.0.1:5432/candor ;;
esac

echo "== Test suite on SQLite"
DATABASE_URL="sqlite:///$data/candor.sqlite3" run "$@" || exit 1

if "$BIN/python" - "$pg_url" <<'PY'
import sys, psycopg
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1])
try:
    psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username or "postgres",
                    password=u.password, dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {u.hostname}:{u.port or 5432}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== Test suite on PostgreSQL ($pg_url)"
  DATABASE_URL="$pg_url" run "$@" || exit 1
elif [ "${CANDOR_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "PostgreSQL is required (CANDOR_REQUIRE_POSTGRES=1) but not reachable." >&2
  exit 1
else
  echo "== PostgreSQL not reachable: ran on SQLite only."
fi
