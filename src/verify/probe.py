"""The Python side of `dedupe-models --verify`, shipped inside the binary.

Reads one JSON request on stdin: the import roots, the directories whose files are the project's,
and the module names to import, in order. Imports them in this one process (as the application
does, so that SQLAlchemy's per-process state builds up the same way), then calls
`configure_mappers()` and resolves every foreign key, and writes one JSON document to stdout.

It runs nothing but those imports and in-memory SQLAlchemy calls: no `create_all`, no engine, no
connection. Whatever the project prints while being imported goes to stderr; lines starting with
`dedupe-models-probe:` there say what the probe is doing, so that a timeout can name the module.
"""

import gc
import importlib
import json
import os
import sys
import traceback
import types

PROGRESS = "dedupe-models-probe: "


def progress(what):
    sys.stderr.write(PROGRESS + what + "\n")
    sys.stderr.flush()


def qualified(cls):
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else module + "." + cls.__qualname__


def is_below(path, dirs):
    return any(path == d or path.startswith(d.rstrip(os.sep) + os.sep) for d in dirs)


class Project:
    def __init__(self, dirs, roots):
        self.dirs = [os.path.realpath(d) for d in dirs]
        self.roots = [os.path.realpath(r) for r in roots]
        prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix}
        self.outside = [os.path.realpath(p) for p in prefixes if p]

    def owns(self, path):
        """Whether a file is the project's own code (not the interpreter's or a package's)."""
        # Code compiled from strings (`<string>`, `<frozen ...>`) has no file.
        if not path or not os.path.isabs(path) or not os.path.isfile(path):
            return False
        path = os.path.realpath(path)
        parts = path.split(os.sep)
        if "site-packages" in parts or "dist-packages" in parts:
            return False
        return is_below(path, self.dirs) and not is_below(path, self.outside)

    def has_module(self, top):
        """Whether a top-level module name is one of the project's (a package or a module)."""
        return any(
            os.path.isdir(os.path.join(root, top)) or os.path.isfile(os.path.join(root, top + ".py"))
            for root in self.roots
        )


# Packages whose exceptions are about the models: raised while they build tables and mappers.
MODEL_PACKAGES = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")


def raised_in(frames, packages):
    """Whether the innermost frame is in one of the packages."""
    if not frames:
        return False
    parts = os.path.realpath(frames[-1].filename).split(os.sep)
    return any(p in parts for p in packages)


def category(error, frames, project, sa_exc):
    """`model`: SQLAlchemy refused the models; `dependency`: a package the project needs is not
    installed; `database`: a database could not be reached; `other`: anything else."""
    if isinstance(error, ModuleNotFoundError) and error.name:
        if not project.has_module(error.name.split(".")[0]):
            return "dependency"
    if isinstance(error, sa_exc.DBAPIError) or isinstance(error, (ConnectionError, TimeoutError)):
        return "database"
    if isinstance(error, sa_exc.SQLAlchemyError) or raised_in(frames, MODEL_PACKAGES):
        return "model"
    return "other"


def describe(error, project, sa_exc):
    frames = traceback.extract_tb(error.__traceback__)
    place = None
    for frame in reversed(frames):
        if project.owns(frame.filename):
            place = (frame.filename, frame.lineno)
            break
    if isinstance(error, SyntaxError) and project.owns(error.filename):
        place = (error.filename, error.lineno)
    message = str(error)
    if isinstance(error, SystemExit):
        message = "the module called sys.exit(%r)" % (error.code,)
    return {
        "type": qualified(type(error)),
        "message": message,
        "category": category(error, frames, project, sa_exc),
        "file": os.path.realpath(place[0]) if place else None,
        "line": place[1] if place else None,
        "missing": error.name if isinstance(error, ModuleNotFoundError) else None,
        # The project modules whose code was running: each of them failed to import.
        "modules": sorted(
            {os.path.realpath(f.filename) for f in frames if f.name == "<module>" and project.owns(f.filename)}
        ),
    }


def source_of(cls, project):
    """Where a class is defined, when it is the project's."""
    import inspect

    try:
        path = inspect.getsourcefile(cls)
        line = inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return None
    return (os.path.realpath(path), line) if project.owns(path) else None


def failed_property(error, MapperProperty):
    """The class and attribute SQLAlchemy was configuring when it failed: the innermost traceback
    frame working on a mapped property (`UserPreferences.user` for an unresolvable
    `relationship("User")`)."""
    found = (None, None)
    tb = error.__traceback__
    while tb is not None:
        local = tb.tb_frame.f_locals
        for key in ("self", "prop"):
            prop = local.get(key)
            if isinstance(prop, MapperProperty) and getattr(prop, "parent", None) is not None:
                found = (prop.parent.class_, prop.key)
                break
        tb = tb.tb_next
    return found


def mappers_of(reg):
    """A registry's mappers, without the classes whose mapping failed half-way (which make
    `registry.mappers` itself raise)."""
    found = []
    for manager in list(getattr(reg, "_managers", ())):
        try:
            found.append(manager.mapper)
        except Exception:
            continue
    return sorted(found, key=lambda m: qualified(m.class_))


def failed_mappers(registries):
    for reg in registries:
        for mapper in mappers_of(reg):
            if getattr(mapper, "_configure_failed", False):
                yield mapper


