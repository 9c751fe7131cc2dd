"""What torch is left in a port, read from the port's source (no execution): every use of a
name the port still binds to torch (or to a torch-only library such as `einops.layers.torch`),
as its canonical dotted name (`F.pad` -> `torch.nn.functional.pad`), with the port's line and
the original line it came from. A use inside a type annotation is marked `(annotation)`, since
it keeps `import torch` alive without computing anything.

The first runtime error of a port is usually its first surviving torch import; this lists
everything behind it, which is what a person would have to finish by hand."""
import ast
from pathlib import Path

# modules whose import means torch at run time (the MLX phase cannot import them)
TORCH_MODULES = ("torch", "torchvision", "torchaudio", "einops.layers.torch", "torch_einops_utils",
                 "hyper_connections", "safetensors.torch")


def _is_torch(module, own=None):
    """`own` is the ported package itself (or a tuple: it and the packages ported with it):
    torchvision's own files are ported, not torch."""
    owns = (own,) if isinstance(own, str) else (own or ())
    if any(module == o or module.startswith(o + ".") for o in owns):
        return False
    return any(module == m or module.startswith(m + ".") for m in TORCH_MODULES)


def _bindings(tree, own=None):
    """{local name: canonical dotted name} for imports of torch modules anywhere in the file."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if _is_torch(a.name, own):
                    if a.asname:
                        bound[a.asname] = a.name
                    else:
                        top = a.name.split(".")[0]
                        bound[top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _is_torch(node.module, own):
            for a in node.names:
                if a.name != "*":
                    bound[a.asname or a.name] = f"{node.module}.{a.name}"
    return bound


def _annotation_nodes(tree):
    ids = set()
    for node in ast.walk(tree):
        anns = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            anns = [a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs if a.annotation]
            anns += [a.annotation for a in (args.vararg, args.kwarg) if a and a.annotation]
            anns += [node.returns] if node.returns else []
        elif isinstance(node, ast.AnnAssign):
            anns = [node.annotation]
        for ann in anns:
            ids |= {id(n) for n in ast.walk(ann)}
    return ids


def audit_file(text, own=None):
    """[(canonical name, line, in_annotation)] of the torch uses in one ported file, plus
    [(module, line)] of torch imports with no use at all."""
    tree = ast.parse(text)
    bound = _bindings(tree, own)
    if not bound:
        return [], []
    in_ann = _annotation_nodes(tree)
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    uses, used = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in bound and isinstance(node.ctx, ast.Load):
            chain, top = [bound[node.id]], node
            parent = parents.get(id(top))
            while isinstance(parent, ast.Attribute) and parent.value is top:
                chain.append(parent.attr)
                top, parent = parent, parents.get(id(parent))
            uses.append((".".join(chain), node.lineno, id(node) in in_ann))
            used.add(node.id)
    unused = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [(a.asname or (a.name.split(".")[0] if isinstance(node, ast.Import) else a.name)) for a in node.names]
            mod = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if mod and _is_torch(mod, own) and getattr(node, "level", 0) == 0 and not any(n in used for n in names):
                unused.append((mod, node.lineno))
    return uses, unused


def audit_port(mlx_dir, src_dir, map_line, source_line, own=None):
    """{"uses": [{api, port, orig}], "unused_imports": [...]} over every .py file of the port."""
    out = {"uses": [], "unused_imports": []}
    for path in sorted(Path(mlx_dir).rglob("*.py")):
        rel = str(path.relative_to(mlx_dir))
        text = path.read_text(encoding="utf-8")
        try:
            uses, unused = audit_file(text, own)
        except SyntaxError:
            continue
        orig_path = Path(src_dir, rel)
        orig = orig_path.read_text(encoding="utf-8") if orig_path.exists() else None

        def where(line):
            o = map_line(orig, text, line) if orig is not None else None
            return {"port": f"{rel}:{line}", "orig": f"{rel}:{o}" if o else None,
                    "code": source_line(orig_path, o) if o else source_line(path, line)}

        for api, line, ann in uses:
            out["uses"].append({"api": api + (" (annotation)" if ann else ""), **where(line)})
        for mod, line in unused:
            out["unused_imports"].append({"module": mod, **where(line)})
    return out


# What a torch API left in a port says about what portui lacks: (pattern, family); first match.
FAMILIES = [
    (r"\(annotation\)$", "torch types in annotations keep `import torch` (torch.Tensor, nn.Module, device...)"),
    (r"^torch\.jit\.", "torch.jit left (ignore, is_scripting, Final, export, annotate, _overload_method)"),
    (r"^einops\.layers\.torch\.", "einops.layers.torch layers (Rearrange, Reduce) not rewritten"),
    (r"^(torch\.utils\.model_zoo|torch\.hub|torch\.load$|torch\.save$|torch\.serialization|safetensors\.torch)",
     "checkpoint/pretrained-weight I/O left (model_zoo, hub, torch.load)"),
    (r"^torch\.nn\.utils\.", "torch.nn.utils left (weight_norm, parametrizations, clip...)"),
    (r"^torch\.autograd\.", "custom torch.autograd.Function"),
    (r"^torch\.nn\.functional\.\w+", "F.* call with no rewrite"),
    (r"^torch\.nn\.init\.", "nn.init private helpers left"),
    (r"^torch\.nn\.(modules\.|[A-Z])", "torch.nn class with no MLX port (RNN, MultiheadAttention, SyncBatchNorm...)"),
    (r"^torch\.(device|dtype|float\d*|half|double|long|int\d*|uint8|bool|finfo|iinfo|channels_last|"
     r"contiguous_format|get_default_dtype|get_default_device|[A-Z]\w*Tensor)$",
     "devices, dtypes and finfo left"),
    (r"^torch\.(_C|backends|cuda|compiler|fx|amp|is_autocast|get_autocast|is_grad_enabled|__version__|"
     r"overrides|_dynamo|nn\.attention|cpu)", "torch runtime introspection (backends, autocast, _C, version)"),
    (r"^torch\.(linalg|fft|special)\.", "torch.linalg / fft / special with no rewrite"),
    (r"^torch\.Tensor$", "torch.Tensor used as a value (isinstance, subclass)"),
    (r"^torch\.[a-z_0-9]+$", "torch.* function with no rewrite"),
    (r"^torchvision\.|^torchaudio\.", "torchvision/torchaudio imports left"),
    (r"^(torch_einops_utils|hyper_connections)", "torch-only third-party library"),
    (r".", "other torch use"),
]


def family(api):
    import re
    for pattern, name in FAMILIES:
        if re.search(pattern, api):
            return name
    return "other torch use"
