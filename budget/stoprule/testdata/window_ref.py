#!/usr/bin/env python3
"""Reference marker decisions over a 256-token window.

Ported from DUET's marker detector (github.com/Haoyu-Hu/DUET,
src/duet/duet_marker_detector.py): every check_every (8) tokens it decodes
the last suffix_window (256) tokens and searches them with the domain's
patterns (str patterns, re.MULTILINE, so \\s is Unicode whitespace). Decoding
is modelled as concatenating the tokens' texts. Random rollouts mix tokens of
2-8 bytes, whitespace Python counts and Go's \\s does not (\\v, U+00A0,
U+2028, U+3000), and marker fragments, so markers enter and leave the window.

Run: python3 testdata/window_ref.py > testdata/window_ref.json
"""
import json
import random
import re
import sys

MATH = [
    r"\\boxed\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}",
    r"\\boxed\[[^\[\]]*\]",
    r"##\s*Final\s+Answer",
    r"Final\s+answer\s*[:=]\s*\S",
]
CODE = [
    r"```\w+[\s\S]*?```",
    r"```[\s\S]*?\n```",
    r"\n```\s*$",
    r"```\s*\Z",
]
GENERIC = [
    r"<answer>[\s\S]*?</answer>",
    r"<final_answer>[\s\S]*?</final_answer>",
    r"(?:^|\s)Therefore,\s+the\s+answer\s+is\s+\S",
]
DOMAINS = {
    "math": [re.compile(p, re.MULTILINE) for p in MATH + GENERIC],
    "code": [re.compile(p, re.MULTILINE) for p in CODE + GENERIC],
    "generic": [re.compile(p, re.MULTILINE) for p in GENERIC + MATH],
}

FRAGMENTS = ["\\boxed{", "12", "}", "Final", " answer", ":", "\v", "\u00a0", "\u2028", "\u3000", "##",
             " Answer", "```", "py", "\n", "<answer>", "</answer>", "Therefore,", " the", " is", " 7",
             "\\boxed[", "]", "{", "x"]


def token(rng):
    if rng.random() < 0.15:
        return rng.choice(FRAGMENTS)
    n = rng.randrange(2, 9)
    return "".join(rng.choice("abcdefgh ") for _ in range(n))


def main():
    rng = random.Random(256)
    cases = []
    for k in range(120):
        domain = ["math", "code", "generic"][k % 3]
        toks = [token(rng) for _ in range(rng.randrange(100, 600))]
        checks = []
        for n in range(8, len(toks) + 1, 8):
            text = "".join(toks[max(0, n - 256):n])
            checks.append(any(p.search(text) for p in DOMAINS[domain]))
        cases.append({"domain": domain, "tokens": toks, "checks": checks})
    json.dump(cases, sys.stdout, ensure_ascii=True)
    print()


if __name__ == "__main__":
    main()
