//! What static analysis can know about a file before rules look at it: which local names are
//! torch (imports and aliases resolved to qualified names), which classes are modules and
//! which layers they own, and, per function, which names hold tensors.

use crate::parse::ast::{self, Expr, Stmt};
use crate::parse::visitor::{self, Visitor};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

mod block_input;

/// Qualified names of the layers whose MLX versions are channels-last.
const CHANNEL_LAYERS: &[&str] = &[
    "torch.nn.Conv1d",
    "torch.nn.Conv2d",
    "torch.nn.Conv3d",
    "torch.nn.ConvTranspose1d",
    "torch.nn.ConvTranspose2d",
    "torch.nn.ConvTranspose3d",
    "torch.nn.BatchNorm2d",
    "torch.nn.BatchNorm3d",
    "torch.nn.MaxPool2d",
    "torch.nn.AvgPool2d",
    "torch.nn.InstanceNorm2d",
];

/// A name imported from a module that may be the project's own: `from .conv import
/// TemporalConv1d` is level 1, module `conv`, name `TemporalConv1d`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImportRef {
    pub level: u32,
    pub module: String,
    pub name: String,
}

/// What is asked of a class imported from another file of the project (`crate::layouts`
/// answers from the file that defines it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportedLayoutQuestion {
    /// Is it a class (or layer-building function) keeping torch's channels-first layout?
    ChannelsFirst,
    /// Is it a channels-last module class used as a block (not a model its file builds and
    /// transposes into on entry)? Such a class takes channels-last maps.
    ChannelsLastBlock,
}

/// Whether an imported class answers yes to the question.
pub type ImportedLayout<'a> = &'a (dyn Fn(&ImportRef, ImportedLayoutQuestion) -> bool + Sync);

#[derive(Debug, Default)]
pub struct ClassInfo {
    pub is_module: bool,
    /// `self.name = <qualified ctor>(...)` assignments in the class body.
    pub layers: HashMap<String, String>,
    /// Attributes holding arrays: buffers, parameters, tensors built in `__init__`.
    pub arrays: HashSet<String>,
    /// The class owns convolution/pooling/2-D norm layers: its activations are channels-last
    /// once ported.
    pub channels_last: bool,
    /// For a channels-last class, the rank of its feature maps (4 for NCHW) when its layers
    /// agree on one.
    pub feature_rank: Option<usize>,
    /// `self.name = Block(...)` with `Block` a class of this file: attribute → class name.
    pub local_modules: HashMap<String, String>,
    /// Its `forward` returns a tuple somewhere (`return resid, dense`): a call is no tensor
    /// (though what it unpacks to may be).
    pub returns_tuple: bool,
    /// Its `forward` returns a list, a dict or an object it builds (`return ModelOutput(...)`)
    /// somewhere: a call is no tensor, nor anything unpacked from one.
    pub returns_object: bool,
    /// `self.name = f(...)` with `f` a call whose result portui cannot tell
    /// (`self.conv_pw = create_conv2d(...)`): often a layer.
    pub built_by_calls: HashSet<String>,
    /// Its `forward` takes one array (`forward(self, x)`, any others defaulted): a block a
    /// feature map flows through, unlike attention's `forward(self, q, k, v)`.
    pub takes_one_input: bool,
    /// Its `forward` takes a feature map first and arrays that only pass beside it, returning
    /// a tuple led by the map (PiT's `Pooling.forward(x, cls_token)`): `block_input`.
    pub takes_map_first: bool,
}

impl ClassInfo {
    /// Whether a feature map flows through it as a block: taken alone, or first beside
    /// arrays that only pass (the channels_first_layer shim moves the first input and output).
    pub fn takes_block_input(&self) -> bool {
        self.takes_one_input || self.takes_map_first
    }
}

impl Semantic {
    /// Whether `self.<attr>(...)` in `class` returns a tensor: a torch layer, or a module
    /// class of this file whose forward returns no tuple.
    pub fn calls_tensor_module(&self, class: &ClassInfo, attr: &str) -> bool {
        class.layers.contains_key(attr)
            || class.local_modules.get(attr).is_some_and(|name| {
                self.classes
                    .get(name)
                    .is_some_and(|c| c.is_module && !c.returns_tuple && !c.returns_object)
            })
    }
}

#[derive(Debug, Default)]
pub struct Semantic {
    /// Local name → qualified name (`F` → `torch.nn.functional`).
    bindings: HashMap<String, String>,
    pub classes: HashMap<String, ClassInfo>,
    /// Whether any name is bound to torch (asked at every node by some rules).
    imports_torch: bool,
    /// The first bytes of the names bound to torch, one bit each. Most names asked about
    /// (`self`, `x`) are not torch's, and most of those are told apart by their first byte
    /// without hashing.
    torch_initials: [u64; 4],
    /// The local names bound to torch: a handful (`torch`, `nn`, `F`), compared directly.
    torch_locals: Vec<String>,
    /// The file's functions that build convolutions or pools into containers (`make_layers`,
    /// `conv_1x1_bn` returning an `nn.Sequential`): whoever uses what they build passes it
    /// torch's channels-first maps, so they build channels-first layers.
    channels_first_builders: HashSet<String>,
    /// The module classes that keep torch's channels-first layout and work on feature maps
    /// (they build or extend convolutions and pools): what other files importing them need.
    channels_first_classes: HashSet<String>,
    /// Names imported with `from X import name`, relative ones included, as they were written.
    from_imports: HashMap<String, ImportRef>,
    /// `has_feature_maps`, found once the classes agree on their layouts: asked at many names.
    feature_maps: bool,
    /// The file's functions annotated to return a tensor (`def gauss(n) -> Tensor`): their
    /// calls are tensors.
    tensor_functions: HashSet<String>,
}

