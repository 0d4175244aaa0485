# Sourced by .ci/run (and usable by hand: `. .ci/postgres.sh`): starts a throwaway
# PostgreSQL cluster from Debian's packages on 127.0.0.1 and exports INN_TEST_POSTGRES, the
# DSN the scorecard SQL tests read. Any failure is fatal under `set -e`: in CI the tests
# that need PostgreSQL must run, not skip. The cluster stops when the sourcing shell exits.
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends postgresql
fi
inn_pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
inn_pg_dir=$(mktemp -d /tmp/inn-postgres.XXXXXX)
inn_pg_port=${INN_PG_PORT:-55432}
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$inn_pg_dir"
  inn_pg_as() { su postgres -s /bin/sh -c "$*"; }
else
  inn_pg_as() { sh -c "$*"; }
fi
inn_pg_as "'$inn_pg_bin/initdb' -D '$inn_pg_dir/data' -A trust -U postgres" >/dev/null
inn_pg_as "'$inn_pg_bin/pg_ctl' -D '$inn_pg_dir/data' -l '$inn_pg_dir/log' -w -o \"-p $inn_pg_port -k '$inn_pg_dir' -c listen_addresses=127.0.0.1\" start" >/dev/null
# shellcheck disable=SC2064
trap "inn_pg_as \"'$inn_pg_bin/pg_ctl' -D '$inn_pg_dir/data' -m fast stop\" >/dev/null 2>&1; rm -rf '$inn_pg_dir'" EXIT
export INN_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$inn_pg_port/postgres"
echo "$("$inn_pg_bin/postgres" --version) at $INN_TEST_POSTGRES"
