#!/usr/bin/env python3
"""Fails when a lambda expression is written inside a co_await expression.

g++ 12 destroys such a lambda's captures twice (a shared_ptr capture is
released early, a heap-stored std::function freed twice), so the code must
name the lambda first and pass the variable. Run from the repository root;
exits 1 and lists every offending statement.
"""
import pathlib
import re
import sys

LAMBDA = re.compile(r"\[[^\[\]]*\]\s*(\([^()]*\))?\s*(mutable)?\s*(->[^{;]*)?\{")
CO_AWAIT = re.compile(r"\bco_await\b")
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def statement_after(text, start):
    """The co_await expression from `start` up to its statement's end."""
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                break
        elif c == ";" and depth == 0:
            break
        i += 1
    return text[start:i]


def main():
    roots = [pathlib.Path("src"), pathlib.Path("tests"), pathlib.Path("bench")]
    problems = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".cc", ".h") or not path.is_file():
                continue
            # Blank out comments but keep offsets, so line numbers hold.
            text = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), path.read_text())
            for m in CO_AWAIT.finditer(text):
                if LAMBDA.search(statement_after(text, m.start())):
                    line = text.count("\n", 0, m.start()) + 1
                    problems.append(f"{path}:{line}: lambda inside a co_await expression; name it first")
    for p in problems:
        print(p)
    if problems:
        print(f"check-coawait-lambdas: {len(problems)} problem(s) (see src/base/shards.h)")
        return 1
    print("check-coawait-lambdas: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