impl Semantic {
    pub fn build(module: &ast::ModModule) -> Self {
        let mut semantic = Self::imports(module);
        semantic.add_classes(module, &|_, _| false);
        semantic
    }

    /// The model of a module that imports torch; `None`, without analysing its classes, for
    /// one that does not (most files of a large project: no rule has anything to say there).
    pub fn build_for_torch(module: &ast::ModModule) -> Option<Self> {
        Self::build_for_torch_in(module, &|_, _| false)
    }

    /// `build_for_torch`, told which of the project's classes the file imports keep torch's
    /// channels-first layout: the classes building them pass them channels-first maps.
    pub fn build_for_torch_in(module: &ast::ModModule, imported: ImportedLayout) -> Option<Self> {
        let mut semantic = Self::imports(module);
        if !semantic.imports_torch {
            return None;
        }
        semantic.add_classes(module, imported);
        Some(semantic)
    }

    /// The module classes that keep torch's channels-first layout and work on feature maps,
    /// and the functions building such layers or classes (`get_same_padding_conv2d`): what
    /// builds with them passes them channels-first maps.
    pub fn channels_first_names(&self) -> impl Iterator<Item = &str> {
        self.channels_first_classes
            .iter()
            .chain(&self.channels_first_builders)
            .map(String::as_str)
    }

    /// The import bindings alone.
    fn imports(module: &ast::ModModule) -> Self {
        let mut semantic = Semantic::default();
        let mut imports = ImportCollector {
            bindings: &mut semantic.bindings,
            from_imports: &mut semantic.from_imports,
        };
        for stmt in &module.body {
            imports.visit_stmt(stmt);
        }
        // `from .layers import *` brings that module's `torch`, `nn` and `F` along (a package's
        // modules rarely list `__all__`): a file using them through a star import is torch code.
        let star_import = module.body.iter().any(|stmt| {
            matches!(stmt, Stmt::ImportFrom(import) if import.names.iter().any(|a| a.name.as_str() == "*"))
        });
        if star_import {
            for (local, qualified) in [
                ("torch", "torch"),
                ("nn", "torch.nn"),
                ("F", "torch.nn.functional"),
            ] {
                semantic
                    .bindings
                    .entry(local.to_string())
                    .or_insert_with(|| qualified.to_string());
            }
        }
        for (local, qualified) in &semantic.bindings {
            if is_torch(qualified) {
                semantic.imports_torch = true;
                semantic.torch_locals.push(local.clone());
                if let Some(&initial) = local.as_bytes().first() {
                    semantic.torch_initials[usize::from(initial / 64)] |= 1 << (initial % 64);
                }
            }
        }
        semantic.tensor_functions = module
            .body
            .iter()
            .filter_map(|stmt| match stmt {
                Stmt::FunctionDef(function) => Some(function),
                _ => None,
            })
            .filter(|function| {
                function.returns.as_deref().is_some_and(|returns| {
                    semantic.with_torch_name(returns, |q| q == "torch.Tensor") == Some(true)
                })
            })
            .map(|function| function.name.id.to_string())
            .collect();
        semantic
    }

    /// Whether `name` is one of the file's functions annotated to return a tensor.
    pub fn returns_annotated_tensor(&self, name: &str) -> bool {
        self.tensor_functions.contains(name)
    }

    /// What the module's classes are: modules or not, their layers and arrays.
    fn add_classes(&mut self, module: &ast::ModModule, imported: ImportedLayout) {
        // `def conv3x3(...): return nn.Conv2d(...)`: `self.conv1 = conv3x3(...)` is a Conv2d.
        let helpers = self.layer_returns(&module.body);
        for stmt in &module.body {
            if let Stmt::ClassDef(class) = stmt {
                let info = self.class_info(class, &helpers);
                self.classes.insert(class.name.id.to_string(), info);
            }
        }
        // A class deriving from a module class of this file is a module too.
        for _ in 0..3 {
            for stmt in &module.body {
                if let Stmt::ClassDef(class) = stmt {
                    let derived = class.bases().iter().any(|base| {
                        let Expr::Name(name) = base else { return false };
                        self.classes
                            .get(name.id.as_str())
                            .is_some_and(|c| c.is_module)
                    });
                    if derived && let Some(info) = self.classes.get_mut(class.name.id.as_str()) {
                        info.is_module = true;
                    }
                }
            }
        }
        self.agree_on_layouts(module, &helpers, imported);
        self.feature_maps = !self.channels_first_classes.is_empty()
            || !self.channels_first_builders.is_empty()
            || self.classes.values().any(|class| class.channels_last);
    }

    /// Whether the file works on feature maps at all: one of its classes owns convolutions,
    /// pools or 2-D norms, or keeps torch's channels-first layout for them, or one of its
    /// functions builds such layers.
    pub fn has_feature_maps(&self) -> bool {
        self.feature_maps
    }

