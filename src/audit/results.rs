//! What calls, imports and operators give, as far as telling arrays apart: an `mx.*` function
//! whose signature says it returns an array gives one, a class gives an instance, a builtin
//! like `str()` or `len()` never gives one, arithmetic with an array is an array.

use super::names::names;
use super::values::{Value, What};
use crate::parse::ast;

/// An imported name itself (not called): MLX's and numpy's are modules, classes, functions and
/// constants, never arrays; another module's could be anything.
pub fn imported(qualified: &str) -> Value {
    // portui's own helpers, however imported (`import portui_shims`, `from . import ...`).
    if qualified.rsplit('.').next() == Some(crate::port::SHIMS_MODULE) {
        return Value::Other(What::Object);
    }
    match qualified.split('.').next().unwrap_or(qualified) {
        "mlx" => Value::Other(What::Object),
        "numpy" => Value::Other(What::Numpy),
        _ => Value::Unknown,
    }
}

/// What calling an imported name (or an mx.array method, `mlx.core.array.<name>`) gives.
pub fn called(callee: &str) -> Value {
    let names = names();
    let (root, last) = (
        callee.split('.').next().unwrap_or(callee),
        callee.rsplit('.').next().unwrap_or(callee),
    );
    match root {
        "numpy" => Value::Other(What::Numpy),
        "mlx" if names.is_array_class(callee) || names.returns_array(callee) => Value::Array,
        "mlx" if names.is_class(callee) && callee.starts_with("mlx.nn.") => {
            Value::Other(What::Module)
        }
        "mlx" if names.is_class(callee) || names.returns_other(callee) => {
            Value::Other(What::Object)
        }
        // Another library's class (`Queue()`, `Path()`): an instance of it, not an array.
        _ if !root.starts_with("torch") && last.starts_with(char::is_uppercase) => {
            Value::Other(What::Object)
        }
        _ => Value::Unknown,
    }
}

/// What a builtin returns, when it is never an array.
pub fn builtin_result(name: &str) -> Value {
    match name {
        "str" | "repr" | "format" | "chr" | "ascii" | "bytes" => Value::Other(What::Str),
        "list" | "tuple" | "dict" | "set" | "frozenset" | "sorted" | "vars" | "dir" => {
            Value::Other(What::Container)
        }
        "int" | "float" | "bool" | "complex" | "len" | "ord" | "hash" | "id" | "isinstance"
        | "issubclass" | "hasattr" | "callable" => Value::Other(What::Number),
        "range" | "enumerate" | "zip" | "open" | "print" | "type" | "object" | "iter"
        | "reversed" | "map" | "filter" | "super" | "property" => Value::Other(What::Object),
        _ => Value::Unknown,
    }
}

/// A builtin type named in an annotation.
pub fn builtin_type(name: &str) -> Value {
    match name {
        "str" | "bytes" => Value::Other(What::Str),
        "int" | "float" | "bool" | "complex" => Value::Other(What::Number),
        "list" | "dict" | "tuple" | "set" | "frozenset" => Value::Other(What::Container),
        _ => Value::Unknown,
    }
}

/// `left op right`: arithmetic with an array is an array; strings, numbers and containers keep
/// their kind; `@` is matrix multiplication.
pub fn arithmetic(op: ast::Operator, left: Value, right: Value) -> Value {
    if op == ast::Operator::MatMult || left == Value::Array || right == Value::Array {
        return Value::Array;
    }
    match (left, right) {
        // `x = x + 1` while x is being worked out: the other bindings decide.
        (Value::Nothing, Value::Other(What::Number))
        | (Value::Other(What::Number), Value::Nothing) => Value::Nothing,
        (Value::Nothing, value) | (value, Value::Nothing) => value,
        (Value::Other(What::Str), _) if op == ast::Operator::Mod => Value::Other(What::Str),
        (Value::Other(What::Numpy), Value::Other(What::Numpy | What::Number))
        | (Value::Other(What::Number), Value::Other(What::Numpy)) => Value::Other(What::Numpy),
        (Value::Other(a), Value::Other(b)) if a == b => Value::Other(a),
        _ => Value::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_give_what_their_signatures_say() {
        assert_eq!(called("mlx.core.zeros"), Value::Array);
        assert_eq!(called("mlx.core.array"), Value::Array);
        assert_eq!(called("mlx.core.array.reshape"), Value::Array);
        assert_eq!(called("mlx.core.array.item"), Value::Other(What::Object));
        assert_eq!(called("mlx.nn.Linear"), Value::Other(What::Module));
        assert_eq!(called("mlx.optimizers.AdamW"), Value::Other(What::Object));
        assert_eq!(
            called("mlx.core.distributed.init"),
            Value::Other(What::Object)
        );
        assert_eq!(called("numpy.zeros"), Value::Other(What::Numpy));
        assert_eq!(called("queue.Queue"), Value::Other(What::Object));
        assert_eq!(called("torch.Tensor"), Value::Unknown);
        assert_eq!(called("mylib.load"), Value::Unknown);
        assert_eq!(builtin_result("sorted"), Value::Other(What::Container));
        assert_eq!(builtin_result("max"), Value::Unknown);
    }

    #[test]
    fn arithmetic_with_an_array_is_an_array() {
        use ast::Operator::{Add, MatMult, Mod};
        let number = Value::Other(What::Number);
        let text = Value::Other(What::Str);
        assert_eq!(arithmetic(Add, Value::Array, number), Value::Array);
        assert_eq!(
            arithmetic(MatMult, Value::Unknown, Value::Unknown),
            Value::Array
        );
        assert_eq!(arithmetic(Add, number, number), number);
        assert_eq!(arithmetic(Mod, text, Value::Unknown), text);
        // `x = x + 1` while x is worked out adds nothing; the other bindings decide.
        assert_eq!(arithmetic(Add, Value::Nothing, number), Value::Nothing);
        assert_eq!(arithmetic(Add, Value::Unknown, number), Value::Unknown);
    }
}
