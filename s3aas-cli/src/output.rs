//! What a command prints on stdout: a readable table, or JSON for scripts.
//!
//! Both are made from the model's serde form, so the JSON field names are the library's and the
//! table's rows and columns are those same names. Secrets stay `[REDACTED]` in that form; the
//! commands that issue a secret (key create, key rotate, provision, apply) serialise through
//! `s3aas::ExposeSecrets`, once, to stdout.

use s3aas::{Error, ErrorKind, ExposeSecrets, Result};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

/// The output format (`--output`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns for people.
    #[default]
    Table,
    /// Pretty-printed JSON, the model's serde form (stable field names), for scripts.
    Json,
}

/// Where and how a command writes its result.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Out {
    /// The format.
    pub(crate) format: Format,
}

impl Out {
    /// Prints one resource: JSON, or a two-column table of its fields.
    pub(crate) fn one<T: Serialize>(&self, value: &T) -> Result<()> {
        self.emit(to_value(value)?, None)
    }

    /// Prints one resource with its secrets in clear (only for what a call has just issued).
    pub(crate) fn one_with_secrets<T: Serialize>(&self, value: &T) -> Result<()> {
        self.emit(to_value(&ExposeSecrets(value))?, None)
    }

    /// Prints a list: JSON array, or a table with `columns` (serde field names; a dotted name
    /// reads a nested field).
    pub(crate) fn list<T: Serialize>(&self, items: &[T], columns: &[&str]) -> Result<()> {
        self.emit(to_value(&items)?, Some(columns))
    }

    /// Prints a list whose items hold secrets just issued.
    pub(crate) fn list_with_secrets<T: Serialize>(
        &self,
        items: &[T],
        columns: &[&str],
    ) -> Result<()> {
        self.emit(to_value(&ExposeSecrets(&items))?, Some(columns))
    }

    /// Prints a value already in JSON form.
    pub(crate) fn value(&self, value: Value, columns: Option<&[&str]>) -> Result<()> {
        self.emit(value, columns)
    }

    /// Prints a free text for people (table mode), or the JSON value (json mode).
    pub(crate) fn text_or_json(&self, text: &str, json: Value) -> Result<()> {
        match self.format {
            Format::Table => {
                print!("{text}");
                if !text.ends_with('\n') {
                    println!();
                }
                Ok(())
            }
            Format::Json => self.emit(json, None),
        }
    }

    fn emit(&self, value: Value, columns: Option<&[&str]>) -> Result<()> {
        let text = match self.format {
            Format::Json => serde_json::to_string_pretty(&value)
                .map_err(|e| Error::new(ErrorKind::Backend, format!("printing JSON: {e}")))?,
            Format::Table => match (&value, columns) {
                (Value::Array(items), Some(cols)) => table(items, cols),
                (Value::Array(items), None) => table(items, &[]),
                (v, _) => fields(v),
            },
        };
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
        Ok(())
    }
}

fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v)
        .map_err(|e| Error::new(ErrorKind::Backend, format!("serialising the result: {e}")))
}

/// A cell: strings bare, `-` for nothing, scalars as they are, anything else as compact JSON.
pub(crate) fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) if s.is_empty() => "-".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) if a.is_empty() => "-".into(),
        Value::Object(o) if o.is_empty() => "-".into(),
        Value::Array(a) if a.iter().all(|x| x.is_string()) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(o) if o.values().all(|x| x.is_string()) => o
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

/// Reads a dotted path (`key.access_key_id`) from a JSON object.
fn lookup<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(v, |v, k| v.get(k).unwrap_or(&Value::Null))
}

/// Aligned columns with a header row. Without columns, every field of the first item.
fn table(items: &[Value], columns: &[&str]) -> String {
    let cols: Vec<String> = if columns.is_empty() {
        match items.first() {
            Some(Value::Object(o)) => o.keys().cloned().collect(),
            Some(_) => vec!["value".into()],
            None => vec![],
        }
    } else {
        columns.iter().map(|c| c.to_string()).collect()
    };
    if items.is_empty() {
        return "(none)\n".into();
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            if item.is_object() {
                cols.iter().map(|c| cell(lookup(item, c))).collect()
            } else {
                vec![cell(item)]
            }
        })
        .collect();
    let header: Vec<String> = cols
        .iter()
        .map(|c| c.rsplit('.').next().unwrap_or(c).to_ascii_uppercase())
        .collect();
    let widths: Vec<usize> = (0..cols.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}

/// A two-column table of an object's fields (or the value itself). Nested structures are
/// flattened to dotted names (`key.access_key_id`), maps of strings (tags, labels) stay one
/// `k=v,...` cell.
fn fields(v: &Value) -> String {
    let mut rows = Vec::new();
    flatten("", v, &mut rows);
    let w = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        if k.is_empty() {
            let _ = writeln!(out, "{v}");
        } else {
            let _ = writeln!(out, "{k:<w$}  {v}");
        }
    }
    out
}

fn flatten(prefix: &str, v: &Value, rows: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) if !o.is_empty() && !o.values().all(Value::is_string) => {
            for (k, v) in o {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, v, rows);
            }
        }
        other => rows.push((prefix.to_string(), cell(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align_and_read_nested_fields() {
        let items = vec![
            json!({"name": "alice", "enabled": true, "tags": {"team": "a"}, "key": {"id": "K1"}}),
            json!({"name": "bob-the-builder", "enabled": false, "tags": null, "key": {"id": "K2"}}),
        ];
        let t = table(&items, &["name", "enabled", "tags", "key.id"]);
        assert_eq!(
            t,
            "NAME             ENABLED  TAGS    ID\n\
             alice            yes      team=a  K1\n\
             bob-the-builder  no       -       K2\n"
        );
        assert_eq!(table(&[], &["name"]), "(none)\n");
    }

    #[test]
    fn fields_of_one_resource() {
        let t = fields(
            &json!({"name": "acme", "labels": {"a": "b"}, "nodes": [], "versioning": true,
            "key": {"access_key_id": "K1", "enabled": true}}),
        );
        // serde_json's map order depends on its features: compare the lines as a set.
        let mut lines: Vec<&str> = t.lines().collect();
        lines.sort_unstable();
        assert_eq!(
            lines,
            [
                "key.access_key_id  K1",
                "key.enabled        yes",
                "labels             a=b",
                "name               acme",
                "nodes              -",
                "versioning         yes",
            ]
        );
        assert_eq!(fields(&json!("x")), "x\n");
    }
}