    /// Module-level aliases of a class, `(alias, class)`: `Alias = Block` or
    /// `Alias = partial(Block, ...)` (timm's `SqueezeExcite = SEModule`,
    /// `SEWithNorm = partial(SEModule, norm_layer=nn.BatchNorm2d)`), each alias assigned once.
    pub fn module_aliases<'m>(
        &self,
        module: &'m ast::ModModule,
    ) -> impl Iterator<Item = (&'m str, &'m str)> {
        let assigned = |stmt: &'m Stmt| match stmt {
            Stmt::Assign(assign) => match &assign.targets[..] {
                [Expr::Name(target)] => Some((target.id.as_str(), assign.value.as_ref())),
                _ => None,
            },
            _ => None,
        };
        let mut counts: HashMap<&str, usize> = HashMap::default();
        for (alias, _) in module.body.iter().filter_map(assigned) {
            *counts.entry(alias).or_default() += 1;
        }
        module
            .body
            .iter()
            .filter_map(assigned)
            .filter(move |(alias, _)| counts.get(alias) == Some(&1))
            .filter_map(|(alias, value)| {
                let class = match value {
                    Expr::Call(call)
                        if self.qualified(&call.func).as_deref() == Some("functools.partial") =>
                    {
                        call.arguments.args.first()?
                    }
                    value => value,
                };
                match class {
                    Expr::Name(name) => Some((alias, name.id.as_str())),
                    _ => None,
                }
            })
    }

    /// Whether `function`, a function of this file, builds channels-first layers.
    pub fn builds_channels_first(&self, function: &str) -> bool {
        self.channels_first_builders.contains(function)
    }

    /// Module classes and layer-building functions of a file that name one another share one
    /// layout. A class whose convolutions sit in containers keeps torch's channels-first maps
    /// (its layers are built channels-first), as does a function building them into containers
    /// (`make_layers`, `conv_1x1_bn`); a channels-last class such a class or function builds,
    /// or that builds it, would hand over or receive maps in the other layout (SqueezeNet's
    /// Fire blocks, ShuffleNet's stages, a `conv3x3` helper called by `make_layers`). Those
    /// become channels-first too, until the file agrees. The functions that end up
    /// channels-first are `channels_first_builders`.
    fn agree_on_layouts(
        &mut self,
        module: &ast::ModModule,
        helpers: &HashMap<String, String>,
        imported: ImportedLayout,
    ) {
        let mut nodes: HashMap<&str, Vec<&str>> = HashMap::default(); // node → the names it uses
        let mut channels_first: HashSet<String> = HashSet::default();
        for stmt in &module.body {
            let mut uses = BodyUses::new(self);
            let name = match stmt {
                Stmt::ClassDef(class)
                    if self
                        .classes
                        .get(class.name.id.as_str())
                        .is_some_and(|c| c.is_module) =>
                {
                    uses.visit_body(&class.body);
                    class.name.id.as_str()
                }
                Stmt::FunctionDef(function) => {
                    uses.visit_parameters(&function.parameters);
                    uses.visit_body(&function.body);
                    function.name.as_str()
                }
                _ => continue,
            };
            let returns_layer = helpers.contains_key(name);
            let returns_spatial_layer = helpers.get(name).is_some_and(|q| is_channel_layer(q));
            let class = self
                .classes
                .get(name)
                .filter(|_| matches!(stmt, Stmt::ClassDef(_)));
            let seeds = match class {
                // A subclass of a convolution or pool (`class CausalConv1d(nn.Conv1d)`) keeps
                // torch's layout (the layers rule builds its base channels-first).
                Some(_) if self.extends_channel_layer(stmt) => true,
                // Its own layers would be channels-last, but it names the axes of its maps
                // (`b, c, l = x.shape`) for shapes no rewrite can follow (ConvTasNet's padding).
                Some(info) if info.channels_last && uses.unpacks_shape => true,
                Some(info) => uses.spatial && !info.channels_last,
                // A helper returning one layer builds it for its caller; a function building
                // layers any other way (with a helper's, into a container) is channels-first.
                // A function pooling or resampling the maps it is given (pretrainedmodels'
                // `adaptive_avgmax_pool2d`) reads them in torch's layout.
                None => {
                    let calls_spatial_helper = uses
                        .built
                        .iter()
                        .any(|b| helpers.get(*b).is_some_and(|q| is_channel_layer(q)));
                    ((uses.spatial || calls_spatial_helper) && !returns_spatial_layer)
                        || uses.spatial_functional
                }
            };
            // A class of another file of the project that keeps torch's layout
            // (`TemporalConv1d`, imported from `.conv`) takes channels-first maps from here.
            // Asked only where the answer can change a layout, a class that would be
            // channels-last or a function building spatial layers: reading the other file is
            // the cost (most classes of a large project have no convolution).
            let could_be_channels_last = match class {
                Some(info) => info.channels_last,
                None => uses.spatial,
            };
            let builds_imported_channels_first = || {
                could_be_channels_last
                    && uses.built.iter().any(|built| {
                        self.from_imports.get(*built).is_some_and(|import| {
                            imported(import, ImportedLayoutQuestion::ChannelsFirst)
                        })
                    })
            };
            if seeds || builds_imported_channels_first() {
                channels_first.insert(name.to_string());
            }
            // Functions that build nothing of torch's (`make_divisible`) link nothing: classes
            // of both layouts may share them. A factory naming a module class of the file
            // (`get_same_padding_conv2d` returning `Conv2dStaticSamePadding`) builds with it.
            let names_module_class = || {
                uses.built
                    .iter()
                    .any(|b| self.classes.get(*b).is_some_and(|c| c.is_module))
            };
            if class.is_some() || uses.spatial || returns_layer || seeds || names_module_class() {
                nodes.insert(name, uses.built);
            }
        }
        let mut links: Vec<(&str, &str)> = Vec::new();
        for (&from, built) in &nodes {
            links.extend(
                built
                    .iter()
                    .filter(|&&to| to != from && nodes.contains_key(to))
                    .map(|&to| (from, to)),
            );
        }
        loop {
            let joined: Vec<&str> = links
                .iter()
                .filter_map(|&(a, b)| {
                    match (channels_first.contains(a), channels_first.contains(b)) {
                        (true, false) => Some(b),
                        (false, true) => Some(a),
                        _ => None,
                    }
                })
                .collect();
            if joined.is_empty() {
                break;
            }
            for name in joined {
                channels_first.insert(name.to_string());
            }
        }
        for name in &channels_first {
            if let Some(info) = self.classes.get_mut(name.as_str()) {
                info.channels_last = false;
                info.feature_rank = None;
                self.channels_first_classes.insert(name.clone());
            }
        }
        let functions: HashSet<&str> = module
            .body
            .iter()
            .filter_map(|stmt| match stmt {
                Stmt::FunctionDef(function) => Some(function.name.as_str()),
                _ => None,
            })
            .collect();
        self.channels_first_builders = channels_first
            .into_iter()
            .filter(|name| functions.contains(name.as_str()))
            .collect();
    }

    /// A class statement deriving from a torch layer that is channels-last once ported.
    fn extends_channel_layer(&self, stmt: &Stmt) -> bool {
        let Stmt::ClassDef(class) = stmt else {
            return false;
        };
        class
            .bases()
            .iter()
            .any(|base| self.with_torch_name(base, is_channel_layer) == Some(true))
    }

    /// Where `local` was imported from with `from X import name`, when it was.
    pub fn from_import(&self, local: &str) -> Option<&ImportRef> {
        self.from_imports.get(local)
    }

    /// What an imported local name is bound to.
    pub fn qualified_binding(&self, local: &str) -> Option<&str> {
        self.bindings.get(local).map(String::as_str)
    }

    /// Whether a local name is bound by an import, relative ones (`from . import
    /// initialization as init`) included.
    pub fn is_imported_name(&self, local: &str) -> bool {
        self.bindings.contains_key(local) || self.from_imports.contains_key(local)
    }

    /// Whether any name in this file is bound to torch.
    pub fn imports_torch(&self) -> bool {
        self.imports_torch
    }

    /// Fully qualified dotted name of a name/attribute chain, resolving import aliases.
    /// `F.softmax` → `torch.nn.functional.softmax`. Unbound roots are returned as written.
    pub fn qualified(&self, expr: &Expr) -> Option<String> {
        let mut qualified = String::new();
        self.qualified_into(expr, &mut qualified)
            .then_some(qualified)
    }

    /// `qualified`, appended to `out`; false (and nothing appended) when `expr` is not a
    /// name/attribute chain.
    pub fn qualified_into(&self, expr: &Expr, out: &mut String) -> bool {
        // Measured first, so the name is allocated once at its final size.
        let mut length = 0;
        let mut link = expr;
        let root = loop {
            match link {
                Expr::Name(name) => break self.resolve(name.id.as_str()),
                Expr::Attribute(attribute) => {
                    length += 1 + attribute.attr.len();
                    link = &attribute.value;
                }
                _ => return false,
            }
        };
        out.reserve(root.len() + length);
        out.push_str(root);
        push_attributes(expr, out);
        true
    }

    /// What a local name stands for: its import, or itself.
    fn resolve<'n>(&'n self, local: &'n str) -> &'n str {
        self.bindings.get(local).map_or(local, String::as_str)
    }

    /// Whether a name/attribute chain's qualified name is `qualified`: what comparing
    /// `qualified(expr)` would tell, without building the name (rules ask this of every call).
    pub fn qualified_is(&self, expr: &Expr, qualified: &str) -> bool {
        match expr {
            Expr::Name(name) => self.resolve(name.id.as_str()) == qualified,
            Expr::Attribute(attribute) => qualified
                .strip_suffix(attribute.attr.as_str())
                .and_then(|base| base.strip_suffix('.'))
                .is_some_and(|base| self.qualified_is(&attribute.value, base)),
            _ => false,
        }
    }

    /// The qualified name, only when it resolves into torch.
    pub fn torch_name(&self, expr: &Expr) -> Option<String> {
        if !self.is_torch_rooted(expr) {
            return None;
        }
        self.qualified(expr)
    }

    /// `f` of the qualified name, only when it resolves into torch: `torch_name` without
    /// allocating (the name is built in a buffer kept per thread). `f` must not ask again.
    pub fn with_torch_name<R>(&self, expr: &Expr, f: impl FnOnce(&str) -> R) -> Option<R> {
        thread_local! {
            static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        if !self.is_torch_rooted(expr) {
            return None;
        }
        BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            self.qualified_into(expr, buffer).then(|| f(buffer))
        })
    }

    /// Whether a name/attribute chain starts at a name bound to torch.
    pub fn is_torch_rooted(&self, expr: &Expr) -> bool {
        leftmost_name(expr).is_some_and(|root| {
            root.as_bytes().first().is_some_and(|&initial| {
                self.torch_initials[usize::from(initial / 64)] & (1 << (initial % 64)) != 0
            }) && self.torch_locals.iter().any(|local| local == root)
        })
    }

    /// The functions of `body` (a module's or a class's) whose last return statement returns a
    /// torch constructor call, by name: the layer class they build.
    fn layer_returns(&self, body: &[Stmt]) -> HashMap<String, String> {
        body.iter()
            .filter_map(|stmt| {
                let Stmt::FunctionDef(function) = stmt else {
                    return None;
                };
                let returned = function.body.iter().rev().find_map(|s| match s {
                    Stmt::Return(r) => r.value.as_deref(),
                    _ => None,
                })?;
                let Expr::Call(call) = returned else {
                    return None;
                };
                let built = self.torch_name(&call.func)?;
                builds_layer(&built).then(|| (function.name.to_string(), built))
            })
            .collect()
    }

    fn class_info(
        &self,
        class: &ast::StmtClassDef,
        helpers: &HashMap<String, String>,
    ) -> ClassInfo {
        let mut info = ClassInfo {
            is_module: class.bases().iter().any(|base| {
                self.qualified(base)
                    .is_some_and(|q| is_torch_module_class(&q))
            }),
            ..ClassInfo::default()
        };
        // `self.layer = self._make_layer(...)`: methods that build a layer.
        let returns = self.layer_returns(&class.body);
        let mut collector = SelfAssignments {
            semantic: self,
            info: &mut info,
            returns: &returns,
            helpers,
        };
        // A class with a `forward` is a module, unless it is a torch.autograd.Function (its
        // static forward(ctx, ...) stays a forward).
        let autograd_function = class.bases().iter().any(|base| {
            self.qualified(base)
                .is_some_and(|q| q == "torch.autograd.Function")
        });
        for stmt in &class.body {
            collector.visit_stmt(stmt);
            if let Stmt::FunctionDef(function) = stmt
                && function.name.as_str() == "forward"
                && !autograd_function
            {
                collector.info.is_module = true;
                collector.info.takes_one_input = takes_one_input(function);
                collector.info.returns_tuple =
                    returns_matching(function, |value| matches!(value, Expr::Tuple(_)));
                collector.info.returns_object = returns_matching(function, returns_object);
            }
        }
        // A Sequential subclass without a forward of its own (timm's TinyViT `ConvNorm`) is
        // called with one array, as Sequential is.
        let has_forward = class
            .body
            .iter()
            .any(|stmt| matches!(stmt, Stmt::FunctionDef(f) if f.name.as_str() == "forward"));
        if !has_forward
            && class.bases().iter().any(|base| {
                self.qualified(base)
                    .is_some_and(|q| q == "torch.nn.Sequential")
            })
        {
            info.takes_one_input = true;
        }
        info.channels_last = info.layers.values().any(|q| is_channel_layer(q));
        if info.channels_last && !info.takes_one_input {
            info.takes_map_first = class.body.iter().any(|stmt| {
                matches!(stmt, Stmt::FunctionDef(f) if f.name.as_str() == "forward"
                    && block_input::takes_map_first(f, &info.layers, is_channel_layer))
            });
        }
        if info.channels_last {
            info.feature_rank = feature_rank(&info.layers);
        }
        info
    }
}

