"""Import a project's file as Python would when the project runs it (written beside portui's
bench harness and convert-weights helper, which both build the project's [bench] model).

A file inside a package (its directory, and maybe theirs, hold an __init__.py) is imported by its
dotted name from the package's parent directory, so its relative imports (`from ..layers import
x`) resolve as in the project. Any other file is imported as a script's module: its own
directory first on sys.path (its siblings, the port's shims beside it), then the project root."""
import importlib
import importlib.util
import os
import sys


def load_module(directory, file):
    directory = os.path.abspath(directory)
    path = os.path.join(directory, file)
    here = os.path.dirname(path)
    name = os.path.splitext(os.path.basename(path))[0]
    parts, package_root = [name], here
    while os.path.exists(os.path.join(package_root, "__init__.py")):
        parts.insert(0, os.path.basename(package_root))
        package_root = os.path.dirname(package_root)
    if len(parts) > 1:
        sys.path[:0] = list(dict.fromkeys([package_root, directory]))
        return importlib.import_module(".".join(parts))
    sys.path[:0] = list(dict.fromkeys([here, directory]))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up in sys.modules
    spec.loader.exec_module(module)
    return module
