#!/usr/bin/env python3
"""Assembles the Flux test data from Go modules served by the Go module proxy.

    assemble-testdata.py OUT [FLUX_VERSION]

Writes OUT (replacing it atomically) in the layout the tests read:

    OUT/flux-crds/<controller>/*.yaml           config/crd/bases of source-, kustomize-,
                                                helm- and notification-controller
    OUT/flux-manifests/v<FLUX_VERSION>/*.yaml   the per-component release files

Nothing is fetched from outside the module proxy. The flux2 module (github.com/fluxcd/flux2/v2)
holds the recipe of its release asset manifests.tar.gz: manifests/bases/<component> (the
controller's release files by URL, a ServiceAccount, a label transformer and JSON patches),
manifests/rbac and manifests/policies, each built with `kustomize build`. The URLs name each
controller's tag; its `<name>.crds.yaml` and `<name>.deployment.yaml` release files are the
`kustomize build` of config/crd and config/manager in that controller's module at that tag.
This script does those builds with the small part of kustomize the recipe uses, and fails on
anything else rather than guess.

Python 3.11 standard library only: the YAML it parses (kustomizations, patches, manifests written
by hand) is a block-style subset read by a small parser here; CRDs, written by controller-gen,
are kept as text and only get their labels added.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The CRDs laid out as flux-crds/<controller>/: the controllers the acceptance test bed runs.
CRD_CONTROLLERS = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"]

RELEASE_URL = re.compile(
    r"^https://github\.com/fluxcd/(?P<repo>[a-z0-9-]+)/releases/download/(?P<tag>v[^/]+)/"
    r"(?P=repo)\.(?P<what>crds|deployment)\.yaml$"
)


class Unsupported(ValueError):
    """YAML or kustomize input outside the subset this script handles."""


# --------------------------------------------------------------------------------------------
# Go modules


def module_path(repo: str, tag: str) -> str:
    """The module path of a fluxcd repository at a tag (v2+ modules end in /vN)."""
    major = int(tag[1:].split(".")[0])
    return f"github.com/fluxcd/{repo}" + (f"/v{major}" if major >= 2 else "")


_modules: dict[str, dict] = {}


def download(repo: str, tag: str) -> Path:
    """The extracted module directory of github.com/fluxcd/<repo> at <tag>, via `go mod download`."""
    mod = f"{module_path(repo, tag)}@{tag}"
    if mod not in _modules:
        # Outside any module, so no go.mod (the repository has none, but be sure) is consulted.
        out = subprocess.run(
            ["go", "mod", "download", "-json", mod],
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
        )
        info = json.loads(out.stdout) if out.stdout.strip() else {}
        if out.returncode != 0 or "Error" in info or "Dir" not in info:
            sys.exit(f"assemble-testdata: go mod download {mod}: {info.get('Error') or out.stderr.strip()}")
        _modules[mod] = info
    return Path(_modules[mod]["Dir"])


# --------------------------------------------------------------------------------------------
# A block-style YAML subset: mappings, sequences, plain and quoted scalars, flow collections of
# scalars, comments. No block scalars, anchors, tags or multi-line scalars.

INT = re.compile(r"^[-+]?[0-9]+$")
FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def resolve_plain(s: str):
    """A plain scalar's value under the YAML 1.2 core schema."""
    if s in ("null", "Null", "NULL", "~", ""):
        return None
    if s in ("true", "True", "TRUE"):
        return True
    if s in ("false", "False", "FALSE"):
        return False
    if INT.match(s):
        return int(s)
    if FLOAT.match(s):
        return float(s)
    return s