/// torch.nn.functional's ops on feature maps whose axes they read in torch's layout.
fn is_spatial_functional(qualified: &str) -> bool {
    let Some(name) = qualified.strip_prefix("torch.nn.functional.") else {
        return false;
    };
    [
        "avg_pool",
        "max_pool",
        "adaptive_",
        "lp_pool",
        "conv",
        "interpolate",
        "upsample",
        "pixel_shuffle",
        "pixel_unshuffle",
        "grid_sample",
        "batch_norm",
        "instance_norm",
        "group_norm",
        "local_response_norm",
    ]
    .iter()
    .any(|prefix| name.starts_with(prefix))
}

/// Whether a torch layer works on feature maps that are channels-last once ported.
fn is_channel_layer(qualified: &str) -> bool {
    CHANNEL_LAYERS.contains(&qualified)
}

/// `torch.nn.Module` and its subclasses in `torch.nn` (`nn.Sequential`, `nn.Conv2d`): a class
/// deriving from one is a module.
fn is_torch_module_class(qualified: &str) -> bool {
    let Some(name) = qualified.strip_prefix("torch.nn.") else {
        return false;
    };
    let class = name.rsplit('.').next().unwrap_or_default();
    let not_modules = [
        "Parameter",
        "Buffer",
        "UninitializedParameter",
        "UninitializedBuffer",
    ];
    class.starts_with(char::is_uppercase)
        && !not_modules.contains(&class)
        && !name.starts_with("utils.")
        && !name.starts_with("parameter.")
}

