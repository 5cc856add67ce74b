#!/usr/bin/env python3
"""Invariants of docker/, k8s/ and deploy/ against the services themselves (check-deploy.sh).

  * Every NTF_* variable named in compose, the manifests and the overlays is a configuration key
    of its service: the keys come from the binaries (`--print-example-config`, `# env:` lines).
  * The values given by compose and by each overlay pass the service's own validation: the binary
    runs with them and must not stop with "bad configuration" (exit 2). It then fails later, on
    the missing certificate or secret key files, or on the unreachable database.
  * Every Deployment: /healthz liveness and /readyz readiness on the admin port (the port the
    service is configured with), resources, a non-root securityContext, no service links (they
    inject NTF_INTAKE_SERVICE_HOST... for a Service named ntf-intake, which the service rejects).
    Every Job: the same minus the probes. Grace periods cover preStop + shutdown.drain_timeout.
  * Every Secret key the workloads read is listed in k8s/secrets.example.yaml.
  * KEDA scales on the stream and group the pushers really use.
  * Every metric of the alert rules is exported by the code (services/*/src, libs/observability).
Standard library and PyYAML only.
"""
import argparse
import glob
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Metrics the alert rules may use that the services do not export: none today (readiness is the
# services' own ntf_ready, from libs/observability).
EXTERNAL_METRICS = set()
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "count_values", "group", "by", "without", "on", "ignoring", "group_left", "group_right",
    "and", "or", "unless", "offset", "bool", "rate", "irate", "increase", "delta", "idelta",
    "deriv", "absent", "absent_over_time", "histogram_quantile", "clamp_min", "clamp_max",
    "abs", "ceil", "floor", "round", "time", "vector", "scalar", "label_replace", "changes",
    "resets", "predict_linear", "avg_over_time", "max_over_time", "min_over_time",
    "sum_over_time", "count_over_time", "last_over_time", "inf", "nan",
}

errors = []


def error(msg):
    errors.append(msg)


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def rel(path):
    return os.path.relpath(path, ROOT)


def seconds(text):
    """Seconds of a duration as the services write them: 30s, 5m, 250ms, 1h30m."""
    total = 0.0
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(text)):
        total += float(num) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return total


class Service:
    """Configuration keys and defaults of one service, from its binary."""

    def __init__(self, name, binary):
        self.name = name
        self.binary = os.path.abspath(binary)
        self.prefix = "NTF_%s_" % name.upper()
        out = subprocess.run([self.binary, "--print-example-config"], check=True,
                             capture_output=True, text=True).stdout
        self.keys = set(re.findall(r"#\s*env:\s*(%s[A-Z0-9_]+)" % self.prefix, out))
        if not self.keys:
            raise SystemExit("%s --print-example-config lists no %s* keys" % (binary, self.prefix))
        # env name -> default, from the YAML the binary printed.
        self.defaults = {}

        def walk(node, path):
            for k, v in node.items():
                if isinstance(v, dict):
                    walk(v, path + [k])
                else:
                    self.defaults[(self.prefix + "_".join(path + [k])).upper()] = v
        walk(yaml.safe_load(out), [])

    def value(self, env, key):
        """The effective value of `key` (e.g. ADMIN_PORT) under environment `env`."""
        name = self.prefix + key
        return env.get(name, self.defaults[name])

    def check_names(self, names, where):
        for n in sorted(names):
            if n.startswith(self.prefix) and n not in self.keys:
                error("%s: %s is not a configuration key of ntf-%s" % (where, n, self.name))

    def check_values(self, env, where):
        """Runs the binary with `env`; exit 2 means the configuration was refused."""
        own = {k: str(v) for k, v in env.items() if k.startswith(self.prefix)}
        base = {k: v for k, v in os.environ.items() if not k.startswith("NTF_")}
        try:
            p = subprocess.run([self.binary], env={**base, **own}, capture_output=True,
                               text=True, timeout=20)
        except subprocess.TimeoutExpired:
            return  # it got past the configuration
        if p.returncode == 2 or "bad configuration" in p.stderr:
            error("%s: ntf-%s refuses the configuration: %s"
                  % (where, self.name, p.stderr.strip()))


def check_unknown_prefixes(names, where):
    for n in sorted(names):
        if n.startswith("NTF_") and not n.startswith(("NTF_INTAKE_", "NTF_PUSHER_")):
            error("%s: %s belongs to no service (NTF_INTAKE_* or NTF_PUSHER_*)" % (where, n))


# ---- docker-compose ----------------------------------------------------------------------------

def compose_env(files, extra_env):
    cmd = ["docker-compose"]
    for f in files:
        cmd += ["-f", f]
    out = subprocess.run(cmd + ["config"], cwd=ROOT, check=True, capture_output=True, text=True,
                         env={**os.environ, **extra_env}).stdout
    return yaml.safe_load(out)["services"]


