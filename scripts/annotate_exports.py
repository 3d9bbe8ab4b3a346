#!/usr/bin/python3
"""Marks the declarations of include/berth/**/*.hpp that a shared libberth must export with
BERTH_API (free functions declared but not defined in the header; classes with members defined
out of line, virtual members or static data; extern variables; friend declarations) and adds
#include "berth/export.hpp". Headers that already say BERTH_API are left alone, so it is safe to
rerun after adding headers: scripts/annotate_exports.py . (then review the diff: it is a
heuristic scanner, not a C++ parser; a shared build's link errors name what it missed)."""
import pathlib, re, sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
SKIP_START = ("using", "typedef", "static_assert", "template", "inline", "constexpr", "enum",
              "namespace", "return", "BERTH_API", "#")
FUNC_BODY_END = re.compile(r"(\)|\bconst|\bnoexcept|\boverride|\bfinal|\}|->\s*[\w:<>&\*\s,]+)\s*$")

def annotate(text):
    inserts = []  # (offset, token)
    stack = []    # dicts: kind ns|class|other, start, needs, name_pos
    i, n = 0, len(text)
    stmt_start = None
    stmt = ""
    def at_ns():
        return all(s["kind"] == "ns" for s in stack)
    def cls():
        return stack[-1] if stack and stack[-1]["kind"] == "class" else None
    def end_stmt(kind):
        nonlocal stmt, stmt_start
        s = stmt.strip()
        if s and stmt_start is not None:
            handle(s, stmt_start, kind)
        stmt, stmt_start = "", None
    def strip_attrs(s):
        m = re.match(r"(\s*\[\[[^\]]*\]\]\s*)*", s)
        return m.end()
    def handle(s, start, kind):
        # kind: ';' a declaration ended
        a = strip_attrs(s)
        body = s[a:]
        if kind != ";":
            return
        c = cls()
        if at_ns():
            if body.startswith(SKIP_START) or re.match(r"(class|struct|union)\s+\w+\s*;$", body):
                return
            if body.startswith("extern "):
                inserts.append((start + a + len("extern "), "BERTH_API "))
                return
            paren = body.find("(")
            if paren > 0 and "=" not in body[:paren] and re.search(r"[\w>&\*\]]\s+[~\w:]*(operator\s*\S+|\w+)\s*$", body[:paren]):
                inserts.append((start + a, "BERTH_API "))
            return
        if c is not None:
            if body.startswith("friend ") and "(" in body:
                if "= default" not in body:
                    inserts.append((start + a + len("friend "), "BERTH_API "))
                return
            if body.startswith(("using", "typedef", "static_assert", "enum", "template", "friend")):
                return
            if re.search(r"\bvirtual\b", body):
                c["needs"] = True
            paren = body.find("(")
            if body.startswith("static ") and "constexpr" not in body and "inline" not in body and (paren < 0 or "=" in body[:paren]) and "=" not in body:
                c["needs"] = True  # static data member defined in the .cpp
            if paren >= 0 and ("=" not in body[:paren]) and not re.search(r"=\s*(default|delete|0)\s*;?$", body):
                c["needs"] = True
    while i < n:
        ch = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i); i = n if j < 0 else j; continue
        if text.startswith("/*", i):
            j = text.find("*/", i); i = n if j < 0 else j + 2; continue
        if ch == "#" and (i == 0 or text[text.rfind("\n", 0, i) + 1:i].strip() == ""):
            j = text.find("\n", i)
            while j > 0 and text[j - 1] == "\\": j = text.find("\n", j + 1)
            i = n if j < 0 else j; continue
        if ch in "\"'":
            j = i + 1
            while j < n and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            stmt += text[i:j + 1]; i = j + 1; continue
        if text.startswith('R"', i):
            pass
        if ch.isspace():
            stmt += ch; i += 1; continue
        if stmt_start is None:
            stmt_start = i
        if ch == ";":
            end_stmt(";"); i += 1; continue
        if ch == "{":
            s = stmt.strip()
            a = strip_attrs(s); body = s[a:]
            if body.startswith("namespace") or body.startswith("extern \"C"):
                stack.append({"kind": "ns"}); stmt, stmt_start = "", None
            elif re.match(r"(class|struct|union)\b", body) and "(" not in body and "=" not in body:
                m = re.match(r"(class|struct|union)\s+", body)
                stack.append({"kind": "class", "kw_end": stmt_start + a + m.end(), "needs": False})
                stmt, stmt_start = "", None
            else:
                stack.append({"kind": "other", "pre": stmt, "start": stmt_start})
                stmt, stmt_start = "", None
            i += 1; continue
        if ch == "}":
            top = stack.pop() if stack else None
            if top and top["kind"] == "class":
                if top["needs"]:
                    inserts.append((top["kw_end"], "BERTH_API "))
                stmt, stmt_start = "", i  # `};` follows
                stmt = "}"
            elif top and top["kind"] == "other":
                pre = top["pre"].rstrip()
                if FUNC_BODY_END.search(pre) and "(" in pre and not pre.rstrip().endswith("="):
                    stmt, stmt_start = "", None  # an inline function body: nothing to export
                else:
                    stmt, stmt_start = top["pre"] + "{}", top["start"]  # a brace initializer
            else:
                stmt, stmt_start = "", None
            i += 1; continue
        stmt += ch; i += 1
    return inserts

changed = 0
for path in sorted((ROOT / "include/berth").rglob("*.hpp")):
    if path.name in ("berth.hpp", "export.hpp") and path.parent.name == "berth":
        continue
    text = path.read_text()
    if "BERTH_API" in text:
        continue  # already annotated
    ins = annotate(text)
    if not ins:
        print(f"{path.relative_to(ROOT)}: nothing to export"); continue
    for off, tok in sorted(ins, reverse=True):
        text = text[:off] + tok + text[off:]
    lines = text.split("\n")
    idx = next((k for k, l in enumerate(lines) if l.startswith('#include "berth/')), None)
    if idx is None:
        last = [k for k, l in enumerate(lines) if l.startswith("#include <")]
        if last:
            idx = last[-1] + 1
            lines.insert(idx, ""); idx += 1
        else:
            idx = next(k for k, l in enumerate(lines) if l.startswith("namespace"))
            lines.insert(idx, ""); 
    if path.name != "placer.hpp":  # the lead's file: the macro only (cluster.hpp brings the header)
        lines.insert(idx, '#include "berth/export.hpp"')
    path.write_text("\n".join(lines))
    changed += 1
    print(f"{path.relative_to(ROOT)}: {len(ins)}")
print("headers changed:", changed)