def strip_comment(line: str) -> str:
    """The line without a trailing comment (a # at the start or after a space, outside quotes)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"" and (i == 0 or line[i - 1] in " [{,:-"):
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def split_top(s: str, sep: str) -> list[str]:
    """Splits s at sep outside quotes and brackets."""
    parts, depth, quote, cur = [], 0, None, ""
    for c in s:
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        cur += c
    parts.append(cur)
    return parts


def key_split(content: str):
    """(key, rest) if the content is a mapping entry `key: rest` or `key:`, else None."""
    quote = None
    for i, c in enumerate(content):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"" and i == 0:
            quote = c
        elif c in "[{" and i == 0:
            return None
        elif c == ":" and (i + 1 == len(content) or content[i + 1] == " "):
            return scalar(content[:i].strip()), content[i + 1 :].strip()
    return None


def scalar(s: str):
    """A scalar or flow collection written on one line."""
    if s.startswith("["):
        if not s.endswith("]"):
            raise Unsupported(f"flow sequence {s!r}")
        inner = s[1:-1].strip()
        return [scalar(p.strip()) for p in split_top(inner, ",")] if inner else []
    if s.startswith("{"):
        if not s.endswith("}"):
            raise Unsupported(f"flow mapping {s!r}")
        inner, out = s[1:-1].strip(), {}
        for p in split_top(inner, ",") if inner else []:
            kv = key_split(p.strip())
            if kv is None:
                raise Unsupported(f"flow mapping entry {p!r}")
            out[kv[0]] = scalar(kv[1])
        return out
    if s.startswith('"'):
        if len(s) < 2 or not s.endswith('"'):
            raise Unsupported(f"double-quoted scalar {s!r}")
        try:
            return json.loads(s)  # JSON's escapes are a subset of YAML's
        except json.JSONDecodeError as e:
            raise Unsupported(f"double-quoted scalar {s!r}: {e}") from None
    if s.startswith("'"):
        if len(s) < 2 or not s.endswith("'"):
            raise Unsupported(f"single-quoted scalar {s!r}")
        return s[1:-1].replace("''", "'")
    if s[:1] in ("|", ">", "&", "*", "!", "%", "@", "`"):
        raise Unsupported(f"scalar {s!r}")
    return resolve_plain(s)


def is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def parse_block(lines: list, i: int, indent: int):
    if is_item(lines[i][1]):
        return parse_seq(lines, i, indent)
    return parse_map(lines, i, indent)


def parse_seq(lines: list, i: int, indent: int):
    items = []
    while i < len(lines) and lines[i][0] == indent and is_item(lines[i][1]):
        _, content, no = lines[i]
        rest = content[1:].lstrip()
        if not rest:
            i += 1
            if i >= len(lines) or lines[i][0] <= indent:
                items.append(None)
                continue
            value, i = parse_block(lines, i, lines[i][0])
        elif is_item(rest) or key_split(rest) is not None:
            # The item is a block starting on the dash's line: continue it at its column.
            lines[i] = (indent + len(content) - len(rest), rest, no)
            value, i = parse_block(lines, i, lines[i][0])
        else:
            value, i = scalar(rest), i + 1
        items.append(value)
    if i < len(lines) and lines[i][0] > indent:
        raise Unsupported(f"line {lines[i][2]}: unexpected indentation")
    return items, i


def parse_map(lines: list, i: int, indent: int):
    out = {}
    while i < len(lines) and lines[i][0] == indent and not is_item(lines[i][1]):
        _, content, no = lines[i]
        kv = key_split(content)
        if kv is None:
            raise Unsupported(f"line {no}: expected `key: value`, got {content!r}")
        key, rest = kv
        i += 1
        if rest:
            value = scalar(rest)
            if i < len(lines) and lines[i][0] > indent:
                raise Unsupported(f"line {lines[i][2]}: multi-line scalars are not handled")
        elif i < len(lines) and lines[i][0] > indent:
            value, i = parse_block(lines, i, lines[i][0])
        elif i < len(lines) and lines[i][0] == indent and is_item(lines[i][1]):
            value, i = parse_seq(lines, i, indent)
        else:
            value = None
        if key in out:
            raise Unsupported(f"line {no}: duplicate key {key!r}")
        out[key] = value
    if i < len(lines) and lines[i][0] > indent:
        raise Unsupported(f"line {lines[i][2]}: unexpected indentation")
    return out, i


def split_documents(text: str) -> list[str]:
    """The non-empty documents of a stream, as text."""
    docs = re.split(r"(?m)^---[ \t]*$\n?", text)
    return [d for d in docs if any(strip_comment(l).strip() for l in d.splitlines())]


def parse_document(text: str, where: str):
    lines = []
    for no, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise Unsupported(f"{where}:{no}: tab indentation")
        content = strip_comment(raw)
        if content.strip():
            lines.append((len(content) - len(content.lstrip(" ")), content.strip(), no))
    try:
        value, i = parse_block(lines, 0, lines[0][0])
        if i != len(lines):
            raise Unsupported(f"line {lines[i][2]}: unexpected content")
    except Unsupported as e:
        raise Unsupported(f"{where}: {e}") from None
    return value


def load(path: Path) -> list:
    """The documents of a YAML file: dicts, or Crd for CustomResourceDefinitions."""
    docs = []
    for text in split_documents(path.read_text()):
        if re.search(r"(?m)^kind: CustomResourceDefinition\s*$", text):
            docs.append(Crd(text, str(path)))
        else:
            docs.append(parse_document(text, str(path)))
    return docs


# --------------------------------------------------------------------------------------------
# Output: block style, sorted keys, sequences at their key's indentation, quoting as go-yaml
# does (what `kustomize build` writes).

PLAIN_UNSAFE_START = set("[]{},#&*!|>'\"%@`")


def quote(s: str) -> str:
    if s == "" or not isinstance(resolve_plain(s), str):
        return json.dumps(s)
    if any(c == "\n" or not c.isprintable() for c in s):
        return json.dumps(s, ensure_ascii=False)
    if (
        s[0] in PLAIN_UNSAFE_START
        or s[0] in " -?:" and (len(s) == 1 or s[1] == " ")
        or s != s.strip()
        or ": " in s
        or " #" in s
        or s.endswith(":")
    ):
        return "'" + s.replace("'", "''") + "'"
    return s


def emit_scalar(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return quote(v)
    if v == {}:
        return "{}"
    if v == []:
        return "[]"
    raise TypeError(v)


def is_block(v) -> bool:
    return isinstance(v, (dict, list)) and len(v) > 0


def emit(v, indent: int = 0) -> list[str]:
    pad = " " * indent
    lines = []
    if isinstance(v, dict):
        for k in sorted(v):
            key = quote(k) if isinstance(k, str) else emit_scalar(k)
            item = v[k]
            if isinstance(item, dict) and item:
                lines += [f"{pad}{key}:"] + emit(item, indent + 2)
            elif isinstance(item, list) and item:
                lines += [f"{pad}{key}:"] + emit(item, indent)
            else:
                lines.append(f"{pad}{key}: {emit_scalar(item)}")
    else:
        for item in v:
            if is_block(item):
                sub = emit(item, indent + 2)
                lines += [f"{pad}- {sub[0][indent + 2 :]}"] + sub[1:]
            else:
                lines.append(f"{pad}- {emit_scalar(item)}")
    return lines


# --------------------------------------------------------------------------------------------
# Resources


class Crd:
    """A CustomResourceDefinition kept as controller-gen wrote it; only its labels change."""

    def __init__(self, text: str, where: str):
        self.lines = text.rstrip("\n").splitlines()
        self.where = where
        if "metadata:" not in self.lines:
            raise Unsupported(f"{where}: a CRD without metadata")
        self.meta = self.lines.index("metadata:")
        name = [l[len("  name: ") :] for l in self.metadata_lines() if l.startswith("  name: ")]
        if len(name) != 1:
            raise Unsupported(f"{where}: a CRD without one metadata.name")
        self.name = scalar(name[0])

    def metadata_lines(self) -> list[str]:
        out = []
        for l in self.lines[self.meta + 1 :]:
            if l and not l.startswith(" "):
                break
            out.append(l)
        return out

    def add_labels(self, labels: dict):
        block = self.metadata_lines()
        start, end = self.meta + 1, self.meta + 1 + len(block)
        keys = [(start + j, l) for j, l in enumerate(block) if re.match(r"^  [^ #]", l)]
        existing = [i for i, l in keys if l == "  labels:"]
        merged = {}
        if existing:
            i = existing[0]
            j = i + 1
            while j < end and self.lines[j].startswith("    "):
                kv = key_split(self.lines[j].strip())
                if kv is None:
                    raise Unsupported(f"{self.where}: CRD label line {self.lines[j]!r}")
                merged[kv[0]] = kv[1]
                j += 1
            del self.lines[i:j]
            at = i
        else:
            # kustomize writes keys sorted: labels go before the first key after them.
            after = [i for i, l in keys if l.strip().split(":")[0] > "labels"]
            at = after[0] if after else end
        merged.update({k: quote(v) for k, v in labels.items()})
        self.lines[at:at] = ["  labels:"] + [f"    {quote(k)}: {v}" for k, v in sorted(merged.items())]

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def kind_of(doc) -> str:
    return "CustomResourceDefinition" if isinstance(doc, Crd) else doc.get("kind", "")


def name_of(doc) -> str:
    return doc.name if isinstance(doc, Crd) else (doc.get("metadata") or {}).get("name", "")


# kustomize's legacy output order: these kinds first, in this order; then the others by
# group/version/kind; then by namespace and name.
ORDER_FIRST = [
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
    "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap",
    "Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
    "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
]  # fmt: skip
ORDER_LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]


def legacy_order(doc):
    kind = kind_of(doc)
    if kind in ORDER_FIRST:
        rank = ORDER_FIRST.index(kind) - len(ORDER_FIRST)
    elif kind in ORDER_LAST:
        rank = 1 + ORDER_LAST.index(kind)
    else:
        rank = 0
    api = "apiextensions.k8s.io/v1" if isinstance(doc, Crd) else doc.get("apiVersion", "")
    ns = "" if isinstance(doc, Crd) else (doc.get("metadata") or {}).get("namespace", "")
    return (rank, f"{api}/{kind}", ns or "", name_of(doc))


def write_stream(docs: list, path: Path):
    texts = [d.text() if isinstance(d, Crd) else "\n".join(emit(d)) + "\n" for d in docs]
    path.write_text("---\n".join(texts))


# --------------------------------------------------------------------------------------------
# The kustomize subset


def add_labels(doc, labels: dict, field_specs: list):
    """The builtin LabelTransformer: labels at each field spec's path (kind filter, create)."""
    for spec in field_specs:
        if spec.get("kind") not in (None, kind_of(doc)):
            continue
        unknown = set(spec) - {"path", "kind", "create"}
        if unknown or spec.get("create") is not True:
            raise Unsupported(f"label field spec {spec}")
        if isinstance(doc, Crd):
            if spec["path"] != "metadata/labels":
                raise Unsupported(f"label path {spec['path']} on a CRD")
            doc.add_labels(labels)
            continue
        node = doc
        for part in spec["path"].split("/"):
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
        node.update(labels)