/// The rank of the feature maps the layers work on (`Conv2d` → 4), when they agree.
fn feature_rank(layers: &HashMap<String, String>) -> Option<usize> {
    let mut ranks = layers.values().filter_map(|q| {
        let q = q.strip_prefix("torch.nn.")?;
        if q.ends_with("1d") {
            Some(3)
        } else if q.ends_with("2d") {
            Some(4)
        } else if q.ends_with("3d") {
            Some(5)
        } else {
            None
        }
    });
    let first = ranks.next()?;
    ranks.all(|r| r == first).then_some(first)
}

/// `.b.c` of `a.b.c`, appended in order.
fn push_attributes(expr: &Expr, out: &mut String) {
    if let Expr::Attribute(attribute) = expr {
        push_attributes(&attribute.value, out);
        out.push('.');
        out.push_str(attribute.attr.as_str());
    }
}

/// Whether a qualified name is torch's, or a package's that only works with torch (its layers
/// are torch modules, its functions take torch tensors): a port must replace those too, and
/// an import of one keeps torch alive just as `import torch` does.
pub fn is_torch(qualified: &str) -> bool {
    const TORCH_PACKAGES: &[&str] = &["torch", "torchvision", "torchaudio", "einops.layers.torch"];
    TORCH_PACKAGES.iter().any(|package| {
        qualified
            .strip_prefix(package)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

pub fn leftmost_name(mut expr: &Expr) -> Option<&str> {
    loop {
        match expr {
            Expr::Name(name) => return Some(name.id.as_str()),
            Expr::Attribute(attribute) => expr = &attribute.value,
            _ => return None,
        }
    }
}

struct ImportCollector<'b> {
    bindings: &'b mut HashMap<String, String>,
    from_imports: &'b mut HashMap<String, ImportRef>,
}

impl<'a> Visitor<'a> for ImportCollector<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let full = alias.name.as_str();
                    match &alias.asname {
                        Some(asname) => {
                            self.bindings.insert(asname.to_string(), full.to_string());
                        }
                        None => {
                            let root = full.split('.').next().unwrap_or(full);
                            self.bindings.insert(root.to_string(), root.to_string());
                        }
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                let module = import.module.as_ref().map_or("", |m| m.as_str());
                for alias in &import.names {
                    let local = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.from_imports.insert(
                        local.to_string(),
                        ImportRef {
                            level: import.level,
                            module: module.to_string(),
                            name: alias.name.to_string(),
                        },
                    );
                    if import.level == 0 && !module.is_empty() {
                        self.bindings.insert(
                            local.to_string(),
                            format!("{module}.{}", alias.name.as_str()),
                        );
                    }
                }
            }
            // `try: from torch.nn.utils.parametrizations import weight_norm` / `except
            // ImportError: from torch.nn.utils import weight_norm`: on a current torch the try
            // body's import is the one that runs, so its bindings win over the fallback's.
            Stmt::Try(try_stmt) => {
                for handler in &try_stmt.handlers {
                    visitor::walk_except_handler(self, handler);
                }
                self.visit_body(&try_stmt.body);
                self.visit_body(&try_stmt.orelse);
                self.visit_body(&try_stmt.finalbody);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }
    fn visit_expr(&mut self, _: &'a Expr) {}
}

/// What a class's or a function's body builds: layers that work on feature maps (called or
/// named as values), and the names it uses (among them the classes and functions of this file
/// it builds with).
struct BodyUses<'s, 'a> {
    semantic: &'s Semantic,
    spatial: bool,
    built: Vec<&'a str>,
    /// `b, c, l = x.shape`: names for each axis of a feature map, used later in shapes
    /// (`torch.zeros(b, c, pad)`) whose axes no rewrite can follow to channels-last.
    unpacks_shape: bool,
    /// Calls a functional op on feature maps (`F.avg_pool2d`, `F.interpolate`): the maps it is
    /// given are in torch's layout.
    spatial_functional: bool,
}

impl<'s> BodyUses<'s, '_> {
    fn new(semantic: &'s Semantic) -> Self {
        Self {
            semantic,
            spatial: false,
            built: Vec::new(),
            unpacks_shape: false,
            spatial_functional: false,
        }
    }
}

impl<'a> Visitor<'a> for BodyUses<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::Assign(assign) = stmt
            && let [Expr::Tuple(names)] = &assign.targets[..]
            && names.elts.len() >= 3
            && unpacks_shape_read(&assign.value)
        {
            self.unpacks_shape = true;
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        // A class of this file named (called, or passed as `block=Fire`) is one it builds.
        if let Expr::Name(name) = expr {
            self.built.push(name.id.as_str());
        }
        if !self.spatial_functional
            && let Expr::Call(call) = expr
        {
            self.spatial_functional = self
                .semantic
                .with_torch_name(&call.func, is_spatial_functional)
                .unwrap_or(false);
        }
        if !self.spatial && matches!(expr, Expr::Attribute(_) | Expr::Name(_)) {
            self.spatial = self
                .semantic
                .with_torch_name(expr, is_channel_layer)
                .unwrap_or(false);
        }
        visitor::walk_expr(self, expr);
    }
}

