#!/usr/bin/env python3
"""Checks that the deployment files configure the chatbot only with settings that exist, and
that the Kubernetes manifests refer only to objects that exist. Run by scripts/check-deploy.sh
(part of `make test`) with the venv's Python, which has PyYAML.

Every environment variable set for the chatbot app must be an environment name of a setting in
crates/config/src/settings.rs (read with the regex of scripts/config-reference.py), or RUST_LOG:
- the ENV instructions of the Dockerfile's final stage;
- the `environment` (and `env_file`) of docker-compose.yml's `app` and `migrate` services, and of
  any other service that runs the chatbot-socket image;
- in deploy/kubernetes, the `env` of every container that runs the chatbot-socket image and
  every key of the ConfigMaps and Secrets those containers take with `envFrom`.
Those containers' `envFrom` and `valueFrom` must name ConfigMaps and Secrets (and keys) defined
in deploy/kubernetes, and kustomization.yaml must list exactly the manifests of the directory.

Prints each problem with its file and exits 1 if there is any."""
import re
import shlex
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_RS = ROOT / "crates/config/src/settings.rs"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
K8S_DIR = ROOT / "deploy/kubernetes"
# Read by the logging setup, not a setting of its own (README, "Configuration").
EXTRA_ENV = {"RUST_LOG"}
# The image this repository builds; a container running it is a chatbot container.
IMAGE_REPO = "chatbot-socket"
COMPOSE_APP_SERVICES = {"app", "migrate"}

problems = []


def problem(path, message):
    problems.append(f"{path.relative_to(ROOT)}: {message}")


def known_env_names():
    """The environment names of every setting, exactly as scripts/config-reference.py reads
    them."""
    src = SETTINGS_RS.read_text()
    rows = re.findall(r'^\s*"([\w.]+)", \[([^\]]*)\], (None|Some\("([^"]*)"\)), "((?:[^"\\]|\\.)*)";', src, re.M)
    names = {e.strip().strip('"') for _, envs, _, _, _ in rows for e in envs.split(",") if e.strip()}
    if len(names) < 10:
        sys.exit(f"error: {SETTINGS_RS.relative_to(ROOT)}: found only {len(names)} environment names; "
                 "has the settings! table changed shape? (update the regex here and in scripts/config-reference.py)")
    return names | EXTRA_ENV


def check_name(known, path, where, name):
    if name not in known:
        problem(path, f"{where}: `{name}` is not a setting (crates/config/src/settings.rs) nor RUST_LOG")


def is_our_image(image):
    """`chatbot-socket:local`, `registry.example.com/team/chatbot-socket:0.1.0@sha256:…`."""
    if not isinstance(image, str):
        return False
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return name.split(":", 1)[0] == IMAGE_REPO


# --- Dockerfile ----------------------------------------------------------------------------------

def dockerfile_instructions(text):
    """(line number, instruction, arguments), with continuation lines joined and comments
    dropped as Docker does."""
    out, buf, start = [], "", None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if start is None:
            start = number
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        word, _, rest = buf.partition(" ")
        out.append((start, word.upper(), rest.strip()))
        buf, start = "", None
    if buf:
        word, _, rest = buf.partition(" ")
        out.append((start, word.upper(), rest.strip()))
    return out


def env_instruction_names(args):
    if "=" not in args.split(" ", 1)[0]:
        return [args.split(" ", 1)[0]]  # legacy form: ENV NAME value
    return [item.split("=", 1)[0] for item in shlex.split(args)]


def check_dockerfile(known):
    if not DOCKERFILE.exists():
        problem(DOCKERFILE, "missing")
        return
    instructions = dockerfile_instructions(DOCKERFILE.read_text())
    froms = [i for i, (_, word, _) in enumerate(instructions) if word == "FROM"]
    if not froms:
        problem(DOCKERFILE, "no FROM instruction")
        return
    for line, word, args in instructions[froms[-1]:]:
        if word == "ENV":
            for name in env_instruction_names(args):
                check_name(known, DOCKERFILE, f"line {line}: ENV of the final stage", name)


# --- docker-compose.yml --------------------------------------------------------------------------

def compose_env_names(environment):
    if isinstance(environment, dict):
        return list(environment)
    if isinstance(environment, list):
        return [str(item).split("=", 1)[0] for item in environment]
    return []


def env_file_names(path):
    names = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(line.removeprefix("export ").split("=", 1)[0].strip())
    return names


def check_compose(known):
    if not COMPOSE.exists():
        problem(COMPOSE, "missing")
        return
    doc = yaml.safe_load(COMPOSE.read_text()) or {}
    services = doc.get("services") or {}
    if "app" not in services:
        problem(COMPOSE, "no `app` service")
    for name, service in services.items():
        service = service or {}
        if name not in COMPOSE_APP_SERVICES and not is_our_image(service.get("image")):
            continue
        for env in compose_env_names(service.get("environment")):
            check_name(known, COMPOSE, f"service {name}, environment", env)
        env_files = service.get("env_file") or []
        for entry in env_files if isinstance(env_files, list) else [env_files]:
            file = entry.get("path") if isinstance(entry, dict) else entry
            path = (COMPOSE.parent / file).resolve()
            if path.exists():
                for env in env_file_names(path):
                    check_name(known, COMPOSE, f"service {name}, env_file {file}", env)
    # Files the services mount must exist (a renamed deploy/ file would otherwise show up only
    # when someone runs the monitoring profile).
    for name, service in services.items():
        for volume in (service or {}).get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else (volume or {}).get("source", "")
            if source.startswith((".", "/")) and not (COMPOSE.parent / source).exists():
                problem(COMPOSE, f"service {name} mounts {source}, which does not exist")