def json_patch(doc, ops: list, where: str):
    """RFC 6902 add, replace and remove, as kustomize's JSON patches."""
    if isinstance(doc, Crd):
        raise Unsupported(f"{where}: JSON patch on a CRD")
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1]
        if op["op"] == "add":
            if isinstance(parent, list):
                parent.insert(len(parent) if last == "-" else int(last), op["value"])
            else:
                parent[last] = op["value"]
        elif op["op"] == "replace":
            parent[int(last) if isinstance(parent, list) else last] = op["value"]
        elif op["op"] == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        else:
            raise Unsupported(f"{where}: patch op {op['op']}")


def set_images(doc, images: list):
    """The images transformer, on the containers of a pod template."""
    if isinstance(doc, Crd):
        return
    pod = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
    for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
        name = re.split(r"[:@]", c.get("image", ""), maxsplit=1)[0]
        for img in images:
            if img["name"] == name:
                unknown = set(img) - {"name", "newName", "newTag"}
                if unknown:
                    raise Unsupported(f"image fields {unknown}")
                c["image"] = f"{img.get('newName', name)}:{img['newTag']}" if "newTag" in img else img.get("newName", name)


def matches(doc, target: dict) -> bool:
    """Whether a resource is a patch's target (group, version, kind, name; all given must match)."""
    api = "apiextensions.k8s.io/v1" if isinstance(doc, Crd) else doc.get("apiVersion", "")
    group, _, version = api.rpartition("/")
    have = {"group": group, "version": version, "kind": kind_of(doc), "name": name_of(doc)}
    unknown = set(target) - set(have)
    if unknown:
        raise Unsupported(f"patch target fields {sorted(unknown)}")
    return all(have[f] == v for f, v in target.items())