/// The names a body reads (`ConvNormAct(...)`, `block=Fire`): a class named there is one it
/// builds, as `BodyUses` counts them.
pub(crate) fn names_in(body: &[Stmt]) -> Vec<&str> {
    struct Names<'a>(Vec<&'a str>);
    impl<'a> Visitor<'a> for Names<'a> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(name) = expr {
                self.0.push(name.id.as_str());
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_body(body);
    names.0
}

/// Whether a function returns a tuple display anywhere (`return resid, dense`).
/// Whether a `return` of `function` (not of a function nested in it) returns a value
/// `matches` accepts.
fn returns_matching(function: &ast::StmtFunctionDef, matches: fn(&Expr) -> bool) -> bool {
    struct Finder {
        matches: fn(&Expr) -> bool,
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Return(ret) => {
                    self.found |= ret.value.as_deref().is_some_and(self.matches);
                }
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                _ => visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut finder = Finder {
        matches,
        found: false,
    };
    finder.visit_body(&function.body);
    finder.found
}

/// A list, a dict, or an instance of a class (`BaseModelOutput(...)`).
fn returns_object(value: &Expr) -> bool {
    match value {
        Expr::List(_) | Expr::Dict(_) => true,
        Expr::Call(call) => {
            matches!(call.func.as_ref(), Expr::Name(class) if class.id.starts_with(char::is_uppercase))
        }
        _ => false,
    }
}

/// `x.shape` or `x.size()`.
/// `x.shape`, or a tuple spreading it among other values (`*x.shape, self.heads`, as
/// nystrom-attention names its axes and settings at once).
fn unpacks_shape_read(value: &Expr) -> bool {
    match value {
        Expr::Tuple(values) => values
            .elts
            .iter()
            .any(|value| matches!(value, Expr::Starred(starred) if is_shape_read(&starred.value))),
        _ => is_shape_read(value),
    }
}

fn is_shape_read(value: &Expr) -> bool {
    match value {
        Expr::Attribute(attribute) => attribute.attr.as_str() == "shape",
        Expr::Call(call) => {
            call.arguments.is_empty()
                && matches!(call.func.as_ref(), Expr::Attribute(a) if a.attr.as_str() == "size")
        }
        _ => false,
    }
}

struct SelfAssignments<'s, 'i> {
    semantic: &'s Semantic,
    info: &'i mut ClassInfo,
    /// Methods of the class that return a torch constructor call (`_make_layer` → Sequential).
    returns: &'s HashMap<String, String>,
    /// The same of the file's functions (`conv3x3` → Conv2d).
    helpers: &'s HashMap<String, String>,
}

impl<'a> Visitor<'a> for SelfAssignments<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if let Some(attr) = self_attribute(target) {
                        self.record(attr, &assign.value);
                    }
                }
            }
            Stmt::Expr(expr) => {
                // self.register_buffer("name", ...) / self.register_parameter("name", ...)
                if let Expr::Call(call) = expr.value.as_ref()
                    && let Expr::Attribute(method) = call.func.as_ref()
                    && matches!(
                        method.attr.as_str(),
                        "register_buffer" | "register_parameter"
                    )
                    && let Some(Expr::StringLiteral(name)) = call.arguments.args.first()
                {
                    self.info.arrays.insert(name.value.to_str().to_string());
                }
            }
            Stmt::ClassDef(_) => {}
            _ => visitor::walk_stmt(self, stmt),
        }
    }
    fn visit_expr(&mut self, _: &'a Expr) {}
}

