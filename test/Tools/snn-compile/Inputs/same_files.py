"""Compare two configuration directories file by file: which files are byte-identical, and,
for manifests that differ, which fields."""

import json
import os
import sys


def flat(x, path=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from flat(v, f"{path}.{k}" if path else k)
    else:
        yield path, x


a, b = sys.argv[1], sys.argv[2]
names = sorted(set(os.listdir(a)) | set(os.listdir(b)))
same = [n for n in names if os.path.isfile(os.path.join(b, n)) and os.path.isfile(os.path.join(a, n))
        and open(os.path.join(a, n), "rb").read() == open(os.path.join(b, n), "rb").read()]
print(" ".join(["identical:"] + same))
print(" ".join(["different:"] + [n for n in names if n not in same]))
if "manifest.json" not in same:
    ma, mb = (dict(flat(json.load(open(os.path.join(d, "manifest.json"))))) for d in (a, b))
    print("manifest.json differs only in:", " ".join(sorted(k for k in ma.keys() | mb.keys() if ma.get(k) != mb.get(k))))