def build(directory: Path, sources: dict) -> list:
    """`kustomize build` of a directory, for what the flux2 recipe and controller configs use."""
    kfile = directory / "kustomization.yaml"
    [k] = [parse_document(t, str(kfile)) for t in split_documents(kfile.read_text())]
    unknown = set(k) - {"apiVersion", "kind", "resources", "transformers", "patches", "images"}
    if unknown:
        raise Unsupported(f"{kfile}: kustomization fields {sorted(unknown)}")
    docs = []
    for res in k.get("resources") or []:
        m = RELEASE_URL.match(res)
        if m:
            module = download(m["repo"], m["tag"])
            sources[m["repo"]] = m["tag"]
            docs += build(module / "config" / ("crd" if m["what"] == "crds" else "manager"), sources)
        elif "://" in res:
            raise Unsupported(f"{kfile}: remote resource {res}")
        elif (directory / res).is_dir():
            docs += build(directory / res, sources)
        else:
            docs += load(directory / res)
    for t in k.get("transformers") or []:
        for tr in load(directory / t):
            if tr.get("kind") != "LabelTransformer":
                raise Unsupported(f"{directory / t}: transformer {tr.get('kind')}")
            for doc in docs:
                add_labels(doc, tr["labels"], tr["fieldSpecs"])
    for p in k.get("patches") or []:
        target, path = p.get("target") or {}, directory / p["path"]
        [ops] = load(path)
        if not isinstance(ops, list):
            raise Unsupported(f"{path}: only JSON 6902 patches are handled")
        for doc in docs:
            if matches(doc, target):
                json_patch(doc, ops, str(path))
    for doc in docs:
        set_images(doc, k.get("images") or [])
    return docs


