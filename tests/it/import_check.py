# For each project root given on the command line: which of its modules import on their own (each
# in a fresh set of project modules, so one module's failure does not hide another's), and which
# files do not parse. Prints one JSON object: {root: {"imports": [...], "broken": [...]}}.
import ast
import importlib
import json
import os
import sys
import warnings

warnings.simplefilter("ignore")


def modules(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
                yield path, rel[: -len(".__init__")] if rel.endswith(".__init__") else rel


def purge(root):
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if path.startswith(root):
            del sys.modules[name]


out = {}
for root in sys.argv[1:]:
    root = os.path.abspath(root)
    sys.path.insert(0, root)
    ok, broken = [], []
    for path, name in modules(root):
        with open(path, "rb") as f:
            try:
                ast.parse(f.read())
            except SyntaxError:
                broken.append(name)
                continue
        purge(root)
        try:
            importlib.import_module(name)
            ok.append(name)
        except BaseException:  # noqa: BLE001 - any failure counts as "does not import"
            pass
    purge(root)
    sys.path.remove(root)
    importlib.invalidate_caches()
    out[root] = {"imports": ok, "broken": broken}
print(json.dumps(out))
