#!/usr/bin/env python3
"""Generate testdata/lenient_reference.json: expected outputs of the SkillOpt
reference's edit application (skillopt/optimizer/skill.py,
_apply_edit_with_report, github.com/microsoft/SkillOpt at 118039e8), which
skill.ApplyLenient must reproduce exactly.

The function below is a re-implementation written from reading the
reference's code (standard library only), not a copy of it:
  * content is str.strip()-ed, then both protected-region markers are removed;
  * an edit with a non-empty target whose first occurrence lies in
    [first START marker, first END marker + len(END)) is skipped;
  * append (and insert_after with an empty or missing target) goes before the
    first START marker (text before it right-stripped, "\n\n", content,
    "\n\n", the rest) or at the end (right-stripped text, "\n\n", content, "\n");
  * insert_after writes "\n" + content + "\n" after the newline that follows
    the end of the target's first occurrence (or at the very end);
  * replace/delete change the first occurrence; empty or missing targets skip;
  * any other op is skipped.

Cases: hand-written ones for every branch, plus seeded random edit sequences
over a small vocabulary (CRLF and Unicode documents included).
Run from skill/: python3 testdata/gen_lenient.py > testdata/lenient_reference.json
"""
import json
import random

START = "<!-- SLOW_UPDATE_START -->"
END = "<!-- SLOW_UPDATE_END -->"


def protected(doc, target):
    s, e = doc.find(START), doc.find(END)
    if s < 0 or e < 0:
        return False
    t = doc.find(target)
    if t < 0:
        return False
    return s <= t < e + len(END)


def put_at_end(doc, content, applied, fallback):
    marker = doc.find(START)
    if marker >= 0:
        head, tail = doc[:marker].rstrip(), doc[marker:]
        return head + "\n\n" + content + "\n\n" + tail, applied + "_before_slow_update" if fallback else "applied_append_before_slow_update"
    return doc.rstrip() + "\n\n" + content + "\n", applied + "_append" if fallback else "applied_append"


def apply_one(doc, op, target, content):
    content = content.strip()
    for m in (START, END):
        content = content.replace(m, "")
    if target and protected(doc, target):
        return doc, "skipped_protected_slow_update_region"
    if op == "append":
        return put_at_end(doc, content, "applied_append", False)
    if op == "insert_after":
        if not target or doc.find(target) < 0:
            return put_at_end(doc, content, "applied_insert_after_fallback", True)
        end = doc.find(target) + len(target)
        nl = doc.find("\n", end)
        at = len(doc) if nl < 0 else nl + 1
        return doc[:at] + "\n" + content + "\n" + doc[at:], "applied_insert_after"
    if op in ("replace", "delete"):
        if not target:
            return doc, "skipped_%s_missing_target" % op
        at = doc.find(target)
        if at < 0:
            return doc, "skipped_%s_target_not_found" % op
        new = content if op == "replace" else ""
        return doc[:at] + new + doc[at + len(target):], "applied_" + op
    return doc, "skipped_unknown_op"


def run(doc, edits):
    statuses = []
    for e in edits:
        doc, st = apply_one(doc, e["op"], e["target"], e["content"])
        statuses.append(st)
    return doc, statuses


def E(op, target="", content=""):
    return {"op": op, "target": target, "content": content}


BASE = "# Skill\n\n## Rules (strict)\n- Cite sources.\n- Be brief.\n"
PROT = BASE + "\n" + START + "\nGuidance.\n" + END + "\n"
TAIL = PROT + "\n## Notes\n- Late note.\n"
CRLF = BASE.replace("\n", "\r\n")
UNI = "# Compétences\n\n## Règles\n- Écrire les dates ISO.\n- Café: e\u0301 vs \u00e9.\n"

