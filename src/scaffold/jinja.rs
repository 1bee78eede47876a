//! A minijinja environment that renders the project template to the bytes upstream's Jinja2 gives:
//! same whitespace settings, Python's way of printing values, and Jinja2's `attr` and `indent`.

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State, Value};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

/// The environment upstream builds: a loader rooted at the templates clone, `trim_blocks` and
/// `lstrip_blocks` off, the trailing newline of each template dropped, no auto-escaping, and the
/// `value` filter.
pub(crate) fn environment(templates_root: &Path) -> Environment<'static> {
    let mut env = Environment::new();
    let root = templates_root.to_path_buf();
    env.set_loader(move |name| load(&root, name));
    // Jinja2's `Environment()` never escapes; minijinja would for names ending in .html/.xml.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_formatter(python_formatter);
    // `dict.get(...)`, `str.upper()` and friends, which Jinja2 templates call as Python methods.
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.add_filter("value", value);
    env.add_filter("attr", attr);
    env.add_filter("indent", indent);
    env
}

/// Jinja2's `FileSystemLoader`: names are `/`-separated paths below the root, `..` refused.
/// Line endings are normalized to `\n` as Jinja2's lexer does before it drops the last one.
fn load(root: &Path, name: &str) -> Result<Option<String>, Error> {
    let mut path = PathBuf::from(root);
    for part in name.split('/') {
        match Path::new(part).components().next() {
            Some(Component::Normal(_)) if !part.contains('\\') => path.push(part),
            Some(Component::CurDir) | None => {}
            _ => return Ok(None),
        }
    }
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(normalize_newlines(&text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("could not read {}", path.display()),
        )
        .with_source(e)),
    }
}

fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Upstream's filter: `value(d, key)` is `d[key]`, and a missing key is an error (a KeyError).
fn value(dictionary: &Value, key: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let key = match key {
        Some(key) => key,
        None => kwargs.get::<Value>("key")?,
    };
    kwargs.assert_all_used()?;
    let item = dictionary.get_item(&key)?;
    if item.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            format!("value: no key {key} in {}", python_repr(dictionary)),
        ));
    }
    Ok(item)
}

/// Jinja2's `attr` is Python's `getattr`, which never looks at a mapping's keys: on the data a
/// project.yaml holds (mappings, lists, text, numbers) it finds nothing, so the result is
/// undefined and a following `default(...)` applies. minijinja's `attr` would read the key.
fn attr(_value: &Value, _name: &Value) -> Value {
    Value::UNDEFINED
}

/// Jinja2's `indent(width=4, first=False, blank=False)`, which keeps a trailing newline
/// (minijinja's drops it) and splits lines as Python's `str.splitlines` does.
fn indent(
    text: &Value,
    width: Option<Value>,
    first: Option<Value>,
    blank: Option<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let (indention, first, blank) = indent_options(width, first, blank, kwargs)?;
    let mut s = python_str(text);
    s.push('\n');
    let lines = splitlines(&s);
    let mut rv = if blank {
        lines.join(&format!("\n{indention}"))
    } else {
        let mut lines = lines.into_iter();
        let mut rv = lines.next().unwrap_or_default().to_string();
        let rest: Vec<String> = lines
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{indention}{l}")
                }
            })
            .collect();
        if !rest.is_empty() {
            rv.push('\n');
            rv.push_str(&rest.join("\n"));
        }
        rv
    };
    if first {
        rv.insert_str(0, &indention);
    }
    Ok(rv)
}

/// `indent`'s arguments, positional or by keyword: the indentation text, `first`, `blank`.
fn indent_options(
    width: Option<Value>,
    first: Option<Value>,
    blank: Option<Value>,
    kwargs: Kwargs,
) -> Result<(String, bool, bool), Error> {
    let width = match width {
        Some(w) => Some(w),
        None => kwargs.get::<Option<Value>>("width")?,
    };
    let flag = |positional: Option<Value>, name: &str| -> Result<bool, Error> {
        Ok(match positional {
            Some(v) => v.is_true(),
            None => kwargs
                .get::<Option<Value>>(name)?
                .is_some_and(|v| v.is_true()),
        })
    };
    let (first, blank) = (flag(first, "first")?, flag(blank, "blank")?);
    kwargs.assert_all_used()?;
    let indention = match &width {
        None => "    ".to_string(),
        Some(w) if w.kind() == ValueKind::String => w.as_str().unwrap_or_default().to_string(),
        Some(w) => {
            let n = w.as_i64().ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    "indent: width must be a number",
                )
            })?;
            " ".repeat(usize::try_from(n).unwrap_or(0))
        }
    };
    Ok((indention, first, blank))
}

/// Python's `str.splitlines()`: every line boundary Python knows, `\r\n` as one.
fn splitlines(s: &str) -> Vec<&str> {
    const BOUNDARIES: [char; 10] = [
        '\n', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\u{85}', '\u{2028}', '\u{2029}',
    ];
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if BOUNDARIES.contains(&c) {
            lines.push(&s[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && chars.peek().is_some_and(|&(_, n)| n == '\n') {
                chars.next();
                end += 1;
            }
            start = end;
        }
    }
    if start < s.len() {
        lines.push(&s[start..]);
    }
    lines
}

/// Prints `{{ value }}` as Jinja2 does, which is Python's `str()`: `None`, `True`, `1.0`,
/// `['a', 'b']`; undefined prints nothing.
fn python_formatter(
    out: &mut Output<'_>,
    _state: &mut State<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    out.write_str(&python_str(value))
        .map_err(|_| Error::new(ErrorKind::WriteFailure, "could not write the output"))
}

/// Python's `str(value)` for the data a project.yaml holds.
pub(crate) fn python_str(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined => String::new(),
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        _ => python_repr(value),
    }
}

