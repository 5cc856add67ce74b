#!/usr/bin/env bash
# check-deploy.sh [--intake BIN] [--pusher BIN] — offline checks of docker/, k8s/ and deploy/
# (ctest test `deploy_check`, label `deploy`; tests/CMakeLists.txt passes the binaries):
#   1. docker-compose config -q on docker/docker-compose.yml (and with the providers override)
#   2. yamllint (.yamllint) over docker/ k8s/ deploy/
#   3. promtool check rules on the rule groups of k8s/alerts.yaml
#   4. kubectl kustomize on k8s/ and each overlay — only if kubectl is installed (not a Debian
#      package): reported as SKIP otherwise
#   5. scripts/check_deploy.py: invariants against the services themselves (config keys from
#      `--print-example-config`, metric names from services/*/src)
# Every tool but kubectl is required (scripts/install-deps.sh installs them): a missing one fails.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
INTAKE=build/services/intake/ntf-intake
PUSHER=build/services/pusher/ntf-pusher
while (($#)); do
  case $1 in
    --intake) INTAKE=$2; shift 2 ;;
    --pusher) PUSHER=$2; shift 2 ;;
    *) echo "usage: $0 [--intake BIN] [--pusher BIN]" >&2; exit 2 ;;
  esac
done

failed=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failed=1; }
need() { command -v "$1" >/dev/null || { fail "$1 not installed (scripts/install-deps.sh)"; return 1; }; }
# /usr/bin/python3 is the one python3-yaml installs into (a pyenv python3 may come first).
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

if need docker-compose; then
  # Variables that docker-compose.providers.yml requires (:?), with dummy values.
  if out=$(docker-compose -f docker/docker-compose.yml config -q 2>&1) &&
     out+=$(NTF_APNS_KEY_ID=KEYID12345 NTF_APNS_TEAM_ID=TEAMID1234 docker-compose \
       -f docker/docker-compose.yml -f docker/docker-compose.providers.yml config -q 2>&1); then
    pass "docker-compose config"
  else
    fail "docker-compose config: $out"
  fi
fi

if need yamllint; then
  if out=$(yamllint -c .yamllint -f parsable docker k8s deploy 2>&1); then
    pass "yamllint"
  else
    fail "yamllint:"; echo "$out"
  fi
fi

if need promtool && "$PYTHON" -c 'import yaml' 2>/dev/null; then
  "$PYTHON" -c 'import sys, yaml; yaml.safe_dump(yaml.safe_load(open(sys.argv[1]))["spec"],
                open(sys.argv[2], "w"))' k8s/alerts.yaml "$tmp/rules.yaml"
  if out=$(promtool check rules "$tmp/rules.yaml" 2>&1); then
    pass "promtool check rules ($(grep -o '[0-9]* rules found' <<<"$out"))"
  else
    fail "promtool check rules:"; echo "$out"
  fi
fi

if command -v kubectl >/dev/null; then
  for dir in k8s deploy/local deploy/production; do
    if out=$(kubectl kustomize "$dir" 2>&1 >"$tmp/kustomize.out"); then
      pass "kubectl kustomize $dir"
    else
      fail "kubectl kustomize $dir: $out"
    fi
  done
else
  echo "SKIP kubectl kustomize (kubectl is not installed; not a Debian 12 package)"
fi

if ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
  fail "$PYTHON cannot import yaml (python3-yaml; scripts/install-deps.sh)"
elif [[ ! -x $INTAKE || ! -x $PUSHER ]]; then
  fail "service binaries not found: $INTAKE $PUSHER (build first, or pass --intake/--pusher)"
elif "$PYTHON" scripts/check_deploy.py --intake "$INTAKE" --pusher "$PUSHER"; then
  pass "invariants (scripts/check_deploy.py)"
else
  fail "invariants (scripts/check_deploy.py, above)"
fi

if ((failed)); then echo "check-deploy: FAILED"; exit 1; fi
echo "check-deploy: all checks passed"
