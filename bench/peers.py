#!/usr/bin/env python3
"""Our provider side by side with the tools users would pick instead, on one fresh control plane.

Run through bench/peers.sh, which builds everything and passes the paths in the environment.
For each scenario (the flux_aio install; fifty tenants) the objects come from our own rendering
(flux-render), so every tool applies the same objects byte for byte:

- flux: our resources (flux_aio, or 50 flux_tenant), the release provider;
- kubernetes_manifest (hashicorp/kubernetes): one resource per object, `manifest = <object>`;
- kubectl_manifest (alekc/kubectl): one resource per object, `yaml_body = yamlencode(<object>)`,
  server-side apply;
- floor: ssa-floor, one server-side-apply PATCH per object and no Terraform.

The peers get two resource sets, CRDs and Namespaces first and the rest `depends_on` them.
Each tool runs the cycle plan (create), apply, no-op plan, refresh, destroy RUNS times, round
robin over the tools, from the same empty cluster (everything deleted and waited for between
cycles). Per phase: wall time, API requests counted in the apiserver's audit log, and the peak
RSS of the provider processes (each runs under /usr/bin/time through a wrapper). The table goes
to bench/benchmarks.md between the peers markers; raw figures to $PEERS_RESULTS.
"""

import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = os.environ
RUNS = int(ENV.get("RUNS", "5"))
TENANTS = int(ENV.get("TENANTS", "50"))
SCENARIOS = ENV.get("SCENARIOS", "aio,tenants").split(",")
TOOLS = ENV.get("TOOLS", "flux,kubernetes,kubectl,floor").split(",")
# A tool's phase that runs longer than this is killed and reported as such.
PHASE_TIMEOUT = int(ENV.get("PHASE_TIMEOUT", "1800"))
TOFU = ENV.get("TOFU", "tofu")
TARGET = Path(ENV.get("BENCH_TARGET", ROOT / "target" / "release"))  # CARGO_TARGET_DIR/release
TESTDATA = Path(ENV.get("FLUX_TESTDATA", ""))
FLUX_VERSION = ENV.get("FLUX_VERSION", "2.9.4")
TESTBED = ROOT / "acceptance-tests" / "testbed.sh"
DOC = ROOT / "bench" / "benchmarks.md"
COMMAND = ENV.get("BENCH_COMMAND", "bash bench/peers.sh")

PROVIDERS = {
    # tool: (provider type, source address, real binary)
    "flux": ("flux", "flux-aio/flux", TARGET / "terraform-provider-flux"),
    "kubernetes": ("kubernetes", "hashicorp/kubernetes", Path(ENV.get("PEER_KUBERNETES", ""))),
    "kubectl": ("kubectl", "alekc/kubectl", Path(ENV.get("PEER_KUBECTL", ""))),
}
LABEL = {
    "flux": "flux (ours)",
    "kubernetes": "kubernetes_manifest",
    "kubectl": "kubectl_manifest",
    "floor": "SSA floor",
}
PEERS = ["kubernetes", "kubectl"]
PHASES = ["plan", "apply", "noop", "refresh", "destroy"]
PHASE_LABEL = {
    "plan": "plan (create)",
    "apply": "apply",
    "noop": "no-op plan",
    "refresh": "refresh",
    "destroy": "destroy",
}
# Requests by the control plane's own clients are not the tool's. kube-controller-manager uses
# the test bed's admin kubeconfig (the same user as the tools), so it is told apart by its
# user agent, not by user.
CONTROL_PLANE_AGENTS = ("kube-controller-manager", "kube-apiserver", "kube-scheduler")


def log(msg):
    print(f"[peers {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# The control plane, as a small REST client (cleanup and checks happen outside measured phases).


class Kube:
    def __init__(self, bed):
        text = (bed / "kubeconfig").read_text()
        self.server = re.search(r"server:\s*(\S+)", text).group(1)
        pki = bed / "pki"
        self.ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        self.ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
        self.resources = {}

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        req.add_header("User-Agent", "bench-peers-cleanup")
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, None

    def resource(self, api_version, kind):
        """(path prefix, plural, namespaced), or None when the API is not served (CRD gone)."""
        base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        if base not in self.resources:
            code, body = self.call("GET", base)
            self.resources[base] = {
                r["kind"]: (r["name"], r["namespaced"])
                for r in (body or {}).get("resources", [])
                if "/" not in r["name"]
            } if code == 200 else None
        found = (self.resources[base] or {}).get(kind)
        return None if found is None else (base, *found)

    def path(self, o):
        self.resources = {k: v for k, v in self.resources.items() if v}  # re-discover the absent
        found = self.resource(o["apiVersion"], o["kind"])
        if found is None:
            return None
        base, plural, namespaced = found
        meta = o["metadata"]
        if namespaced:
            return f"{base}/namespaces/{meta.get('namespace', 'default')}/{plural}/{meta['name']}"
        return f"{base}/{plural}/{meta['name']}"

    def present(self, objects):
        """The objects that exist, as (object, live)."""
        out = []
        for o in objects:
            p = self.path(o)
            if p is None:
                continue
            code, live = self.call("GET", p)
            if code == 200:
                out.append((o, live))
        return out

    def clean(self, objects, timeout=600):
        """Deletes the objects and waits until every one is gone (namespaces and CRDs included),
        so the next cycle starts from the same empty cluster. Returns the count of objects still
        present (and not being deleted) before the cleanup: what the destroy left behind."""
        self.resources = {}
        present = self.present(objects)
        terminating_ns = {
            live["metadata"]["name"]
            for o, live in present
            if o["kind"] == "Namespace" and live["metadata"].get("deletionTimestamp")
        }
        leftover = [
            o for o, live in present
            if not live["metadata"].get("deletionTimestamp")
            and o["metadata"].get("namespace") not in terminating_ns
        ]
        for o, _ in reversed(present):
            p = self.path(o)
            if p:
                self.call("DELETE", p, {"kind": "DeleteOptions", "apiVersion": "v1",
                                        "propagationPolicy": "Background"})
        deadline = time.time() + timeout
        while True:
            self.resources = {}
            left = self.present(objects)
            if not left:
                break
            if time.time() > deadline:
                raise RuntimeError(f"{len(left)} objects still present after {timeout}s: "
                                   + ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o, _ in left[:5]))
            time.sleep(0.5)
        return len(leftover)