cases = [
    ("insert_after splits no heading", BASE, [E("insert_after", "## Rules", "- new")]),
    ("insert_after mid-line target", BASE, [E("insert_after", "Cite", "- after cite")]),
    ("insert_after last line without newline", "# A\n- x", [E("insert_after", "- x", "- y")]),
    ("insert_after target ending in newline", BASE, [E("insert_after", "- Cite sources.\n", "- z")]),
    ("insert_after first occurrence", "- a\n- a\n", [E("insert_after", "- a", "- b")]),
    ("insert_after fallback append", BASE, [E("insert_after", "missing", "- tail")]),
    ("insert_after empty target", BASE, [E("insert_after", "", "- tail")]),
    ("insert_after fallback before region", PROT, [E("insert_after", "missing", "- tail")]),
    ("append without region", BASE, [E("append", "", "## Notes\n- n")]),
    ("append before region", PROT, [E("append", "", "- appended")]),
    ("append before first of trailing region", TAIL, [E("append", "", "- appended")]),
    ("append with target in region", PROT, [E("append", "Guidance", "- appended")]),
    ("replace first occurrence", "x y x\n", [E("replace", "x", "Z")]),
    ("replace missing", BASE, [E("replace", "nope", "Z")]),
    ("replace empty target", BASE, [E("replace", "", "Z")]),
    ("replace to whitespace", BASE, [E("replace", "- Be brief.", "   ")]),
    ("delete", BASE, [E("delete", "- Be brief.\n")]),
    ("delete missing", BASE, [E("delete", "zzz")]),
    ("delete empty target", BASE, [E("delete", "")]),
    ("protected replace", PROT, [E("replace", "Guidance.", "Hacked.")]),
    ("protected marker target", PROT, [E("delete", START)]),
    ("first occurrence outside region", PROT + "Guidance.\n", [E("replace", "Guidance.", "G2.")]),
    ("unknown op", BASE, [E("insert_before", "- Cite", "- first"), E("append_section", "Rules", "- s"), E("rewrite", "", "x")]),
    ("unknown op with protected target", PROT, [E("insert_before", "Guidance", "x")]),
    ("markers in content stripped", BASE, [E("append", "", START + "\n- sneaky\n" + END)]),
    ("one marker in content", PROT, [E("insert_after", "- Cite sources.", "- a " + END)]),
    ("content python whitespace", BASE, [E("append", "", "\x1c\u00a0\t- spaced \u2003\x1f")]),
    ("doc trailing python whitespace", BASE + "\x1d\u3000\n", [E("append", "", "- end")]),
    ("crlf insert_after", CRLF, [E("insert_after", "- Cite sources.", "- lf content")]),
    ("crlf multi-line LF target not found", CRLF, [E("replace", "- Cite sources.\n- Be brief.", "- merged")]),
    ("crlf append", CRLF, [E("append", "", "- end")]),
    ("unicode", UNI, [E("insert_after", "Règles", "- règle"), E("replace", "é", "É"), E("delete", "e\u0301 vs ")]),
    ("sequence sees previous edits", "a x b x c\n", [E("replace", "x", "Y"), E("delete", "missing"), E("insert_after", "nowhere", "tail"), E("insert_after", "Y", "after-first")]),
]

rng = random.Random(20261130)
vocab = ["- Cite sources.", "- Be brief.", "## Rules", "Rules", "Guidance.", "brief", "\n", "- ", "x", "é", "e\u0301",
         START, END, "missing", "", "- Be brief.\n", "\r\n", "Cite"]
contents = ["- new rule", "  - padded  ", "line1\nline2", "", START + "a" + END, "é", "\r\n- crlf", "x"]
ops = ["append", "insert_after", "replace", "delete", "insert_before", "append_section"]
for k in range(150):
    doc = rng.choice([BASE, PROT, TAIL, CRLF, UNI, "a x b x c\n"])
    edits = [E(rng.choice(ops), rng.choice(vocab), rng.choice(contents)) for _ in range(rng.randint(1, 5))]
    cases.append(("random %d" % k, doc, edits))

out = []
for name, doc, edits in cases:
    want, statuses = run(doc, edits)
    out.append({"name": name, "doc": doc, "edits": edits, "want": want, "status": statuses})
print(json.dumps(out, indent=1, ensure_ascii=False))
