"""The part of a package one model needs: its module and everything it imports from the same
package, found statically (the imports that run when a file is imported: module level, also
inside `try`/`if` blocks; not those inside functions, which run only when called). Package `__init__.py` files are trimmed: a package whose names are
imported (`from timm.layers import DropPath`) keeps only the import statements of its
`__init__.py` that bind those names (so porting `timm.models.resnet` does not drag in all of
`timm.layers`); one that is only passed through (`import a.b.c`) gets an empty `__init__.py`.
When an `__init__.py` defines a needed name itself, or imports with `*`, it is kept whole.
Both the torch run and the port use the same trimmed files."""
import ast
import os
from pathlib import Path

ALL = None  # "the whole module is needed"
TRIMMED_HEADER = "# __init__ trimmed by tests/realworld/closure.py to the names this model imports\n"


def _module_path(root, dotted):
    """(path, is_package) of a dotted module under root, or (None, False)."""
    base = Path(root, *dotted.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py", True
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py"), False
    if base.is_dir():  # a namespace package (no __init__.py)
        return base, True
    return None, False


def _resolve(current, is_package, level, module):
    """Absolute name of `from <level dots><module> import ...` inside `current`."""
    if level == 0:
        return module
    parts = current.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join(parts + ([module] if module else []))


def _module_level(body):
    """Statements that run when the module is imported: the body and the blocks of its
    if/try/with statements, not function or class bodies (imports there run only when called)."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for field in ("body", "orelse", "finalbody"):
                yield from _module_level(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                yield from _module_level(handler.body)


def _imports(tree, current, is_package):
    """Yield (absolute module, names or ALL) for every import that runs at import time."""
    for node in _module_level(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ALL
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(current, is_package, node.level, node.module or "")
            names = [a.name for a in node.names]
            yield target, (ALL if "*" in names else set(names))


class Closure:
    debug = False

    def __init__(self, roots):
        self.roots = {top: Path(root) for top, root in roots.items()}  # import package -> its root
        self.need = {}  # dotted module -> set of names (packages' __init__) or ALL

    def _root(self, dotted):
        """The root of the package `dotted` belongs to, if it is one being ported."""
        return self.roots.get(dotted.split(".")[0])

    def _path(self, dotted):
        root = self._root(dotted)
        return _module_path(root, dotted) if root is not None else (None, False)

    def _require(self, dotted, names, queue):
        if self._root(dotted) is None:
            return  # another distribution: the environment provides it
        path, is_pkg = self._path(dotted)
        if path is None:
            return  # e.g. an optional import of a module this version does not ship
        parent = dotted.rpartition(".")[0]
        if parent:  # every package on the way is imported too (possibly trimmed to nothing)
            self._require(parent, set(), queue)
        old = self.need.get(dotted, set())
        if not is_pkg:
            names = ALL
        if old is ALL or (names is not ALL and names <= old and dotted in self.need):
            return
        self.need[dotted] = ALL if names is ALL or old is ALL else old | names
        queue.append(dotted)

    def add(self, dotted):
        queue = []
        self._require(dotted, ALL, queue)
        while queue:
            dotted = queue.pop()
            path, is_pkg = self._path(dotted)
            if path.is_dir():
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = self.need[dotted]
            if is_pkg and names is not ALL:
                kept, missing = self._trim(tree, dotted, names)
                if missing:  # defined in the __init__ itself: keep it whole
                    if self.debug:
                        print(f"{dotted}: kept whole for {sorted(missing)}")
                    self.need[dotted] = ALL
                    queue.append(dotted)
                    continue
                for target, sub in kept:
                    self._require_from(target, sub, queue)
                continue
            for target, sub in _imports(tree, dotted, is_pkg):
                self._require_from(target, sub, queue)

    def _require_from(self, target, names, queue):
        if names is ALL:
            self._require(target, ALL, queue)
            return
        plain, bound = set(), self._init_binds(target)
        for n in names:  # `from pkg import submodule` imports the submodule, unless the
            # package's __init__ binds that name itself (timm.layers.create_attn is a function)
            if n not in bound and self._path(f"{target}.{n}")[0] is not None:
                self._require(f"{target}.{n}", ALL, queue)
            else:
                plain.add(n)
        self._require(target, plain, queue)

    def _trim(self, tree, dotted, names):
        """The top-level imports of an __init__ that bind `names`, and the names none binds."""
        kept, bound = [], set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                target = _resolve(dotted, True, node.level, node.module or "")
                if node.names[0].name == "*":  # kept when the target defines a needed name
                    hit = names & self._exported(target)
                    if hit:
                        kept.append((target, ALL))
                        bound |= hit
                    continue
                hit = {a.name for a in node.names if (a.asname or a.name) in names}
                if hit:
                    kept.append((target, hit))
                    bound |= {a.asname or a.name for a in node.names if a.name in hit}
        return kept, names - bound

    def _init_binds(self, dotted):
        """Names a package's __init__.py binds at top level (not counting `*` imports)."""
        path, is_pkg = self._path(dotted)
        if not is_pkg or path.is_dir():
            return set()
        found = set()
        for node in _module_level(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            elif isinstance(node, ast.ImportFrom):
                found |= {a.asname or a.name for a in node.names if a.name != "*"}
            elif isinstance(node, ast.Assign):
                found |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        return found

    def _exported(self, dotted):
        """Names `from dotted import *` binds: its `__all__` if a literal, else its public
        top-level names."""
        path, is_pkg = self._path(dotted)
        if path is None or path.is_dir():
            return set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = set()
        for node in _module_level(tree.body):
            targets = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                found |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
            elif isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id == "__all__" and isinstance(node.value, (ast.List, ast.Tuple)):
                    return {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
                found |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
        return {n for n in found if not n.startswith("_")}

    def files(self):
        """{relative path: text} of the closure, trimmed __init__ files rendered."""
        out = {}
        for dotted, names in sorted(self.need.items()):
            path, is_pkg = self._path(dotted)
            if path.is_dir():
                continue
            rel = str(path.relative_to(self._root(dotted)))
            if names is ALL or not is_pkg:
                out[rel] = path.read_text(encoding="utf-8")
            else:
                out[rel] = TRIMMED_HEADER + self._render(path, dotted, names)
        return out

    def _render(self, path, dotted, names):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lines = []
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                keep = [a for a in node.names if (a.asname or a.name) in names]
                if node.names[0].name == "*" and names & self._exported(
                        _resolve(dotted, True, node.level, node.module or "")):
                    lines.append(f"from {'.' * node.level}{node.module or ''} import *\n")
                elif keep:
                    aliases = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in keep)
                    lines.append(f"from {'.' * node.level}{node.module or ''} import {aliases}\n")
        return "".join(lines)


def closure(root, module, also=None):
    """The files `module` needs from its own package, and from the packages `also` maps (import
    package -> root) that are ported with it."""
    c = Closure({module.split(".")[0]: root, **(also or {})})
    c.add(module)
    return c.files()


if __name__ == "__main__":
    import sys
    Closure.debug = True
    for rel, text in closure(sys.argv[1], sys.argv[2]).items():
        print(f"{len(text.splitlines()):6d} {rel}{'  (trimmed)' if text.startswith(TRIMMED_HEADER) else ''}")