def import_modules(request, project, sa_exc):
    results = []
    failed = {}
    for wanted in request["modules"]:
        name, path = wanted["name"], os.path.realpath(wanted["path"])
        entry = {"name": name, "file": None, "error": None, "skipped": None}
        results.append(entry)
        if path in failed:
            # Running a module again after it failed half-way would define its first tables twice.
            entry["skipped"] = failed[path]
            continue
        progress("importing " + name)
        try:
            module = importlib.import_module(name)
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            described = describe(error, project, sa_exc)
            earlier = [failed[f] for f in described["modules"] if f in failed]
            if earlier:
                # It failed running a module that had failed before: the same failure again, or
                # an artefact of running that module's first half twice.
                entry["skipped"] = earlier[0]
            else:
                entry["error"] = described
            for file in described["modules"] + [path]:
                failed.setdefault(file, name)
            continue
        file = getattr(module, "__file__", None)
        entry["file"] = os.path.realpath(file) if file else None
    return results


def label_metadata(project, MetaData):
    """Every place the project's loaded modules hold each MetaData (`app.db:Base.metadata`), best
    first: a base class in the module that defines it, then by module depth. Python cannot tell
    which module made an object (`db = SQLAlchemy()`) and which imported it; dedupe-models can."""
    labels = {}

    def offer(metadata, label, rank):
        if isinstance(metadata, MetaData):
            labels.setdefault(id(metadata), set()).add((rank, label))

    for name, module in sorted(sys.modules.items()):
        if not project.owns(getattr(module, "__file__", None)):
            continue
        for attr, value in sorted(vars(module).items()):
            label = name + ":" + attr
            rank = (1, name.count("."))
            if isinstance(value, MetaData):
                offer(value, label, rank)
                continue
            try:
                if isinstance(value, type):
                    # A base holds its MetaData itself; mapped classes only inherit it.
                    if "metadata" in vars(value):
                        own = value.__module__ == name
                        offer(vars(value)["metadata"], label + ".metadata", (0, 0) if own else rank)
                elif not isinstance(value, types.ModuleType):
                    # Registries, Flask-SQLAlchemy's `db` (one MetaData per bind key).
                    offer(getattr(value, "metadata", None), label + ".metadata", rank)
                    for key, each in dict(getattr(value, "metadatas", None) or {}).items():
                        if key is not None:
                            offer(each, "%s.metadatas[%r]" % (label, key), rank)
            except Exception:
                continue
    return {key: [label for _, label in sorted(found)] for key, found in labels.items()}


def main():
    request = json.loads(sys.stdin.read())
    result_fd = os.dup(1)
    # Whatever the project prints while it is imported goes to stderr, C extensions included.
    os.dup2(2, 1)
    sys.dont_write_bytecode = True
    roots = request["roots"]
    sys.path[:] = roots + [p for p in sys.path if p not in ("", os.getcwd()) and p not in roots]
    project = Project(request["project"], roots)
    result = run(request, project)
    data = json.dumps(result).encode("ascii")
    with os.fdopen(result_fd, "wb") as out:
        out.write(data)
        out.flush()
    sys.stderr.flush()
    # Threads the project started must not keep the process alive, nor atexit hooks run.
    os._exit(0)


def run(request, project):
    result = {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "sqlalchemy": None,
        "problem": None,
        "modules": [],
        "mappers": None,
        "foreign_keys": [],
        "metadata": [],
    }
    try:
        import sqlalchemy
        from sqlalchemy import MetaData
        from sqlalchemy import exc as sa_exc
        from sqlalchemy.orm import configure_mappers, registry
        from sqlalchemy.orm.interfaces import MapperProperty
    except Exception as error:
        result["sqlalchemy"] = getattr(sys.modules.get("sqlalchemy"), "__version__", None)
        result["problem"] = "%s: %s" % (qualified(type(error)), error)
        return result
    result["sqlalchemy"] = sqlalchemy.__version__

    result["modules"] = import_modules(request, project, sa_exc)

    progress("running configure_mappers()")
    objects = gc.get_objects()
    registries = [o for o in objects if isinstance(o, registry)]
    try:
        configure_mappers()
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        described = describe(error, project, sa_exc)
        cls, attribute = failed_property(error, MapperProperty)
        if cls is None:
            cls = next((m.class_ for m in failed_mappers(registries)), None)
        if cls is not None:
            described["class"] = qualified(cls)
            described["attribute"] = attribute
            place = source_of(cls, project)
            if place:
                described["file"], described["line"] = place
        result["mappers"] = described

    progress("resolving foreign keys")
    classes = {}
    for reg in registries:
        for mapper in mappers_of(reg):
            for table in getattr(mapper, "tables", []):
                classes.setdefault(id(table), mapper.class_)
    labels = label_metadata(project, MetaData)
    metadatas = [o for o in objects if isinstance(o, MetaData) and o.tables]
    del objects
    for metadata in metadatas:
        tables = []
        for key in sorted(metadata.tables):
            table = metadata.tables[key]
            tables.append({"name": key, "columns": [column.name for column in table.columns]})
            for fk in sorted(table.foreign_keys, key=lambda f: (f.parent.name, f.target_fullname)):
                try:
                    fk.column
                except (sa_exc.NoReferencedTableError, sa_exc.NoReferencedColumnError) as error:
                    described = describe(error, project, sa_exc)
                    cls = classes.get(id(table))
                    place = source_of(cls, project) if cls is not None else None
                    described["table"] = key
                    described["class"] = qualified(cls) if cls is not None else None
                    described["attribute"] = fk.parent.key
                    if place:
                        described["file"], described["line"] = place
                    result["foreign_keys"].append(described)
        result["metadata"].append({"names": labels.get(id(metadata), []), "tables": tables})
    result["metadata"].sort(key=lambda m: (m["names"][:1] or ["~"], [t["name"] for t in m["tables"]]))
    return result


main()