def check_compose(services):
    variants = [
        (["docker/docker-compose.yml"], {}),
        (["docker/docker-compose.yml", "docker/docker-compose.providers.yml"],
         {"NTF_APNS_KEY_ID": "KEYID12345", "NTF_APNS_TEAM_ID": "TEAMID1234"}),
    ]
    for files, extra in variants:
        where = " + ".join(files)
        for name, svc in compose_env(files, extra).items():
            env = svc.get("environment") or {}
            check_unknown_prefixes(env, "%s (%s)" % (where, name))
            for s in services.values():
                s.check_names(env, "%s (%s)" % (where, name))
                if s.name == name:
                    s.check_values(env, "%s (%s)" % (where, name))
                    drain = seconds(s.value(env, "SHUTDOWN_DRAIN_TIMEOUT"))
                    grace = seconds(svc.get("stop_grace_period", "10s"))
                    if grace < drain:
                        error("%s (%s): stop_grace_period %ss < drain_timeout %ss"
                              % (where, name, grace, drain))


# ---- Kubernetes manifests and overlays ---------------------------------------------------------

def env_of_docs(docs):
    """NTF_* names and values set by ConfigMaps, Secrets, env lists and generator literals."""
    env = {}

    def walk(node):
        if isinstance(node, dict):
            if node.get("kind") in ("ConfigMap", "Secret"):
                for field in ("data", "stringData"):
                    env.update(node.get(field) or {})
            for gen in ("configMapGenerator", "secretGenerator"):
                for g in node.get(gen) or []:
                    for lit in g.get("literals") or []:
                        k, _, v = lit.partition("=")
                        env[k] = v
            for item in node.get("env") or []:
                if isinstance(item, dict) and "name" in item:
                    env[item["name"]] = item.get("value", "")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    for d in docs:
        walk(d)
    return {k: v for k, v in env.items() if k.startswith("NTF_")}


def pod_specs(doc):
    kind = doc.get("kind")
    if kind in ("Deployment", "Job"):
        return [doc["spec"]["template"]["spec"]]
    return []


def check_workloads(docs, where, services, env, secrets):
    for doc in docs:
        for pod in pod_specs(doc):
            name = "%s %s/%s" % (where, doc["kind"], doc["metadata"]["name"])
            if pod.get("enableServiceLinks") is not False:
                error("%s: enableServiceLinks must be false" % name)
            psc = pod.get("securityContext") or {}
            if psc.get("runAsNonRoot") is not True or not psc.get("runAsUser"):
                error("%s: pod securityContext must set runAsNonRoot and a non-zero runAsUser"
                      % name)
            for c in pod.get("containers", []) + pod.get("initContainers", []):
                cname = "%s container %s" % (name, c["name"])
                res = c.get("resources") or {}
                for part in ("requests", "limits"):
                    if not {"cpu", "memory"} <= set(res.get(part) or {}):
                        error("%s: resources.%s needs cpu and memory" % (cname, part))
                sc = c.get("securityContext") or {}
                if sc.get("allowPrivilegeEscalation") is not False or \
                        sc.get("readOnlyRootFilesystem") is not True:
                    error("%s: needs allowPrivilegeEscalation false, readOnlyRootFilesystem true"
                          % cname)
                for ref in c.get("envFrom") or []:
                    if "secretRef" in ref:
                        secrets.setdefault(ref["secretRef"]["name"], set())
                for item in c.get("env") or []:
                    ref = (item.get("valueFrom") or {}).get("secretKeyRef")
                    if ref:
                        secrets.setdefault(ref["name"], set()).add(ref["key"])
            for vol in pod.get("volumes") or []:
                if "secret" in vol:
                    keys = {i["key"] for i in vol["secret"].get("items") or []}
                    secrets.setdefault(vol["secret"]["secretName"], set()).update(keys)
            if doc["kind"] != "Deployment":
                continue
            svc = next((s for s in services.values()
                        if any(s.name in c.get("image", "") for c in pod["containers"])), None)
            if svc is None:
                error("%s: no container runs ntf-intake or ntf-pusher" % name)
                continue
            admin = int(svc.value(env, "ADMIN_PORT"))
            if str(svc.value(env, "ADMIN_HOST")) in ("127.0.0.1", "localhost", "::1"):
                error("%s: admin.host %s is unreachable for probes and Prometheus"
                      % (name, svc.value(env, "ADMIN_HOST")))
            c = next(c for c in pod["containers"] if svc.name in c.get("image", ""))
            ports = {p.get("name"): p["containerPort"] for p in c.get("ports") or []}
            for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                get = (c.get(probe) or {}).get("httpGet") or {}
                port = ports.get(get.get("port"), get.get("port"))
                if get.get("path") != path or port != admin:
                    error("%s: %s must be GET %s on the admin port %d" % (name, probe, path, admin))
            ann = doc["spec"]["template"].get("metadata", {}).get("annotations", {})
            if ann.get("prometheus.io/port") != str(admin):
                error("%s: prometheus.io/port must be the admin port %d" % (name, admin))
            pre = (((c.get("lifecycle") or {}).get("preStop") or {}).get("exec") or {})
            pre_s = sum(int(x) for x in pre.get("command", [])[1:2] if str(x).isdigit())
            drain = seconds(svc.value(env, "SHUTDOWN_DRAIN_TIMEOUT"))
            grace = pod.get("terminationGracePeriodSeconds", 30)
            if grace < pre_s + drain:
                error("%s: terminationGracePeriodSeconds %s < preStop %ss + drain_timeout %ss"
                      % (name, grace, pre_s, drain))


