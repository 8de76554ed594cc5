#!/usr/bin/env bash
# Builds the real corpus of the speed benchmark (`cargo bench --bench speed`): the standard library
# of the python3 on PATH plus the site-packages of a virtualenv with SQLAlchemy, SQLModel,
# Flask-SQLAlchemy, Alembic and Django (versions pinned in benches/corpus-requirements.txt), and
# the ruff binary the benchmark compares against.
#
#   target/bench/corpus-venv/         the virtualenv (ruff is target/bench/corpus-venv/bin/ruff)
#   target/bench/corpus/stdlib/       the .py files of the standard library (no site-packages)
#   target/bench/corpus/packages/     the .py files of the virtualenv's site-packages
#   target/bench/corpus/pyproject.toml  makes stdlib/ and packages/ import roots, as on sys.path
#
# Only .py files are copied: dedupe-models reads nothing else, and ruff would also check .pyi
# stubs. dedupe-models skips migration folders by design (`migrations`, `alembic`, `versions`,
# `dbmigrate`), ruff does not; those folders are copied with a trailing `_` so that both tools
# read the same files (Django's migration framework and the whole alembic package included).
# Run it again to rebuild; it reinstalls the virtualenv only when the requirements change.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
out=target/bench
venv=$out/corpus-venv
corpus=$out/corpus

if [ ! -x "$venv/bin/ruff" ] || ! cmp -s benches/corpus-requirements.txt "$venv/requirements.txt"; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    -r benches/corpus-requirements.txt
  cp benches/corpus-requirements.txt "$venv/requirements.txt"
fi

stdlib=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

rm -rf "$corpus"
"$python" - "$stdlib" "$site" "$corpus" <<'EOF'
import os
import shutil
import sys

stdlib, site, corpus = sys.argv[1:]
RENAMED = {"migrations", "alembic", "versions", "dbmigrate"}
SKIPPED = {"site-packages", "__pycache__"}


def copy(src, dst):
    files = 0
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED)
        rel = os.path.relpath(dirpath, src)
        parts = [] if rel == "." else rel.split(os.sep)
        target = os.path.join(dst, *[p + "_" if p in RENAMED else p for p in parts])
        for name in sorted(filenames):
            if name.endswith(".py"):
                os.makedirs(target, exist_ok=True)
                shutil.copyfile(os.path.join(dirpath, name), os.path.join(target, name))
                files += 1
    return files


n = copy(stdlib, os.path.join(corpus, "stdlib")) + copy(site, os.path.join(corpus, "packages"))
with open(os.path.join(corpus, "pyproject.toml"), "w") as f:
    f.write('[project]\nname = "corpus"\nversion = "0"\n\n')
    f.write('[tool.dedupe-models]\nroots = ["stdlib", "packages"]\n')
print(f"{corpus}: {n} .py files", file=sys.stderr)
EOF
