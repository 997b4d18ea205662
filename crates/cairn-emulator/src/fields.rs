//! The `fields` partial-response parameter: `a,b(c,d),e/f,*`. A selection is parsed, checked
//! against the resource's known field names (unknown names are the real services' 400), and
//! applied to the JSON value that would otherwise be returned.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A parsed selection: everything, or a set of named children each with its own selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selection {
    All,
    Some(BTreeMap<String, Selection>),
}

/// What a resource's fields look like, for validation.
#[derive(Debug)]
pub(crate) enum Schema {
    /// Any sub-selection is accepted (maps, and objects the emulator does not model in detail).
    Open,
    /// Only these names; each with the schema of its value (arrays use their element's).
    Object(&'static [(&'static str, &'static Schema)]),
}

const MAX_FIELDS_LEN: usize = 4096;
const MAX_DEPTH: usize = 16;

impl Selection {
    fn merge(&mut self, name: &str, sub: Selection) {
        match self {
            Selection::All => {}
            Selection::Some(map) => match map.get_mut(name) {
                None => {
                    map.insert(name.to_owned(), sub);
                }
                Some(existing) => match sub {
                    Selection::All => *existing = Selection::All,
                    Selection::Some(children) => {
                        for (k, v) in children {
                            existing.merge(&k, v);
                        }
                    }
                },
            },
        }
    }
}

/// Parses a `fields` value. `Err` carries the offending text for the error message.
pub(crate) fn parse(input: &str) -> Result<Selection, String> {
    if input.len() > MAX_FIELDS_LEN {
        return Err(input.chars().take(64).collect());
    }
    let chars: Vec<char> = input.chars().collect();
    let mut pos = 0;
    let sel = parse_list(&chars, &mut pos, 0).map_err(|_| input.to_owned())?;
    if pos != chars.len() {
        return Err(input.to_owned());
    }
    Ok(sel)
}

fn parse_list(chars: &[char], pos: &mut usize, depth: usize) -> Result<Selection, ()> {
    if depth > MAX_DEPTH {
        return Err(());
    }
    let mut sel = Selection::Some(BTreeMap::new());
    loop {
        while chars.get(*pos).is_some_and(|c| c.is_whitespace()) {
            *pos += 1;
        }
        // One item: path segments separated by '/', then an optional '(…)'.
        let mut path = Vec::new();
        loop {
            let start = *pos;
            while chars
                .get(*pos)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '*' || *c == '-')
            {
                *pos += 1;
            }
            if *pos == start {
                return Err(());
            }
            path.push(chars.get(start..*pos).ok_or(())?.iter().collect::<String>());
            if chars.get(*pos) == Some(&'/') {
                *pos += 1;
            } else {
                break;
            }
        }
        let mut leaf = Selection::All;
        if chars.get(*pos) == Some(&'(') {
            *pos += 1;
            leaf = parse_list(chars, pos, depth + 1)?;
            if chars.get(*pos) != Some(&')') {
                return Err(());
            }
            *pos += 1;
        }
        // Build the nested selection for `a/b/c(leaf)` from the inside out.
        let mut node = leaf;
        for name in path.iter().skip(1).rev() {
            node = if name == "*" { Selection::All } else { wrap(name, node) };
        }
        let first = path.first().ok_or(())?;
        if first == "*" {
            sel = Selection::All;
        } else {
            sel.merge(first, node);
        }
        while chars.get(*pos).is_some_and(|c| c.is_whitespace()) {
            *pos += 1;
        }
        if chars.get(*pos) == Some(&',') {
            *pos += 1;
            continue;
        }
        return Ok(sel);
    }
}

fn wrap(name: &str, inner: Selection) -> Selection {
    let mut map = BTreeMap::new();
    map.insert(name.to_owned(), inner);
    Selection::Some(map)
}

/// Checks every selected name against `schema`; returns the first unknown path.
pub(crate) fn validate(sel: &Selection, schema: &Schema) -> Result<(), String> {
    validate_at(sel, schema, "")
}

fn validate_at(sel: &Selection, schema: &Schema, prefix: &str) -> Result<(), String> {
    let (Selection::Some(map), Schema::Object(known)) = (sel, schema) else {
        return Ok(());
    };
    for (name, sub) in map {
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        match known.iter().find(|(k, _)| k == name) {
            Some((_, child)) => validate_at(sub, child, &path)?,
            None => return Err(path),
        }
    }
    Ok(())
}

/// Applies a selection to a value: objects keep only the selected keys, arrays apply it to each
/// element, anything else passes through.
pub(crate) fn project(value: &Value, sel: &Selection) -> Value {
    match (value, sel) {
        (_, Selection::All) => value.clone(),
        (Value::Object(obj), Selection::Some(map)) => {
            let mut out = Map::new();
            for (name, sub) in map {
                if let Some(child) = obj.get(name) {
                    out.insert(name.clone(), project(child, sub));
                }
            }
            Value::Object(out)
        }
        (Value::Array(items), Selection::Some(_)) => {
            Value::Array(items.iter().map(|v| project(v, sel)).collect())
        }
        (other, _) => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static LEAF: Schema = Schema::Open;
    static FILE: Schema = Schema::Object(&[("id", &LEAF), ("name", &LEAF), ("appProperties", &LEAF)]);
    static LIST: Schema = Schema::Object(&[("nextPageToken", &LEAF), ("files", &FILE)]);

    #[test]
    fn parses_nested_and_path_forms() {
        let a = parse("nextPageToken,files(id,name)").unwrap();
        let b = parse("nextPageToken, files/id, files/name").unwrap();
        assert_eq!(a, b);
        assert_eq!(parse("*").unwrap(), Selection::All);
        assert_eq!(parse("files(*)").unwrap(), wrap("files", Selection::All));
        for bad in ["", "files(", "files(id", "a,,b", "a)", "files()", "a b"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = format!("{}a{}", "a(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn validates_against_schema() {
        assert!(validate(&parse("files(id,appProperties(walletId))").unwrap(), &LIST).is_ok());
        assert_eq!(validate(&parse("files(id,bogus)").unwrap(), &LIST), Err("files/bogus".to_owned()));
        assert_eq!(validate(&parse("kind2").unwrap(), &LIST), Err("kind2".to_owned()));
    }

    #[test]
    fn projects_values() {
        let v = json!({"kind": "x", "nextPageToken": "t", "files": [{"id": "1", "name": "a", "size": "3"}]});
        let p = project(&v, &parse("files(id,size)").unwrap());
        assert_eq!(p, json!({"files": [{"id": "1", "size": "3"}]}));
    }
}