class Audit:
    """Counts the requests of a phase in the apiserver's audit log (JSON lines, Metadata level,
    ResponseComplete stage only: one event per request)."""

    def __init__(self, path):
        self.path = path

    def mark(self):
        return self.path.stat().st_size

    def since(self, offset):
        with open(self.path, "rb") as f:
            f.seek(offset)
            data = f.read()
        # The apiserver writes with O_APPEND (it creates the file before its log writer opens
        # it), so emptying the file between phases is safe and keeps the disk use small.
        os.truncate(self.path, 0)
        counted, excluded, verbs = Counter(), Counter(), Counter()
        for line in data.splitlines():
            line = line.strip(b"\0").strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("stage") != "ResponseComplete":
                continue
            agent = ev.get("userAgent", "")
            user = ev.get("user", {}).get("username", "")
            if agent.startswith(CONTROL_PLANE_AGENTS) or user == "system:apiserver":
                excluded[agent.split(" ")[0] or user] += 1
                continue
            counted[agent] += 1
            verbs[ev.get("verb", "?")] += 1
        return sum(counted.values()), dict(counted), dict(excluded), dict(verbs)


# ---------------------------------------------------------------------------------------------
# Running commands and phases.


def run_cmd(argv, cwd, env, timeout):
    """Runs argv in its own process group; kills the group on timeout. (rc, out, err, timed out)."""
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace"), False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return -9, out.decode(errors="replace"), err.decode(errors="replace"), True


def first_error(text):
    """The first error of tofu's output in one line: summary (resource): first detail paragraph."""
    text = re.sub(r"[│╷╵]", "", text)
    m = re.search(r"^\s*Error: (.*)$", text, re.M)
    if not m:
        return " ".join(text.split())[-300:]
    where, detail = "", ""
    for para in re.split(r"\n\s*\n", text[m.end():]):
        para = para.strip()
        if not para:
            continue
        if para.startswith("Error:"):
            break
        if para.startswith("with "):
            where = para.splitlines()[0][5:].rstrip(",")
            continue
        detail = " ".join(para.split())
        break
    msg = m.group(1).strip() + (f" ({where})" if where else "") + (f": {detail}" if detail else "")
    return msg[:500]


