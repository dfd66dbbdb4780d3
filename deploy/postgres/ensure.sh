#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for local tests.
# Uses the machine's server when there is one; otherwise installs Debian's and starts it.
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if command -v pg_isready >/dev/null && ready; then
  exit 0
fi

if ! command -v pg_ctlcluster >/dev/null; then
  echo "ensure.sh: installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

version="$(ls /etc/postgresql | sort -V | tail -1)"
if [ -z "$version" ]; then
  echo "ensure.sh: no PostgreSQL cluster found under /etc/postgresql" >&2
  exit 1
fi
hba="/etc/postgresql/$version/main/pg_hba.conf"
# Tests connect as postgres over TCP without a password (never do this outside a test machine).
if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
  sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$version" main reload
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "ensure.sh: PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