# --------------------------------------------------------------------------------------------


def assemble(out: Path, version: str):
    flux2 = download("flux2", f"v{version}")
    manifests = flux2 / "manifests"
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    try:
        sources: dict[str, str] = {}
        release = tmp / "flux-manifests" / f"v{version}"
        release.mkdir(parents=True)
        # As flux2's manifests/scripts/bundle.sh: each base, then rbac and policies.
        for base in sorted(p for p in (manifests / "bases").iterdir() if p.is_dir()):
            docs = sorted(build(base, sources), key=legacy_order)
            write_stream(docs, release / f"{base.name}.yaml")
        for extra in ("rbac", "policies"):
            write_stream(sorted(build(manifests / extra, {}), key=legacy_order), release / f"{extra}.yaml")

        crds = tmp / "flux-crds"
        for c in CRD_CONTROLLERS:
            if c not in sources:
                sys.exit(f"assemble-testdata: flux2 v{version} names no {c} release")
            (crds / c).mkdir(parents=True)
            for f in sorted((download(c, sources[c]) / "config" / "crd" / "bases").glob("*.yaml")):
                shutil.copyfile(f, crds / c / f.name)

        mods = [f"{module_path('flux2', 'v' + version)}@v{version}"] + [
            f"{module_path(r, t)}@{t}" for r, t in sorted(sources.items())
        ]
        lines = ["# Generated by acceptance-tests/assemble-testdata.py; do not edit.", ""]
        lines += [f"From the Go module proxy (`go mod download`), Flux v{version}'s release recipe:", ""]
        lines += [f"- `{m}` {_modules[m]['Sum']}" for m in mods]
        (tmp / "SOURCE.md").write_text("\n".join(lines) + "\n")
        # The files are fluxcd's Apache-2.0 output; keep the licence with them.
        shutil.copyfile(flux2 / "LICENSE", tmp / "LICENSE")
        for d in tmp.rglob("*"):
            d.chmod(0o755 if d.is_dir() else 0o644)
        tmp.chmod(0o755)

        # Swap in the new tree only when complete, so readers never see half of it.
        old = out.with_name(out.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if out.exists():
            out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"assemble-testdata: Flux v{version} test data in {out} from " + ", ".join(mods), file=sys.stderr)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.split("\n\n")[1])
    out = Path(sys.argv[1]).absolute()
    version = (sys.argv[2] if len(sys.argv) == 3 else "2.9.4").lstrip("v")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        assemble(out, version)
    except Unsupported as e:
        sys.exit(f"assemble-testdata: {e}")


if __name__ == "__main__":
    main()