impl SelfAssignments<'_, '_> {
    fn record(&mut self, attr: &str, value: &Expr) {
        // `nn.Sequential(...) if project_out else nn.Identity()`: either layer may be built;
        // the one with parameters (the first given) is the one whose names matter.
        if let Expr::If(choice) = value {
            self.record(attr, &choice.orelse);
            self.record(attr, &choice.body);
            return;
        }
        if let Expr::Call(call) = value
            && let Some(q) = match call.func.as_ref() {
                Expr::Name(helper) => self.helpers.get(helper.id.as_str()),
                func => self_attribute(func).and_then(|method| self.returns.get(method)),
            }
        {
            self.info.layers.insert(attr.to_string(), q.clone());
            return;
        }
        if let Expr::Call(call) = value
            && let Expr::Name(class) = call.func.as_ref()
            && self.semantic.qualified_binding(class.id.as_str()).is_none()
            && class.id.starts_with(char::is_uppercase)
        {
            self.info
                .local_modules
                .insert(attr.to_string(), class.id.to_string());
            return;
        }
        if let Expr::Call(call) = value
            && let Some(q) = self.semantic.torch_name(&call.func)
        {
            if q.starts_with("torch.nn.") && q[9..].starts_with(char::is_uppercase) {
                // `nn.Buffer(t)` (torch >= 2.5) and `nn.Parameter(t)` hold arrays, not layers.
                if matches!(
                    q.as_str(),
                    "torch.nn.Parameter"
                        | "torch.nn.Buffer"
                        | "torch.nn.UninitializedParameter"
                        | "torch.nn.UninitializedBuffer"
                ) {
                    self.info.arrays.insert(attr.to_string());
                } else {
                    self.info.layers.insert(attr.to_string(), q);
                }
            } else {
                self.info.arrays.insert(attr.to_string());
            }
            return;
        }
        if matches!(value, Expr::Call(_)) {
            self.info.built_by_calls.insert(attr.to_string());
        }
    }
}

/// Whether a method takes one required argument besides `self`, every other defaulted.
fn takes_one_input(function: &ast::StmtFunctionDef) -> bool {
    let parameters = &function.parameters;
    let required = parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .skip(1)
        .filter(|p| p.default.is_none())
        .count()
        + parameters
            .kwonlyargs
            .iter()
            .filter(|p| p.default.is_none())
            .count();
    required == 1 && parameters.vararg.is_none()
}

/// Whether a function returning a call of `q` returns a layer: torch.nn's classes and
/// helpers (`nn.Conv2d`, `nn.utils.weight_norm(conv)`) or another library's class, not torch's
/// array functions (`return torch.cat(...)`) nor torch.nn.functional's.
fn builds_layer(q: &str) -> bool {
    match q.strip_prefix("torch.") {
        Some(rest) => {
            rest.starts_with("nn.")
                && !rest.starts_with("nn.functional.")
                && !rest.starts_with("nn.init.")
                && !matches!(
                    rest,
                    "nn.Parameter"
                        | "nn.Buffer"
                        | "nn.UninitializedParameter"
                        | "nn.UninitializedBuffer"
                )
        }
        None => q
            .rsplit('.')
            .next()
            .is_some_and(|name| name.starts_with(char::is_uppercase)),
    }
}

