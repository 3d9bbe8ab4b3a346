#!/usr/bin/env python3
"""The longest function bodies under src/ (or the paths given), longest first.

    scripts/longest_functions.py [--top N] [--over LINES] [PATH ...]

A function is a brace block opened where only namespaces and classes enclose it and whose
header (the text since the last `;`, `{` or `}`) has a parameter list; its length is the lines
from the header's first line to the closing brace, both included. Lambdas and local classes
count toward the function that holds them. Comments, strings, character and raw string
literals are skipped, so braces in them do not count. A heuristic, not a C++ parser: it is
meant for clang-formatted code like berth's.
"""
import argparse
import pathlib
import re
import sys

SCOPE = re.compile(r"\b(namespace|class|struct|union|enum)\b[^()]*$|^\s*extern\s+\"C\"")
NAME = re.compile(r"((?:[A-Za-z_~][\w]*::)*(?:operator\s*[^\s(]+|~?[A-Za-z_]\w*))\s*\($")


def blank_literals(text):
    """`text` with comments and literals replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = ")" + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator: 1'000
                out.append(c)
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    text = blank_literals(path.read_text(encoding="utf-8", errors="replace"))
    text = "\n".join("" if line.lstrip().startswith("#") else line for line in text.split("\n"))
    stack = []  # (kind, name) per open brace; kind: scope, function, other
    header_start = 0
    found = []
    for i, c in enumerate(text):
        if c == "{":
            header = text[header_start:i]
            h = " ".join(header.split())
            in_scope = all(kind == "scope" for kind, _ in stack)
            if in_scope and SCOPE.search(h) and "(" not in h.split("{")[-1]:
                # Classes name their member functions; namespaces do not.
                m = re.search(r"\b(?:class|struct|union)\s+(?:\w+\s+)?([\w:]+)\s*(?::[^:]|$)", h)
                stack.append(("scope", m.group(1) if m and "namespace" not in h else ""))
            elif in_scope and ")" in h and not h.endswith(("=", "]", ",")):
                head = h[: h.find("(") + 1]
                m = NAME.search(head)
                name = m.group(1) if m else h[:40]
                owner = "::".join(n for kind, n in stack if kind == "scope" and n)
                qualified = f"{owner}::{name}" if owner and "::" not in name else name
                first = i - len(header) + (len(header) - len(header.lstrip()))
                stack.append(("function", (qualified, text.count("\n", 0, first) + 1)))
            else:
                stack.append(("other", ""))
            header_start = i + 1
        elif c == "}":
            if stack:
                kind, info = stack.pop()
                if kind == "function":
                    name, start = info
                    end = text.count("\n", 0, i) + 1
                    found.append((end - start + 1, name, start))
            header_start = i + 1
        elif c == ";":
            header_start = i + 1
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*", default=["src"])
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--over", type=int, default=0, help="list every function longer than this")
    args = ap.parse_args()
    rows = []
    for p in args.paths:
        root = pathlib.Path(p)
        files = [root] if root.is_file() else sorted(
            f for f in root.rglob("*") if f.suffix in (".cpp", ".hpp", ".h", ".cc")
        )
        for f in files:
            rows += [(n, name, f"{f}:{line}") for n, name, line in functions(f)]
    rows.sort(key=lambda r: (-r[0], r[2]))
    shown = [r for r in rows if r[0] > args.over] if args.over else rows[: args.top]
    for n, name, where in shown:
        print(f"{n:5d}  {name}  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
