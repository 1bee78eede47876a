//! The Terraform functions remote-state keys and the locals feeding them use, for the HCL
//! evaluator. A call to any other function leaves the expression unresolved (a warning).

use hcl::Value;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

/// Declares the supported functions in `ctx`.
pub(crate) fn declare(ctx: &mut Context) {
    let any = || ParamType::Any;
    let fixed = |arity: usize, f: hcl::eval::Func| FuncDef::new(f, (0..arity).map(|_| any()));
    let variadic = |f: hcl::eval::Func| FuncDef::builder().variadic_param(any()).build(f);
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .param(any())
            .param(any())
            .variadic_param(any())
            .build(lookup),
    );
    ctx.declare_func("merge", variadic(merge));
    ctx.declare_func("concat", variadic(concat));
    ctx.declare_func("coalesce", variadic(coalesce));
    ctx.declare_func("format", variadic(format));
    ctx.declare_func("keys", fixed(1, keys));
    ctx.declare_func("values", fixed(1, values));
    ctx.declare_func("length", fixed(1, length));
    ctx.declare_func("lower", fixed(1, lower));
    ctx.declare_func("upper", fixed(1, upper));
    ctx.declare_func("replace", fixed(3, replace));
    ctx.declare_func("join", fixed(2, join));
    ctx.declare_func("split", fixed(2, split));
    ctx.declare_func("contains", fixed(2, contains));
    ctx.declare_func("element", fixed(2, element));
    for identity in ["tomap", "tolist", "toset", "tostring", "tonumber", "tobool"] {
        ctx.declare_func(identity, fixed(1, first));
    }
}

fn string(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("expected a string, got {other}")),
    }
}

fn items(value: &Value) -> Result<Vec<Value>, String> {
    match value {
        Value::Array(items) => Ok(items.clone()),
        Value::Object(map) => Ok(map.values().cloned().collect()),
        other => Err(format!("expected a list, got {other}")),
    }
}

fn lookup(args: FuncArgs) -> Result<Value, String> {
    let key = string(&args[1])?;
    match args[0].as_object().and_then(|m| m.get(&key)) {
        Some(value) => Ok(value.clone()),
        None => args
            .get(2)
            .cloned()
            .ok_or_else(|| format!("lookup: no key {key:?}")),
    }
}

fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut merged = hcl::Map::new();
    for arg in args.iter() {
        match arg {
            Value::Object(map) => merged.extend(map.clone()),
            Value::Null => {}
            other => return Err(format!("merge: expected a map, got {other}")),
        }
    }
    Ok(Value::Object(merged))
}

fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut all = Vec::new();
    for arg in args.iter() {
        all.extend(items(arg)?);
    }
    Ok(Value::Array(all))
}

fn coalesce(args: FuncArgs) -> Result<Value, String> {
    args.iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "coalesce: every argument is null or empty".into())
}

/// `format` with the verbs keys use: `%s`, `%d`, `%v` and `%%`.
fn format(args: FuncArgs) -> Result<Value, String> {
    let pattern = string(args.first().ok_or("format: no format string")?)?;
    let mut values = args.iter().skip(1);
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd' | 'v') => {
                out.push_str(&string(values.next().ok_or("format: too few arguments")?)?)
            }
            other => {
                return Err(format!(
                    "format: unsupported verb %{}",
                    other.unwrap_or(' ')
                ));
            }
        }
    }
    Ok(Value::String(out))
}

fn keys(args: FuncArgs) -> Result<Value, String> {
    let map = args[0].as_object().ok_or("keys: expected a map")?;
    Ok(Value::Array(
        map.keys().cloned().map(Value::String).collect(),
    ))
}

fn values(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Array(items(&args[0])?))
}

fn length(args: FuncArgs) -> Result<Value, String> {
    let n = match &args[0] {
        Value::String(s) => s.chars().count(),
        other => items(other)?.len(),
    };
    Ok(Value::from(n as u64))
}

fn lower(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(string(&args[0])?.to_lowercase()))
}

fn upper(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(string(&args[0])?.to_uppercase()))
}

fn replace(args: FuncArgs) -> Result<Value, String> {
    let (text, from, to) = (string(&args[0])?, string(&args[1])?, string(&args[2])?);
    if from.starts_with('/') && from.ends_with('/') && from.len() > 1 {
        return Err("replace: regular expressions are not supported".into());
    }
    Ok(Value::String(text.replace(&from, &to)))
}

fn join(args: FuncArgs) -> Result<Value, String> {
    let separator = string(&args[0])?;
    let parts: Result<Vec<String>, String> = items(&args[1])?.iter().map(string).collect();
    Ok(Value::String(parts?.join(&separator)))
}

fn split(args: FuncArgs) -> Result<Value, String> {
    let (separator, text) = (string(&args[0])?, string(&args[1])?);
    Ok(Value::Array(
        text.split(separator.as_str())
            .map(|s| Value::String(s.to_string()))
            .collect(),
    ))
}

fn contains(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Bool(items(&args[0])?.contains(&args[1])))
}

fn element(args: FuncArgs) -> Result<Value, String> {
    let list = items(&args[0])?;
    let index = args[1].as_u64().ok_or("element: expected an index")? as usize;
    if list.is_empty() {
        return Err("element: empty list".into());
    }
    Ok(list[index % list.len()].clone())
}

fn first(args: FuncArgs) -> Result<Value, String> {
    Ok(args[0].clone())
}