class Bench:
    def __init__(self):
        self.run = Path(tempfile.mkdtemp(prefix="flux-peers-"))
        self.bed = self.run / "bed"
        self.rss_dir = self.run / "rss"
        self.rss_dir.mkdir()
        self.seq = 0
        self.reg = None
        self.results = {"runs": RUNS, "scenarios": {}, "errors": []}

    # -- set-up --------------------------------------------------------------------------------

    def start(self):
        policy = self.run / "audit-policy.yaml"
        policy.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\n"
                          "omitStages: [RequestReceived, ResponseStarted]\n"
                          "rules:\n  - level: Metadata\n")
        audit = self.run / "audit.log"
        # A size far above any run's keeps the log from rotating, so a byte offset marks a
        # phase's start (the file is emptied after each phase: Audit.since).
        audit.touch()
        args = (f"--audit-log-path={audit} --audit-policy-file={policy} --audit-log-format=json "
                f"--audit-log-maxsize=100000 --audit-log-mode=blocking")
        log(f"starting the control plane in {self.bed}")
        subprocess.run(["bash", str(TESTBED), "start", str(self.bed)], check=True,
                       env=dict(ENV, APISERVER_EXTRA_ARGS=args), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        self.kube = Kube(self.bed)
        self.audit = Audit(audit)
        self.kubeconfig = self.bed / "kubeconfig"
        # The registry holding the Flux distribution artifact (read by flux_aio's plan and apply).
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        (self.run / "registry.yml").write_text(
            "version: 0.1\nlog: { level: error, accesslog: { disabled: true } }\n"
            f"storage: {{ filesystem: {{ rootdirectory: {self.run}/registry }} }}\n"
            f"http: {{ addr: \"127.0.0.1:{self.port}\", secret: bench }}\n")
        self.reg = subprocess.Popen(["docker-registry", "serve", str(self.run / "registry.yml")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        subprocess.run([str(TARGET / "push-flux-artifact"),
                        f"oci://127.0.0.1:{self.port}/flux-manifests:v{FLUX_VERSION}",
                        str(TESTDATA / "flux-manifests" / f"v{FLUX_VERSION}"), "--insecure"],
                       check=True, stdout=subprocess.DEVNULL)
        self.env = dict(ENV, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
                        FLUX_PROVIDER_CACHE_DIR=str(self.run / "cache"))
        for k in ("TF_LOG", "TF_LOG_PROVIDER", "TF_CLI_ARGS"):
            self.env.pop(k, None)
        self.wrappers()

    def wrappers(self):
        """One dev_overrides directory per provider holding a wrapper named like the provider
        binary, which runs the real binary under /usr/bin/time (peak RSS, %M, appended to
        $BENCH_RSS_FILE); one CLI configuration overriding all three providers."""
        lines = []
        for tool, (ptype, source, real) in PROVIDERS.items():
            d = self.run / "providers" / tool
            d.mkdir(parents=True)
            w = d / f"terraform-provider-{ptype}"
            w.write_text("#!/bin/sh\n"
                         f"exec /usr/bin/time -f %M -a -o \"${{BENCH_RSS_FILE:-/dev/null}}\" '{real}' \"$@\"\n")
            w.chmod(0o755)
            lines.append(f'    "{source}" = "{d}"')
        rc = self.run / "cli.tfrc"
        rc.write_text("provider_installation {\n  dev_overrides {\n" + "\n".join(lines)
                      + "\n  }\n  direct {}\n}\n")
        self.env["TF_CLI_CONFIG_FILE"] = str(rc)

    def stop(self):
        if self.reg:
            self.reg.terminate()
            self.reg.wait()
        subprocess.run(["bash", str(TESTBED), "stop", str(self.bed)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    # -- objects and configurations ------------------------------------------------------------

    def render(self, rtype, config):
        cfg = self.run / f"render-{rtype}.json"
        cfg.write_text(json.dumps(config))
        out = subprocess.run([str(TARGET / "flux-render"), rtype, str(cfg)], check=True,
                             stdout=subprocess.PIPE, env=self.env).stdout
        return json.loads(out)

    def scenario(self, name):
        kc = json.dumps(str(self.kubeconfig))
        if name == "aio":
            config = {"name": "flux", "namespace": "flux-system", "wait": False,
                      "distribution": {"artifact": f"oci://127.0.0.1:{self.port}/flux-manifests",
                                       "insecure": True}}
            objects = self.render("flux_aio", config)
            flux_hcl = (f'resource "flux_aio" "flux" {{\n{hcl_attrs(config)}}}\n')
            title = "The flux_aio install"
        else:
            config = [{"name": f"t{i:02d}", "namespace": f"t{i:02d}"} for i in range(1, TENANTS + 1)]
            objects = self.render("flux_tenant", config)
            flux_hcl = ('locals {\n  tenants = jsondecode(file("${path.module}/tenants.json"))\n}\n'
                        'resource "flux_tenant" "t" {\n'
                        '  for_each  = { for t in local.tenants : t.name => t }\n'
                        '  name      = each.value.name\n  namespace = each.value.namespace\n}\n')
            title = f"{TENANTS} tenants"
        work = self.run / "work" / name
        # The peers: CRDs and Namespaces first, the rest after them.
        first = [o for o in objects if o["kind"] in ("CustomResourceDefinition", "Namespace")]
        rest = [o for o in objects if o["kind"] not in ("CustomResourceDefinition", "Namespace")]
        crd_groups = {o["spec"]["group"] for o in objects if o["kind"] == "CustomResourceDefinition"}
        custom = [o for o in objects if o["apiVersion"].split("/")[0] in crd_groups
                  and "/" in o["apiVersion"]]
        keyed = lambda objs: {obj_key(o): json.dumps(o, separators=(",", ":")) for o in objs}
        # The working directories; the same under work/<scenario>/nocluster with a kubeconfig
        # whose server does not answer (can the tool plan the create before the cluster exists?).
        for base, kc in ((work, kc), (work / "nocluster", json.dumps(str(self.dead_kubeconfig())))):
            d = base / "flux"
            d.mkdir(parents=True)
            (d / "tenants.json").write_text(json.dumps(config))
            (d / "main.tf").write_text(
                'terraform {\n  required_providers {\n    flux = { source = "flux-aio/flux" }\n  }\n}\n'
                f'provider "flux" {{\n  kubernetes = {{ config_path = {kc} }}\n}}\n' + flux_hcl)
            for tool in PEERS:
                d = base / tool
                d.mkdir(parents=True)
                (d / "first.json").write_text(json.dumps(keyed(first), indent=1))
                (d / "rest.json").write_text(json.dumps(keyed(rest), indent=1))
                (d / "main.tf").write_text(peer_hcl(tool, kc, bool(custom)))
        (work / "objects.json").write_text(json.dumps(objects))
        # The floor's concurrency is ours: flux_aio applies its objects one at a time; the
        # tenants are applied by OpenTofu ten at a time (its default -parallelism), each
        # applying its own objects one at a time.
        if name == "aio":
            groups = [objects]
        else:
            by_ns = {}
            for o in objects:
                by_ns.setdefault(o["metadata"].get("namespace") or o["metadata"]["name"], []).append(o)
            groups = [[] for _ in range(min(10, len(by_ns)))]
            for i, objs in enumerate(by_ns.values()):
                groups[i % len(groups)].extend(objs)
        floor_files = []
        for i, g in enumerate(groups):
            f = work / f"floor-{i}.json"
            f.write_text(json.dumps(g))
            floor_files.append(f)
        kinds = Counter(o["kind"] for o in objects)
        return {"name": name, "title": title, "objects": objects, "work": work,
                "floor_files": floor_files, "kinds": dict(kinds), "custom": len(custom),
                "crds": kinds.get("CustomResourceDefinition", 0), "config": config}

    # -- phases --------------------------------------------------------------------------------

    def phase(self, argvs, cwd, env=None, timeout=PHASE_TIMEOUT):
        """Runs commands one after another (or, for a list of lists of lists, in parallel) as one
        phase: wall time, requests, peak RSS of the wrapped processes."""
        self.seq += 1
        rss_file = self.rss_dir / f"{self.seq}.txt"
        env = dict(env or self.env, BENCH_RSS_FILE=str(rss_file))
        offset = self.audit.mark()
        t0 = time.perf_counter()
        rc, out, err, timed_out = 0, "", "", False
        for argv in argvs:
            if isinstance(argv[0], list):  # parallel commands
                procs = [subprocess.Popen(a, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE) for a in argv]
                for p in procs:
                    o, e = p.communicate(timeout=timeout)
                    out += o.decode(errors="replace")
                    err += e.decode(errors="replace")
                    rc = rc or p.returncode
            else:
                r, o, e, timed_out = run_cmd(argv, cwd, env, timeout)
                out += o
                err += e
                if r not in (0, 2) or (r == 2 and "-detailed-exitcode" not in argv):
                    rc = r
                    break
                rc = r
        wall = time.perf_counter() - t0
        time.sleep(0.5)  # the last requests' audit events
        requests, agents, excluded, verbs = self.audit.since(offset)
        rss = [int(x) for x in rss_file.read_text().split() if x.isdigit()] if rss_file.exists() else []
        res = {"wall": wall, "rc": rc, "requests": requests, "agents": agents,
               "excluded": excluded, "verbs": verbs, "rss_kib": max(rss) if rss else None,
               "processes": len(rss), "timed_out": timed_out}
        m = re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy", out)
        if m:
            res["plan"] = [int(x) for x in m.groups()]
        if rc not in (0, 2):
            res["error"] = first_error(err + out)
        return res

    def dead_kubeconfig(self):
        """The test bed's kubeconfig pointed at a port nothing listens on."""
        path = self.run / "dead-kubeconfig"
        if not path.exists():
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
            text = (self.bed / "kubeconfig").read_text()
            path.write_text(re.sub(r"server: \S+", f"server: https://127.0.0.1:{port}", text))
        return path

    def no_cluster(self, sc):
        """Once per tool: the create plan with no cluster reachable."""
        out = {}
        for tool in [t for t in TOOLS if t != "floor"]:
            r = self.phase([self.tofu("plan", "-detailed-exitcode")], sc["work"] / "nocluster" / tool,
                           timeout=120)
            out[tool] = {"rc": r["rc"], "wall": r["wall"],
                         "error": "no answer in 120 s" if r["timed_out"] else r.get("error")}
            log(f"{sc['name']} create plan without a cluster, {tool}: rc {r['rc']} {r.get('error') or ''}")
        return out

    def tofu(self, *args):
        return [TOFU, *args, "-input=false", "-no-color"]

    def cycle(self, sc, tool):
        """One cycle of a tool from an empty cluster; returns {phase: result}."""
        objects = sc["objects"]
        res = {}
        if tool == "floor":
            floor = str(TARGET / "ssa-floor")
            kc = str(self.kubeconfig)
            time_it = lambda *a: ["/usr/bin/time", "-f", "%M", "-a", "-o",
                                  str(self.rss_dir / f"{self.seq + 1}.txt"), floor, kc, *a]
            res["apply"] = self.phase([[time_it(str(f)) for f in sc["floor_files"]]], sc["work"])
            res["destroy"] = self.phase([[time_it(str(f), "--delete") for f in sc["floor_files"]]],
                                        sc["work"])
        else:
            d = sc["work"] / tool
            for f in [*d.glob("terraform.tfstate*"), *d.glob(".terraform.tfstate.lock.info")]:
                f.unlink()
            res["plan"] = self.phase([self.tofu("plan", "-detailed-exitcode")], d)
            apply = [self.tofu("apply", "-auto-approve")]
            if tool == "kubernetes" and res["plan"]["rc"] not in (0, 2):
                # kubernetes_manifest cannot plan an object whose API is not served yet: the
                # CRDs and Namespaces first (-target), then everything.
                apply = [self.tofu("apply", "-auto-approve", "-target=kubernetes_manifest.first"),
                         *apply]
                res["staged"] = True
            res["apply"] = self.phase(apply, d)
            # After a failed apply, the no-op plan and the refresh still run when the state holds
            # resources: they show whether the tool converges.
            if res["apply"]["rc"] == 0 or state_resources(d / "terraform.tfstate"):
                res["noop"] = self.phase([self.tofu("plan", "-detailed-exitcode")], d)
                res["refresh"] = self.phase([self.tofu("apply", "-refresh-only", "-auto-approve")], d)
            res["destroy"] = self.phase([self.tofu("destroy", "-auto-approve")], d)
        t0 = time.perf_counter()
        res["leftover"] = self.kube.clean(objects)
        # Destroy until every object is gone (Namespaces finalized, CRDs removed): the destroy
        # plus the cleanup's wait (polled every 0.5 s), for tools that do not wait themselves.
        res["gone"] = {"wall": res["destroy"]["wall"] + time.perf_counter() - t0,
                       "rc": res["destroy"]["rc"]}
        return res

    def baseline(self):
        """The CLI's own start-up: plan and apply of an empty configuration."""
        d = self.run / "work" / "empty"
        d.mkdir(parents=True)
        (d / "main.tf").write_text("terraform {}\n")
        out = {"plan": [], "apply": []}
        for _ in range(RUNS):
            out["plan"].append(self.phase([self.tofu("plan")], d)["wall"])
            out["apply"].append(self.phase([self.tofu("apply", "-auto-approve")], d)["wall"])
        return out

    def main(self):
        started = time.time()
        self.start()
        self.results["machine"] = machine()
        self.results["versions"] = self.versions()
        self.results["sizes"] = {t: p[2].stat().st_size for t, p in PROVIDERS.items()}
        self.results["sizes"]["floor"] = (TARGET / "ssa-floor").stat().st_size
        self.results["baseline"] = self.baseline()
        log(f"CLI start-up (empty configuration): plan {med(self.results['baseline']['plan']):.2f}s, "
            f"apply {med(self.results['baseline']['apply']):.2f}s")
        for name in SCENARIOS:
            sc = self.scenario(name)
            log(f"{sc['title']}: {len(sc['objects'])} objects {sc['kinds']}")
            self.kube.clean(sc["objects"])
            nocluster = self.no_cluster(sc)
            cycles = {t: [] for t in TOOLS}
            for r in range(RUNS):
                for tool in TOOLS:
                    t0 = time.time()
                    c = self.cycle(sc, tool)
                    cycles[tool].append(c)
                    log(f"{name} run {r + 1}/{RUNS} {tool}: " + ", ".join(
                        f"{p} {c[p]['wall']:.2f}s/{c[p]['requests']}req"
                        + ("" if c[p]["rc"] in (0, 2) else f" FAILED rc={c[p]['rc']}")
                        for p in PHASES if p in c) + f" (cycle {time.time() - t0:.0f}s)")
                    for p in PHASES:
                        if p in c and "error" in c[p] and r == 0:
                            log(f"  {tool} {p}: {c[p]['error']}")
            self.results["scenarios"][name] = {
                "title": sc["title"], "objects": len(sc["objects"]), "kinds": sc["kinds"],
                "custom": sc["custom"], "crds": sc["crds"], "cycles": cycles, "nocluster": nocluster,
                "floor_processes": len(sc["floor_files"])}
        self.results["elapsed"] = time.time() - started
        self.results["load_end"] = os.getloadavg()[0]
        return self.results

    def versions(self):
        v = {}
        v["tofu"] = json.loads(subprocess.run([TOFU, "version", "-json"], stdout=subprocess.PIPE,
                                              env=self.env).stdout)["terraform_version"]
        v["kube"] = subprocess.run([ENV["KUBE_APISERVER"], "--version"], stdout=subprocess.PIPE,
                                   text=True).stdout.split()[-1]
        for tool in PEERS:
            v[tool] = PROVIDERS[tool][2].parent.name
        git = lambda *a: subprocess.run(["git", "-C", str(ROOT), *a], stdout=subprocess.PIPE,
                                        text=True).stdout.strip()
        if ENV.get("BENCH_VERSION"):
            v["flux"] = f"commit {ENV['BENCH_VERSION']}"
        else:
            dirty = " + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
            v["flux"] = f"{git('rev-parse', '--short', 'HEAD')}{dirty}"
        return v


def state_resources(path):
    try:
        return len(json.loads(path.read_text()).get("resources", []))
    except (OSError, ValueError):
        return 0


def obj_key(o):
    m = o["metadata"]
    return f"{o['apiVersion']}/{o['kind']}/{m.get('namespace', '')}/{m['name']}"


def hcl_value(v, indent="  "):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    if isinstance(v, str):
        return json.dumps(v).replace("${", "$${").replace("%{", "%%{")
    if isinstance(v, list):
        return "[" + ", ".join(hcl_value(x, indent) for x in v) + "]"
    return "{ " + ", ".join(f"{k} = {hcl_value(x, indent)}" for k, x in v.items()) + " }"


def hcl_attrs(config):
    return "".join(f"  {k} = {hcl_value(v)}\n" for k, v in config.items())


def peer_hcl(tool, kc, wait_crds):
    """The peer's configuration: one resource per object, in two sets (CRDs and Namespaces, then
    the rest). When the set holds custom resources, the CRDs wait until established."""
    if tool == "kubernetes":
        provider, source, rtype, wait_block = "kubernetes", "hashicorp/kubernetes", "kubernetes_manifest", "wait"
        body = ("  manifest = jsondecode(each.value)\n"
                "  field_manager {\n    force_conflicts = true\n  }\n")
    else:
        provider, source, rtype, wait_block = "kubectl", "alekc/kubectl", "kubectl_manifest", "wait_for"
        # No kubelet runs in the test bed: Deployments never roll out, so no rollout wait (as
        # flux_aio's wait = false).
        body = ("  yaml_body         = yamlencode(jsondecode(each.value))\n"
                "  server_side_apply = true\n  force_conflicts   = true\n  wait_for_rollout  = false\n")
    is_crd = 'jsondecode(each.value).kind == "CustomResourceDefinition"'
    wait = (f'  dynamic "{wait_block}" {{\n    for_each = {is_crd} ? [1] : []\n'
            '    content {\n      condition {\n        type   = "Established"\n'
            '        status = "True"\n      }\n    }\n  }\n') if wait_crds else ""
    return (f'terraform {{\n  required_providers {{\n    {provider} = {{ source = "{source}" }}\n  }}\n}}\n'
            f'provider "{provider}" {{\n  config_path = {kc}\n}}\n'
            'locals {\n  first = jsondecode(file("${path.module}/first.json"))\n'
            '  rest  = jsondecode(file("${path.module}/rest.json"))\n}\n'
            f'resource "{rtype}" "first" {{\n  for_each = local.first\n' + body + wait + "}\n"
            + f'resource "{rtype}" "rest" {{\n  for_each = local.rest\n' + body
            + f"  depends_on = [{rtype}.first]\n}}\n")


def machine():
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    return {"nproc": os.cpu_count(), "mem_gib": mem / 1048576, "cpu": cpu.group(1) if cpu else "?",
            "kernel": platform.release(), "load": os.getloadavg()[0]}


# ---------------------------------------------------------------------------------------------
# The report.


def med(xs):
    return statistics.median(xs) if xs else None


def stats(cycles, phase, field):
    """(median, min, max, failures, note) of a figure over a tool's cycles."""
    vals, fails, notes = [], 0, []
    for c in cycles:
        r = c.get(phase)
        if r is None:
            fails += 1
            continue
        if r["rc"] not in (0, 2) or r.get("timed_out"):
            fails += 1
            if r.get("error"):
                notes.append(r["error"])
            continue
        v = r.get(field)
        if v is not None:
            vals.append(v)
    if not vals:
        return None, None, None, fails, notes
    return med(vals), min(vals), max(vals), fails, notes


def fmt(m, lo, hi, kind):
    if m is None:
        return "—"
    if kind == "s":
        f = lambda x: f"{x:.2f}" if x < 10 else f"{x:.1f}"
    elif kind == "mib":
        f = lambda x: f"{x / 1024:.0f}" if x >= 10240 else f"{x / 1024:.1f}"
    else:
        f = lambda x: f"{x:.0f}"
    if lo is None or f(lo) == f(hi):
        return f(m)
    return f"{f(m)} ({f(lo)}–{f(hi)})"


def ratio(a, b):
    if a is None or b is None:
        return "—"
    if b == 0:
        return "—" if a == 0 else "∞"
    r = a / b
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def scenario_table(name, sc, res):
    base_apply = med(res["baseline"]["apply"])
    base_plan = med(res["baseline"]["plan"])
    cyc = sc["cycles"]
    tools = [t for t in TOOLS if t in cyc]
    n = sc["objects"]
    rows = []
    notes = []
    header = "| figure | " + " | ".join(LABEL[t] for t in tools) + " | ours / best peer | ours / floor |"
    rows.append(header)
    rows.append("| --- | " + " | ".join("---:" for _ in tools) + " | ---: | ---: |")

    def row(label, phase, field, kind, adjust=None, floor_phase=None):
        cells, meds = [], {}
        for t in tools:
            ph = floor_phase if (t == "floor" and floor_phase) else phase
            if t == "floor" and ph not in ("apply", "destroy", "gone"):
                cells.append("n/a")
                continue
            m, lo, hi, fails, errs = stats(cyc[t], ph, field)
            if adjust and t != "floor" and m is not None:
                m, lo, hi = adjust(m), adjust(lo), adjust(hi)
            meds[t] = m
            cell = fmt(m, lo, hi, kind)
            if fails:
                failed = [c[ph]["wall"] for c in cyc[t] if ph in c and c[ph]["rc"] not in (0, 2)]
                after = f" (after {med(failed):.1f} s)" if kind == "s" and failed else ""
                cell = (cell + f", fails {fails}/{len(cyc[t])}{after}" if m is not None
                        else f"fails {fails}/{len(cyc[t])}{after}")
                for e in dict.fromkeys(errs):
                    notes.append(f"{LABEL[t]}, {PHASE_LABEL.get(ph, ph)}: {e}")
            cells.append(cell)
        peers = [meds[p] for p in PEERS if meds.get(p) is not None]
        best = min(peers) if peers else None
        ours = meds.get("flux")
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {ratio(ours, best)} | "
                    + (ratio(ours, meds.get("floor")) if "floor" in meds else "—") + " |")
        return meds

    for p in PHASES:
        row(f"{PHASE_LABEL[p]}, wall (s)", p, "wall", "s")
    row("destroy until every object is gone (s)", "gone", "wall", "s")
    net = row("apply net of CLI start-up (s)", "apply", "wall", "s",
              adjust=lambda x: x - base_apply)
    for p in PHASES:
        row(f"{PHASE_LABEL[p]}, API requests", p, "requests", "n")
    refresh_req = stats(cyc.get("flux", []), "refresh", "requests")[0]
    for p in PHASES:
        row(f"{PHASE_LABEL[p]}, provider peak RSS (MiB)", p, "rss_kib", "mib")
    # Peak over all phases.
    cells, meds = [], {}
    for t in tools:
        peaks = [max((c[p]["rss_kib"] or 0) for p in PHASES if p in c) for c in cyc[t]]
        m = med(peaks)
        meds[t] = m
        cells.append(fmt(m, min(peaks), max(peaks), "mib"))
    peers = [meds[p] for p in PEERS if meds.get(p)]
    rows.append("| peak RSS over the cycle (MiB) | " + " | ".join(cells)
                + f" | {ratio(meds.get('flux'), min(peers) if peers else None)} | "
                + ratio(meds.get("flux"), meds.get("floor")) + " |")
    sizes = res["sizes"]
    best_size = min(sizes[p] for p in PEERS)
    rows.append("| binary size (MB) | " + " | ".join(f"{sizes[t] / 1e6:.1f}" for t in tools)
                + f" | {ratio(sizes['flux'], best_size)} | {ratio(sizes['flux'], sizes['floor'])} |")
    # Which tools planned the create on a cluster without the objects (and their CRDs).
    can_plan = []
    for t in tools:
        if t == "floor":
            continue
        plans = [c["plan"] for c in cyc[t] if "plan" in c]
        ok = sum(1 for p in plans if p["rc"] in (0, 2))
        staged = any(c.get("staged") for c in cyc[t])
        can_plan.append(f"{LABEL[t]}: {'yes' if ok == len(plans) else f'no ({len(plans) - ok}/{len(plans)} plans failed)'}"
                        + (" — applied in two steps, `-target=kubernetes_manifest.first` then all" if staged else ""))
    drift = []
    for t in tools:
        if t == "floor":
            continue
        changed = [c["noop"]["plan"] for c in cyc[t] if "noop" in c and c["noop"]["rc"] == 2]
        if changed:
            drift.append(f"{LABEL[t]}: the plan after apply was not empty in {len(changed)}/{len(cyc[t])} cycles "
                         f"(first: {changed[0][0]} to add, {changed[0][1]} to change, {changed[0][2]} to destroy)")
        left = [c["leftover"] for c in cyc[t] if c.get("leftover")]
        if left:
            drift.append(f"{LABEL[t]}: destroy left {max(left)} of {n} objects in place (deleted by the cleanup)")
    for t in ["floor"] if "floor" in tools else []:
        left = [c["leftover"] for c in cyc[t] if c.get("leftover")]
        if left:
            drift.append(f"SSA floor: --delete left {max(left)} objects (deleted by the cleanup)")
    return rows, notes, can_plan, drift, net, refresh_req


def report(res):
    m, v = res["machine"], res["versions"]
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = ["<!-- peers:begin -->", "## Side by side with the peers", ""]
    out.append(
        f"`RUNS={res['runs']} {COMMAND}` on {date}: {m['nproc']} cores ({m['cpu']}), "
        f"{m['mem_gib']:.0f} GiB, Linux {m['kernel']}; OpenTofu {v['tofu']}, kube-apiserver {v['kube']} "
        f"(the test bed: etcd, kube-apiserver, kube-controller-manager on loopback, no kubelet); "
        f"hashicorp/kubernetes {v['kubernetes']}, alekc/kubectl {v['kubectl']} (both built from the Go "
        f"module proxy by `testbed.sh build-peers`); our release provider at {v['flux']}. "
        f"The whole run took {res['elapsed'] / 60:.0f} min (builds excluded); the 1-minute load "
        f"average was {m.get('load', 0):.1f} at its start and {res.get('load_end', 0):.1f} at its end.")
    out.append("")
    out.append(
        "Every tool applies the same objects: the ones our resource renders (`flux-render`, the "
        "plan's own rendering), written to JSON and given to each peer as one resource per object "
        "(`for_each` over the file), and to the floor (`ssa-floor`). One control plane serves the "
        "whole run; the tools take turns (round robin, "
        f"{res['runs']} cycles each) and each cycle starts from the same empty cluster: between cycles every "
        "object is deleted and the run waits until all are gone, Namespaces and CRDs included. "
        "Figures are the median over the cycles, the spread (min–max) in brackets; a failed phase is "
        "counted as such, not timed.")
    out.append("")
    base = res["baseline"]
    out.append(
        f"The CLI's own start-up, `tofu plan` / `tofu apply -auto-approve` of an empty configuration "
        f"(`terraform {{}}`): {fmt(med(base['plan']), min(base['plan']), max(base['plan']), 's')} s / "
        f"{fmt(med(base['apply']), min(base['apply']), max(base['apply']), 's')} s. "
        "\"Net\" apply is the apply minus the latter (for the Terraform tools; the floor has no CLI).")
    out.append("")
    goals = []
    for name, sc in res["scenarios"].items():
        rows, notes, can_plan, drift, net, refresh_req = scenario_table(name, sc, res)
        kinds = ", ".join(f"{k} {c}" for k, c in sorted(sc["kinds"].items(), key=lambda x: -x[1]))
        out.append(f"### {sc['title']}: {sc['objects']} objects")
        out.append("")
        out.append(f"{kinds}. " + (
            "Config: `flux_aio` with `wait = false` (no kubelet: Deployments never roll out) and the "
            "distribution from the local registry; the peers' configuration sets no rollout wait either."
            if name == "aio" else
            f"Config: {TENANTS} `flux_tenant` (`name = namespace = tNN`, "
            "other attributes at their defaults) in one state, `for_each` over a list."))
        out.append("")
        out.extend(rows)
        out.append("")
        nc = sc.get("nocluster", {})
        if nc:
            out.append("Can plan the create with no cluster reachable (kubeconfig server on a closed "
                       "port): " + "; ".join(
                           f"{LABEL[t]}: " + ("yes" if r["rc"] in (0, 2) else f"no ({r['error']})")
                           for t, r in nc.items()) + ".")
            out.append("")
        out.append("Can plan the create on a cluster that has none of the objects"
                   + (" (nor their CRDs)" if sc["crds"] else "") + ": " + "; ".join(can_plan) + ".")
        if sc["custom"] == 0 and sc["crds"]:
            out.append("The set holds CRDs but no custom resources, so the peers need no wait "
                       "for the CRDs to be established (flux_aio and the floor wait anyway).")
        rates = {}
        for t in sc["cycles"]:
            rs = [c[p]["requests"] / c[p]["wall"] for c in sc["cycles"][t] for p in ("apply", "noop")
                  if p in c and c[p]["rc"] in (0, 2) and c[p]["wall"] > 0 and c[p]["requests"]]
            if rs:
                rates[t] = med(rs)
        if rates:
            out.append("Request rate of the apply and the no-op plan (requests per second of wall, median): "
                       + "; ".join(f"{LABEL[t]} {r:.0f}" for t, r in rates.items()) + "."
                       + (" kubernetes_manifest's rate is client-go's default client-side limit "
                          "(5 requests/s, burst 10), which hashicorp/kubernetes' manifest client keeps "
                          "(the provider has no setting for it): its wall times follow its request "
                          "counts." if 0 < rates.get("kubernetes", 0) <= 6 else ""))
        for d in drift:
            out.append(f"- {d}")
        if notes:
            out.append("")
            out.append("Errors, verbatim (the first of each failed phase: summary (resource): detail):")
            for e in dict.fromkeys(notes):
                out.append(f"- {e}")
        out.append("")
        goals.append((name, sc, net, refresh_req))
    out.append("### Against the goals")
    out.append("")
    for name, sc, net, refresh_req in goals:
        cyc = sc["cycles"]
        n = sc["objects"]
        ours = stats(cyc.get("flux", []), "apply", "wall")[0]
        floor = stats(cyc.get("floor", []), "apply", "wall")[0]
        parts = []
        if net.get("flux") is not None and floor:
            r = net["flux"] / floor
            parts.append(f"net apply {r:.2f}× the floor ({'met' if r <= 1.5 else 'not met'}: ≤ 1.5×)")
        for peer, goal in (("kubernetes", 50), ("kubectl", 10)):
            p = stats(cyc.get(peer, []), "apply", "wall")[0]
            if p and ours and n >= 200:  # the goal is set at 200 objects
                r = p / ours
                parts.append(f"{r:.1f}× faster than {LABEL[peer]} ({'met' if r >= goal else 'not met'}: ≥ {goal}×)")
            elif p and ours:
                parts.append(f"{p / ours:.1f}× faster than {LABEL[peer]} (the ≥ {goal}× goal is set at 200 objects)")
            elif ours and cyc.get(peer):
                parts.append(f"{LABEL[peer]} failed the apply")
        peaks = {}
        for t in ["flux", *PEERS]:
            if t in cyc:
                peaks[t] = med([max((c[p]["rss_kib"] or 0) for p in PHASES if p in c) for c in cyc[t]])
        if peaks.get("flux"):
            worst = max((peaks["flux"] / peaks[p] for p in PEERS if peaks.get(p)), default=None)
            if worst is not None:
                parts.append(f"peak RSS at most {worst:.2f} of a peer's ({'met' if worst <= 0.2 else 'not met'}: ≤ 0.2)")
        if refresh_req is not None:
            parts.append(f"refresh {refresh_req / n:.2f} requests per object "
                         f"({'met' if refresh_req <= n else 'not met'}: ≤ 1)")
        out.append(f"- {sc['title']} ({n} objects): " + "; ".join(parts) + ".")
    out.append("")
    out.append("### How each figure was made")
    out.append("")
    out.extend([
        "- Working directories: one per tool, with a `main.tf` written by `bench/peers.py`; every "
        "provider is installed through one `dev_overrides` CLI configuration (`TF_CLI_CONFIG_FILE`), so "
        "no `tofu init` and no registry; OpenTofu's `-parallelism` is left at its default (10).",
        "- plan (create): `tofu plan -detailed-exitcode -input=false -no-color` on an empty state, the "
        "cluster holding none of the objects.",
        "- apply: `tofu apply -auto-approve -input=false -no-color` (it plans again); for "
        "kubernetes_manifest when its plan failed, `tofu apply -auto-approve "
        "-target=kubernetes_manifest.first` then `tofu apply -auto-approve`, timed together. "
        "Floor: `ssa-floor <kubeconfig> <objects.json>`, one process for flux_aio's objects (ours applies "
        "them one at a time), ten in parallel for the tenants (a tenant's objects in one process, tenants "
        "spread over ten: OpenTofu's ten instances at a time, each applying its objects one at a time).",
        "- no-op plan: `tofu plan -detailed-exitcode` right after the apply (exit 0 expected).",
        "- refresh: `tofu apply -refresh-only -auto-approve`.",
        "- destroy: `tofu destroy -auto-approve`; floor: `ssa-floor <kubeconfig> <objects.json> "
        "--delete` (no wait for the Namespaces to go; our resources and kubernetes_manifest wait for "
        "what they delete, kubectl_manifest with its default `wait = false` does not).",
        "- wall: from the command's start to its exit (Python `time.perf_counter`), so it includes "
        "OpenTofu's start-up and the providers' start-ups.",
        "- API requests: the apiserver's audit log (`--audit-log-format=json`, policy `level: "
        "Metadata` for everything, stages RequestReceived and ResponseStarted omitted, so one "
        "`ResponseComplete` event per request, watches included when they end). A phase counts "
        "the events written between its start and 0.5 s after its end, except those of the "
        "control plane's own clients: user agent starting `kube-controller-manager` (it uses the "
        "test bed's admin kubeconfig, the tools' user, so the user cannot tell them apart) or "
        "`kube-apiserver` (the loopback client, user `system:apiserver`), or user `system:apiserver`. "
        "What is left are the tools' agents only: `terraform-provider-kubernetes/…` and "
        "`Go-http-client/2.0` (hashicorp/kubernetes' two clients), `HashiCorp/1.0 Terraform/…` "
        "(alekc/kubectl), and none at all (an empty user agent: our provider and ssa-floor, both on "
        "kube-rs); the per-phase agents and verbs are in the raw figures. Nothing else talks to the apiserver during "
        "a phase: the cleanup runs between phases.",
        "- provider peak RSS: each provider binary is replaced in its `dev_overrides` directory by a "
        "wrapper of the same name, `exec /usr/bin/time -f %M -a -o $BENCH_RSS_FILE <real binary>`; "
        "the figure is the largest maximum resident set size (getrusage of the ended child, KiB) "
        "over the provider processes the phase started (OpenTofu starts a provider several times per "
        "command). The same for every provider; the wrapper costs an exec of `sh` and of `time`, "
        "about a millisecond per provider start. The floor's figure is ssa-floor's, measured the same way.",
        "- binary size: `stat -c %s` of the binary (ours: the release build; the peers: "
        "`go build -trimpath -ldflags \"-s -w\"`).",
        "- ours / best peer: our median over the lower of the two peers' medians (a peer that "
        "failed the figure is left out); ours / floor: our median, net of the CLI's start-up for the "
        "apply row only, over the floor's.",
        "- our flux_aio reads the distribution from a local registry (`docker-registry`, the "
        "artifact pushed by `push-flux-artifact`); its artifact cache (`FLUX_PROVIDER_CACHE_DIR`) is "
        "warm, filled by `flux-render` before the first cycle, as it is after a first plan on any machine.",
    ])
    out.append("<!-- peers:end -->")
    return "\n".join(out)


def write_doc(section):
    if DOC.exists():
        text = DOC.read_text()
    else:
        text = ("# Benchmarks\n\n"
                "How fast the provider is, how much it asks of the API server and how much memory it "
                "takes, measured on the acceptance test bed (`acceptance-tests/testbed.sh`: a real "
                "etcd, kube-apiserver and kube-controller-manager on loopback, real OpenTofu). Each "
                "section names the script that produced it; rerun it to refresh the figures.\n")
    if "<!-- peers:begin -->" in text:
        text = re.sub(r"<!-- peers:begin -->.*?<!-- peers:end -->", lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--report":
        res = json.loads(Path(sys.argv[2]).read_text())
        section = report(res)
        write_doc(section)
        print(section)
        return
    bench = Bench()
    results_path = Path(ENV.get("PEERS_RESULTS", "/tmp/flux-peers-results.json"))
    try:
        res = bench.main()
    finally:
        bench.stop()
        if ENV.get("KEEP_RUN") != "1":
            shutil.rmtree(bench.run, ignore_errors=True)
        else:
            log(f"kept {bench.run}")
    results_path.write_text(json.dumps(res, indent=1, default=str))
    log(f"raw figures in {results_path}")
    section = report(res)
    write_doc(section)
    print(section)


if __name__ == "__main__":
    main()