def check_keda(docs, where, pusher, env):
    for doc in docs:
        if doc.get("kind") != "ScaledObject":
            continue
        for t in doc["spec"].get("triggers") or []:
            meta = t.get("metadata") or {}
            if t.get("type") != "redis-streams":
                continue
            if meta.get("stream") != pusher.value(env, "REDIS_PUSH_STREAM") or \
                    meta.get("consumerGroup") != pusher.value(env, "REDIS_GROUP"):
                error("%s: ScaledObject trigger on %s/%s, the pushers use %s/%s" % (
                    where, meta.get("stream"), meta.get("consumerGroup"),
                    pusher.value(env, "REDIS_PUSH_STREAM"), pusher.value(env, "REDIS_GROUP")))


def check_kubernetes(services):
    base_files = sorted(glob.glob(os.path.join(ROOT, "k8s", "*.yaml")))
    base_docs = {f: load_all(f) for f in base_files}
    example = os.path.join(ROOT, "k8s", "secrets.example.yaml")
    listed = {d["metadata"]["name"]: set(d.get("stringData") or {}) | set(d.get("data") or {})
              for d in base_docs[example] if d.get("kind") == "Secret"}
    overlays = [("k8s", [])]
    for kfile in sorted(glob.glob(os.path.join(ROOT, "deploy", "*", "kustomization.yaml"))):
        d = os.path.dirname(kfile)
        overlays.append((rel(d), sorted(glob.glob(os.path.join(d, "*.yaml")))))
    for comp in sorted(glob.glob(os.path.join(ROOT, "deploy", "components", "*"))):
        overlays.append((rel(comp), sorted(glob.glob(os.path.join(comp, "*.yaml")))))
    all_docs = [d for docs in base_docs.values() for d in docs]
    for where, files in overlays:
        docs = {f: load_all(f) for f in files}
        flat = [d for ds in docs.values() for d in ds]
        # The base's environment, then the overlay's on top (as kustomize merges them).
        env = env_of_docs(all_docs)
        env.update(env_of_docs(flat))
        names = set(env_of_docs(flat if files else all_docs))
        check_unknown_prefixes(names, where)
        for s in services.values():
            s.check_names(names, where)
            s.check_values(env, where)
        check_keda(flat if files else all_docs, where, services["pusher"], env)
        if not files:
            secrets = {}
            check_workloads(all_docs, where, services, env, secrets)
            for name, keys in secrets.items():
                if name not in listed:
                    error("k8s: Secret %s is read but not described in %s" % (name, rel(example)))
                elif not keys <= listed[name]:
                    error("k8s: keys %s of Secret %s missing from %s"
                          % (sorted(keys - listed[name]), name, rel(example)))


# ---- alert rules -------------------------------------------------------------------------------

def exported_metrics():
    files = glob.glob(os.path.join(ROOT, "services", "*", "src", "**", "*.cc"), recursive=True)
    files += glob.glob(os.path.join(ROOT, "libs", "observability", "src", "*.cc"))
    names = set()
    for f in files:
        text = open(f).read()
        names |= set(re.findall(r'"(ntf_[a-z][a-z0-9_]*)"', text))
        for h in re.findall(r'BuildHistogram\(\)\s*\.Name\("(ntf_[a-z0-9_]+)"\)', text):
            names |= {h + "_bucket", h + "_sum", h + "_count"}
    return names


def metrics_of(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)            # string literals
    e = re.sub(r"\{[^}]*\}", "", e)                           # label matchers
    e = re.sub(r"\[[^\]]*\]", "", e)                          # ranges, subqueries
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    found = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        word = m.group(0)
        if word in PROMQL_WORDS or e[m.end():].lstrip().startswith("("):
            continue
        found.add(word)
    return found


def check_alerts():
    exported = exported_metrics()
    path = os.path.join(ROOT, "k8s", "alerts.yaml")
    for doc in load_all(path):
        for group in doc["spec"]["groups"]:
            for rule in group["rules"]:
                for metric in sorted(metrics_of(str(rule["expr"]))):
                    if metric not in exported and metric not in EXTERNAL_METRICS:
                        error("%s: %s uses %s, which no service exports"
                              % (rel(path), rule.get("alert", rule.get("record")), metric))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--intake", required=True)
    ap.add_argument("--pusher", required=True)
    args = ap.parse_args()
    services = {"intake": Service("intake", args.intake), "pusher": Service("pusher", args.pusher)}
    check_compose(services)
    check_kubernetes(services)
    check_alerts()
    for e in errors:
        print("  " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