/// Python's `repr(value)`: what a list or a dict shows of its items.
fn python_repr(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined => String::new(),
        ValueKind::None => "None".into(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.into(),
        ValueKind::String => string_repr(value.as_str().unwrap_or_default()),
        ValueKind::Number if !value.is_integer() => {
            f64::try_from(value.clone()).map_or_else(|_| value.to_string(), float_repr)
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<String> = value
                .try_iter()
                .map(|it| it.map(|v| python_repr(&v)).collect())
                .unwrap_or_default();
            format!("[{}]", items.join(", "))
        }
        ValueKind::Map => {
            let items: Vec<String> = value
                .try_iter()
                .map(|it| {
                    it.map(|k| {
                        let v = value.get_item(&k).unwrap_or_default();
                        format!("{}: {}", python_repr(&k), python_repr(&v))
                    })
                    .collect()
                })
                .unwrap_or_default();
            format!("{{{}}}", items.join(", "))
        }
        _ => value.to_string(),
    }
}

/// Python's quoting: single quotes unless the text holds a single quote and no double quote.
fn string_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr(float)`: the shortest round-trip digits, positional for exponents -4..16,
/// otherwise `1e+16` style.
fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else {
            let point = point as usize;
            if digits.len() <= point {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        };
        format!("{sign}{body}")
    } else {
        let (head, tail) = digits.split_at(1);
        let fraction = if tail.is_empty() {
            String::new()
        } else {
            format!(".{tail}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{sign}{head}{fraction}e{exp_sign}{:02}",
            exponent.unsigned_abs()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn render(source: &str, context: Value) -> String {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.template"), source).unwrap();
        let env = environment(dir.path());
        env.get_template("t.template")
            .unwrap()
            .render(context)
            .unwrap()
    }

    #[test]
    fn exactly_one_trailing_newline_is_dropped_as_jinja2_does() {
        assert_eq!(render("a\n\n", Value::UNDEFINED), "a\n");
        assert_eq!(render("a\r\nb\r\n", Value::UNDEFINED), "a\nb");
        assert_eq!(render("a", Value::UNDEFINED), "a");
    }

    #[test]
    fn blocks_keep_their_whitespace_without_trim_or_lstrip() {
        let out = render(
            "x\n  {% if true %}\ny\n  {% endif %}\nz\n",
            Value::UNDEFINED,
        );
        assert_eq!(out, "x\n  \ny\n  \nz");
    }

    #[test]
    fn values_print_as_python_prints_them() {
        let ctx = minijinja::context! {
            n => (), t => true, f => 1.5, big => 1e16, small => 0.00001,
            l => vec![Value::from(()), Value::from(true), Value::from("a'b"), Value::from("c")],
            d => minijinja::context! { k => 1 },
        };
        let out = render(
            "{{ n }}|{{ t }}|{{ f }}|{{ big }}|{{ small }}|{{ l }}|{{ d }}|{{ missing }}",
            ctx,
        );
        assert_eq!(
            out,
            "None|True|1.5|1e+16|1e-05|[None, True, \"a'b\", 'c']|{'k': 1}|"
        );
    }

    #[test]
    fn attr_never_reads_a_mapping_key_so_default_applies() {
        let ctx = minijinja::context! {
            accounts => vec![minijinja::context! { name => "shared", enable_dynamo_encryption => false }],
        };
        let out = render(
            r#"{{ accounts | selectattr("name", "equalto", "shared") | first | attr("enable_dynamo_encryption") | default("true") | lower }}"#,
            ctx,
        );
        assert_eq!(out, "true");
    }

    #[test]
    fn value_filter_reads_a_key_and_fails_on_a_missing_one() {
        let ctx = minijinja::context! { d => minijinja::context! { email => "a@b.c" } };
        assert_eq!(
            render(r#"{{ d | value(key="email") }}"#, ctx.clone()),
            "a@b.c"
        );
        assert_eq!(render(r#"{{ d | value("email") }}"#, ctx.clone()), "a@b.c");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t"), r#"{{ d | value(key="nope") }}"#).unwrap();
        let env = environment(dir.path());
        assert!(env.get_template("t").unwrap().render(ctx).is_err());
    }

    #[test]
    fn indent_keeps_a_trailing_newline_like_jinja2() {
        let ctx = minijinja::context! { s => "a\nb\n", l => vec!["x", "y"] };
        assert_eq!(
            render("{{ s | indent(width=2) }}|", ctx.clone()),
            "a\n  b\n|"
        );
        assert_eq!(
            render("{{ s | indent(2, true) }}|", ctx.clone()),
            "  a\n  b\n|"
        );
        assert_eq!(
            render(r#""{{ l | join("\",\n\"") | indent(width=4) }}""#, ctx),
            "\"x\",\n    \"y\""
        );
    }

    #[test]
    fn macros_import_from_files_below_the_root_and_dict_get_works() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lib")).unwrap();
        std::fs::write(
            dir.path().join("lib/utils.jinja"),
            "{% macro hi(u) -%}\n  hi {{ u.get('name', 'nobody') }}\n{%- endmacro %}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("t"),
            "{%- from \"lib/utils.jinja\" import hi -%}\n[{{ hi(user) }}]\n",
        )
        .unwrap();
        let env = environment(dir.path());
        let out = env
            .get_template("t")
            .unwrap()
            .render(minijinja::context! { user => minijinja::context! {} })
            .unwrap();
        assert_eq!(out, "[hi nobody]");
        assert!(env.get_template("../t").is_err());
    }

    #[test]
    fn python_float_repr_matches() {
        for (f, s) in [
            (1.0, "1.0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.25e-5, "1.25e-05"),
            (0.0001, "0.0001"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
        ] {
            assert_eq!(float_repr(f), s);
        }
    }
}
