#!/usr/bin/env python3
"""Text stubs (.tbd) of the Apple frameworks the provider links, for linking a macOS binary
without a macOS SDK (scripts/release.sh).

    python3 scripts/macos-stubs.py OUT TARGET   ->   OUT/<Framework>.framework/<Framework>.tbd

A stub names the framework's install path and the symbols it exports. The symbols are every
function and static that the crates binding the framework declare (the -sys crates in the
dependency graph for TARGET, found with `cargo metadata`), a superset of what the binary imports:
the linker binds each import to the framework that exports it (two-level namespace) and dyld
resolves it in the real framework at run time. A framework the graph binds but that is not
listed here fails the link ("unable to find system framework"), which is the cue to add it."""
import json
import os
import re
import subprocess
import sys

# crate that binds the framework -> framework
FRAMEWORKS = {"security-framework-sys": "Security", "core-foundation-sys": "CoreFoundation"}
# Every architecture the release builds for macOS (arm64e: zig's own libSystem stub lists it).
TARGETS = "[ x86_64-macos, arm64-macos, arm64e-macos ]"
DECLARATION = re.compile(r"\b(?:fn|static)\s+(\w+)\s*[(:<]")


def main():
    out, target = sys.argv[1], sys.argv[2]
    meta = json.loads(subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", target]))
    symbols = {}
    for pkg in meta["packages"]:
        framework = FRAMEWORKS.get(pkg["name"])
        if not framework:
            continue
        src = os.path.join(os.path.dirname(pkg["manifest_path"]), "src")
        found = symbols.setdefault(framework, set())
        for root, _, files in os.walk(src):
            for f in files:
                if f.endswith(".rs"):
                    with open(os.path.join(root, f), encoding="utf-8") as text:
                        found.update(DECLARATION.findall(text.read()))
    for framework, names in symbols.items():
        d = os.path.join(out, f"{framework}.framework")
        os.makedirs(d, exist_ok=True)
        stub = (
            "--- !tapi-tbd\n"
            "tbd-version:     4\n"
            f"targets:         {TARGETS}\n"
            f"install-name:    '/System/Library/Frameworks/{framework}.framework/Versions/A/{framework}'\n"
            "exports:\n"
            f"  - targets:         {TARGETS}\n"
            "    symbols:         [ " + ", ".join("_" + n for n in sorted(names)) + " ]\n"
            "...\n"
        )
        path = os.path.join(d, f"{framework}.tbd")
        # Rewritten only when it changes, so cargo sees an unchanged link input.
        if not os.path.exists(path) or open(path, encoding="utf-8").read() != stub:
            with open(path, "w", encoding="utf-8") as f:
                f.write(stub)


if __name__ == "__main__":
    main()
