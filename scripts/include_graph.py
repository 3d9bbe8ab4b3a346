#!/usr/bin/python3
"""Which berth library includes which, read from the real #include lines.

Every file under include/berth/ and src/ belongs to one library by its folder (LIBRARY_OF
below; files at the top of include/berth/ and src/ are berth_model's). A public header's
includes are what the library exposes (CMake PUBLIC); a source's or internal header's are
what it only uses (PRIVATE). Prints the Markdown table kept in docs/architecture.md.

  scripts/include_graph.py            # the table
  scripts/include_graph.py --check    # exit 1 if src/CMakeLists.txt's berth_library() lines
                                      # do not declare exactly these edges (PUBLIC vs PRIVATE)
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Folder under include/berth/ (and src/) -> library. constraint/ belongs to model (the model's
# types hold constraints); explain/ to place (placement results carry diagnoses, and the
# explanations are computed by the Placer).
LIBRARY_OF = {
    "model": "model", "constraint": "model", "": "model",
    "place": "place", "explain": "place",
    "io": "io", "fleet": "fleet", "pack": "pack", "ops": "ops",
    "plan": "plan", "state": "state", "serve": "serve",
}
ORDER = ["model", "place", "io", "fleet", "pack", "ops", "plan", "state", "serve"]
EXTERNAL = {  # include prefix -> the package CMake finds for it
    "nlohmann/": "nlohmann_json", "fmt/": "fmt", "boost/": "Boost",
    "sqlite3.h": "SQLite3", "httplib.h": "httplib",
}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def library_of(path: pathlib.Path, base: pathlib.Path):
    rel = path.relative_to(base)
    folder = rel.parts[0] if len(rel.parts) > 1 else ""
    if rel.name in ("berth.hpp", "export.hpp") and folder == "":
        return None  # the umbrella header includes everything on purpose; export.hpp is a macro
    return LIBRARY_OF.get(folder)


def scan():
    """{library: {"public": set, "private": set}} of libraries and external packages."""
    edges = {lib: {"public": set(), "private": set()} for lib in ORDER}
    files = [(p, ROOT / "include/berth", "public") for p in (ROOT / "include/berth").rglob("*.hpp")]
    files += [(p, ROOT / "src", "private") for p in (ROOT / "src").rglob("*") if p.suffix in (".cpp", ".hpp")]
    for path, base, kind in files:
        lib = library_of(path, base)
        if lib is None:
            continue
        for inc in INCLUDE.findall(path.read_text()):
            target = None
            if inc.startswith("berth/"):
                target = library_of(ROOT / "include" / inc, ROOT / "include/berth")
            else:
                target = next((pkg for prefix, pkg in EXTERNAL.items() if inc.startswith(prefix)), None)
            if target and target != lib:
                edges[lib][kind].add(target)
    for lib in ORDER:  # what a public header exposes need not be listed again as private
        edges[lib]["private"] -= edges[lib]["public"]
    return edges


def names(items):
    libs = [f"berth_{x}" for x in ORDER if x in items]
    return libs + sorted(x for x in items if x not in ORDER)


def table(edges):
    out = ["| library | public headers include | sources also include |", "|---|---|---|"]
    for lib in ORDER:
        pub = ", ".join(f"`{n}`" for n in names(edges[lib]["public"])) or "-"
        priv = ", ".join(f"`{n}`" for n in names(edges[lib]["private"])) or "-"
        out.append(f"| `berth_{lib}` | {pub} | {priv} |")
    return "\n".join(out)


def check(edges):
    """Compares with `berth_library(NAME ... PUBLIC a b PRIVATE c d)` in src/CMakeLists.txt."""
    text = (ROOT / "src/CMakeLists.txt").read_text()
    ok = True
    for lib in ORDER:
        m = re.search(r"berth_library\(%s\b(.*?)\)\n" % lib, text, re.S)
        if not m:
            print(f"berth_{lib}: no berth_library({lib} ...) in src/CMakeLists.txt")
            ok = False
            continue
        body = m.group(1)
        for kind in ("public", "private"):
            declared = set()
            sect = re.search(r"\b%s\b(.*?)(?:\b(?:PUBLIC|PRIVATE|DIRS|FILES)\b|$)" % kind.upper(), body, re.S)
            if sect:
                for word in sect.group(1).split():
                    word = word.strip()
                    if word.startswith("berth_"):
                        declared.add(word[len("berth_"):])
                    else:
                        for pkg in set(EXTERNAL.values()):
                            if word.lower().startswith(pkg.lower()) or pkg.lower() in word.lower():
                                declared.add(pkg)
            wanted = edges[lib][kind]
            if declared != wanted:
                print(f"berth_{lib} {kind.upper()}: CMake says {sorted(declared)}, includes say {sorted(wanted)}")
                ok = False
    return ok


if __name__ == "__main__":
    edges = scan()
    if "--check" in sys.argv:
        sys.exit(0 if check(edges) else 1)
    print(table(edges))