# --- Kubernetes ----------------------------------------------------------------------------------

def load_manifests():
    """[(path, document)] of every manifest in deploy/kubernetes except kustomization.yaml."""
    out = []
    for path in sorted(K8S_DIR.glob("*.y*ml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                out.append((path, doc))
    return out


def pod_spec(doc):
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return (spec.get("template") or {}).get("spec") or {}
    if kind == "CronJob":
        return ((((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")) or {}
    if kind == "Pod":
        return spec
    return None


def check_kubernetes(known):
    if not K8S_DIR.is_dir():
        problem(K8S_DIR, "missing")
        return
    manifests = load_manifests()
    config_maps = {}
    secrets = {}
    for path, doc in manifests:
        name = (doc.get("metadata") or {}).get("name")
        if doc.get("kind") == "ConfigMap":
            config_maps[name] = (path, set(doc.get("data") or {}) | set(doc.get("binaryData") or {}))
        elif doc.get("kind") == "Secret":
            secrets[name] = (path, set(doc.get("data") or {}) | set(doc.get("stringData") or {}))

    def lookup(path, where, kind, table, ref, key=None):
        name = (ref or {}).get("name")
        if (ref or {}).get("optional"):
            return None
        if name not in table:
            problem(path, f"{where}: {kind} `{name}` is not defined in {K8S_DIR.relative_to(ROOT)}")
            return None
        if key is not None and key not in table[name][1]:
            problem(path, f"{where}: {kind} `{name}` has no key `{key}` ({table[name][0].relative_to(ROOT)})")
        return table[name]

    env_sources = {}  # (kind, name) -> (path, keys): what chatbot containers take whole
    chatbot_containers = 0
    for path, doc in manifests:
        spec = pod_spec(doc)
        if spec is None:
            continue
        owner = f"{doc.get('kind')} {(doc.get('metadata') or {}).get('name')}"
        for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
            if not is_our_image(container.get("image")):
                continue
            chatbot_containers += 1
            where = f"{owner}, container {container.get('name')}"
            for env in container.get("env") or []:
                check_name(known, path, f"{where}, env", env.get("name"))
                source = env.get("valueFrom") or {}
                if "configMapKeyRef" in source:
                    ref = source["configMapKeyRef"]
                    lookup(path, f"{where}, env {env.get('name')}", "ConfigMap", config_maps, ref, ref.get("key"))
                if "secretKeyRef" in source:
                    ref = source["secretKeyRef"]
                    lookup(path, f"{where}, env {env.get('name')}", "Secret", secrets, ref, ref.get("key"))
            for source in container.get("envFrom") or []:
                if source.get("prefix"):
                    problem(path, f"{where}: envFrom with a prefix renames every key; set the names in full")
                if "configMapRef" in source:
                    found = lookup(path, f"{where}, envFrom", "ConfigMap", config_maps, source["configMapRef"])
                    if found:
                        env_sources[("ConfigMap", source["configMapRef"]["name"])] = found
                if "secretRef" in source:
                    found = lookup(path, f"{where}, envFrom", "Secret", secrets, source["secretRef"])
                    if found:
                        env_sources[("Secret", source["secretRef"]["name"])] = found
    if chatbot_containers == 0:
        problem(K8S_DIR, f"no container runs the {IMAGE_REPO} image")
    for (kind, name), (path, keys) in sorted(env_sources.items()):
        for key in sorted(keys):
            check_name(known, path, f"{kind} {name} (envFrom of a chatbot container), key", key)

    check_kustomization({path.name for path, _ in manifests})


def check_kustomization(manifest_files):
    path = K8S_DIR / "kustomization.yaml"
    if not path.exists():
        problem(path, "missing")
        return
    doc = yaml.safe_load(path.read_text()) or {}
    listed = doc.get("resources") or []
    for resource in listed:
        if not (K8S_DIR / resource).exists():
            problem(path, f"resource {resource} does not exist")
    for name in sorted(manifest_files - set(listed)):
        problem(path, f"{name} is in {K8S_DIR.relative_to(ROOT)} but not in resources (list it, or move it out)")
    for image in doc.get("images") or []:
        if image.get("name") != IMAGE_REPO:
            problem(path, f"images: `{image.get('name')}` is not the image the manifests use ({IMAGE_REPO})")


def main():
    known = known_env_names()
    check_dockerfile(known)
    check_compose(known)
    check_kubernetes(known)
    if problems:
        print(f"error: {len(problems)} problem(s) in the deployment files:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"deployment env and references: ok ({len(known)} known environment names)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