/// `self.name` → `name`.
pub fn self_attribute(expr: &Expr) -> Option<&str> {
    if let Expr::Attribute(attribute) = expr
        && let Expr::Name(name) = attribute.value.as_ref()
        && name.id.as_str() == "self"
    {
        return Some(attribute.attr.as_str());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_module;

    fn semantic(src: &str) -> (ast::ModModule, Semantic) {
        let module = parse_module(src).unwrap();
        let semantic = Semantic::build(&module);
        (module, semantic)
    }

    fn first_expr(module: &ast::ModModule) -> &Expr {
        let Stmt::Expr(e) = module.body.last().unwrap() else {
            panic!()
        };
        &e.value
    }

    /// A block a feature map flows through takes one array; attention's forward takes several
    /// (x-transformers' Attend owns talking-heads convolutions but takes q, k and v).
    #[test]
    fn forwards_taking_one_array_are_told_from_others() {
        let (_, semantic) = semantic(
            "import torch.nn as nn\nclass SE(nn.Module):\n    def forward(self, x, scale=None):\n        return x\nclass Attend(nn.Module):\n    def forward(self, q, k, v, mask=None):\n        return q\nclass Gate(nn.Module):\n    def forward(self, *xs):\n        return xs\n",
        );
        let one = |name: &str| semantic.classes[name].takes_one_input;
        assert!(one("SE"));
        assert!(!one("Attend"));
        assert!(!one("Gate"));
    }

    #[test]
    fn classes_and_builders_that_build_one_another_agree_on_a_layout() {
        let src = "import torch.nn as nn\n\n
def conv3x3(c):\n    return nn.Conv2d(c, c, 3)\n\n
def make_layers(c):\n    return nn.Sequential(conv3x3(c), nn.ReLU())\n\n
class Block(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = conv3x3(4)\n\n
class Fire(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.squeeze = nn.Conv2d(4, 2, 1)\n\n
class SqueezeNet(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.features = nn.Sequential(nn.Conv2d(3, 4, 3), Fire())\n\n
class Vgg(nn.Module):\n    def __init__(self, block=Block):\n        super().__init__()\n        self.stem = nn.Conv2d(3, 4, 3)\n        self.features = make_layers(4)\n";
        let (_, file) = semantic(src);
        let channels_last = |class: &str| file.classes[class].channels_last;
        assert!(
            !channels_last("SqueezeNet") && !channels_last("Fire"),
            "Fire takes its container's layout"
        );
        // make_layers builds conv3x3's layer into a container, so conv3x3 builds channels-first
        // layers, and so does everything using either: Block, and Vgg, which builds Block.
        assert!(file.builds_channels_first("make_layers") && file.builds_channels_first("conv3x3"));
        assert!(!channels_last("Vgg") && !channels_last("Block"));
        // A helper returning its layer to channels-last classes alone builds it channels-last.
        let helper_and_block =
            &src[..src.find("class Fire").unwrap()].replace("def make_layers", "def unused");
        let (_, alone) = semantic(
            &helper_and_block.replace("return nn.Sequential(conv3x3(c), nn.ReLU())", "return c"),
        );
        assert!(!alone.builds_channels_first("conv3x3") && alone.classes["Block"].channels_last);
    }

    #[test]
    fn resolves_every_import_form() {
        for (src, expected) in [
            (
                "import torch as T\nT.nn.functional.relu",
                "torch.nn.functional.relu",
            ),
            (
                "from torch import nn\nnn.functional.relu",
                "torch.nn.functional.relu",
            ),
            (
                "from torch.nn import functional as F\nF.relu",
                "torch.nn.functional.relu",
            ),
            (
                "import torch.nn.functional as F\nF.relu",
                "torch.nn.functional.relu",
            ),
            (
                "import torch.nn\ntorch.nn.functional.relu",
                "torch.nn.functional.relu",
            ),
            (
                "from torch.nn.functional import relu\nrelu",
                "torch.nn.functional.relu",
            ),
        ] {
            let (module, semantic) = semantic(src);
            assert_eq!(
                semantic.torch_name(first_expr(&module)).as_deref(),
                Some(expected),
                "{src}"
            );
        }
    }

    #[test]
    fn qualified_is_agrees_with_qualified() {
        let (module, semantic) = semantic("import mlx.core as mx\nmx.core.eval");
        let expr = first_expr(&module);
        assert_eq!(
            semantic.qualified(expr).as_deref(),
            Some("mlx.core.core.eval")
        );
        assert!(semantic.qualified_is(expr, "mlx.core.core.eval"));
        for other in [
            "mlx.core.eval",
            "core.eval",
            "mlx.core.core",
            "xmlx.core.core.eval",
            "",
        ] {
            assert!(!semantic.qualified_is(expr, other), "{other}");
        }
    }

    #[test]
    fn non_torch_names_are_not_torch() {
        let (module, semantic) = semantic("import numpy as np\nnp.zeros");
        assert_eq!(semantic.torch_name(first_expr(&module)), None);
    }

    #[test]
    fn classes_know_their_layers_and_layout() {
        let (_, semantic) = semantic(
            "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        self.conv = nn.Conv2d(3, 8, 3)\n        self.register_buffer('mask', None)\n",
        );
        let net = &semantic.classes["Net"];
        assert!(net.is_module && net.channels_last);
        assert_eq!(net.layers["conv"], "torch.nn.Conv2d");
        assert!(net.arrays.contains("mask"));
    }
}
