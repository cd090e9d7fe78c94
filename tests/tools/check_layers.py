#!/usr/bin/python3
"""Check the include graph against the layer list at the top of doc/HACKING.md.

    check_layers.py [REPO]

Each numbered line after the `<!-- layers: ... -->` marker is one layer, bottom first, naming
source files without their extension (`dnscheck/resolver` is resolver.c and resolver.h). A file
may include its own header and headers of lower layers; an include of the same layer (another
file) or of a higher one fails, as does a .c/.h file under the source folders that no layer
names, or a layer entry with no file. Only dnscheck/resolver.c may include <udns.h>: every other
source reads answers through the resolver's API (issue 13, item 5). A private header (PRIVATE
below) may be included only by the files it serves: the SPF files' own headers stay out of
everything that uses the public spf.h. Prints one line per finding, then `N passed, N failed`.
"""

import os
import re
import sys

REPO = sys.argv[1] if len(sys.argv) > 1 else \
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FOLDERS = ("allowlist", "dnscheck", "local_scan", "tools")
UDNS_OWNER = "dnscheck/resolver.c"  # the one source that may include <udns.h>
# Private headers: header -> the units that may include it (besides its own .c).
SPF_PARTS = {"dnscheck/spfguard", "dnscheck/spfreceived", "dnscheck/spfdns", "dnscheck/spffetch",
             "dnscheck/spfeval"}
PRIVATE = {f"{u}.h": SPF_PARTS for u in ["dnscheck/spfsession"] + sorted(SPF_PARTS)}


def layers():
    text = open(os.path.join(REPO, "doc", "HACKING.md")).read()
    m = re.search(r"<!-- layers:.*?-->\n(.*?)\n\n", text, re.S)
    if not m:
        sys.exit("check_layers: no <!-- layers: --> list in doc/HACKING.md")
    out = {}
    for n, line in enumerate(m.group(1).splitlines(), 1):
        for unit in re.findall(r"`([\w/]+)`", line):
            if unit in out:
                sys.exit(f"check_layers: {unit} named twice")
            out[unit] = n
    return out


def main():
    layer = layers()
    passed, failed = 0, 0
    sources = []
    for folder in FOLDERS:
        for name in sorted(os.listdir(os.path.join(REPO, folder))):
            if name.endswith((".c", ".h")):
                sources.append(f"{folder}/{name}")
    units = set()
    for src in sources:
        unit = src.rsplit(".", 1)[0]
        units.add(unit)
        if unit not in layer:
            print(f"FAIL {src}: in no layer of doc/HACKING.md")
            failed += 1
            continue
        bad = []
        for lineno, line in enumerate(open(os.path.join(REPO, src)), 1):
            if re.match(r'\s*#\s*include\s+[<"]udns\.h[>"]', line) and src != UDNS_OWNER:
                bad.append(f"{src}:{lineno}: includes udns.h, which only {UDNS_OWNER} may")
                continue
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            inc = m.group(1)
            if inc.startswith("../") or "/../" in inc:
                bad.append(f"{src}:{lineno}: includes {inc} with ../ (name it from the top of "
                           f"the tree, as the Makefile's -I does)")
                continue
            # "name.h" is in the including file's folder; "folder/name.h" is from the top.
            target = os.path.normpath(inc if "/" in inc else
                                      os.path.join(os.path.dirname(src), inc))
            tunit = target.rsplit(".", 1)[0]
            if tunit == unit:
                continue
            if target + ("" if target.endswith(".h") else ".h") in PRIVATE \
                    and unit not in PRIVATE[target]:
                bad.append(f"{src}:{lineno}: includes {inc}, private to "
                           f"{', '.join(sorted(PRIVATE[target]))}")
                continue
            if tunit not in layer:
                bad.append(f"{src}:{lineno}: includes {m.group(1)}, in no layer")
            elif layer[tunit] >= layer[unit]:
                way = "sideways" if layer[tunit] == layer[unit] else "upward"
                bad.append(f"{src}:{lineno}: includes {m.group(1)} ({way}: layer "
                           f"{layer[tunit]} from layer {layer[unit]})")
        if bad:
            for b in bad:
                print(f"FAIL {b}")
            failed += 1
        else:
            passed += 1
    for unit in sorted(set(layer) - units):
        print(f"FAIL {unit}: named in doc/HACKING.md, but no such file")
        failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
