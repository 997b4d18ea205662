//! The XML property lists of an XCFramework: writing `Info.plist` the way `xcodebuild
//! -create-xcframework` lays it out (keys sorted, tab-indented), and reading one back (the
//! subset an XCFramework's Info.plist uses: dict, array, string, true/false, integer).

use std::fmt::Write as _;

/// A property-list value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Dict(Vec<(String, Value)>),
    Array(Vec<Value>),
    String(String),
    Bool(bool),
    Integer(i64),
}

impl Value {
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(entries) => entries.iter().find(|(name, _)| name == key).map(|(_, value)| value),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }
}

/// `<?xml …?>`, Apple's DOCTYPE and `<plist version="1.0">` around `root`.
pub(crate) fn to_xml(root: &Value) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <plist version=\"1.0\">\n",
    );
    write_value(&mut out, root, 0);
    out.push_str("</plist>\n");
    out
}

fn write_value(out: &mut String, value: &Value, depth: usize) {
    let indent = "\t".repeat(depth);
    match value {
        Value::Dict(entries) => {
            let _ = writeln!(out, "{indent}<dict>");
            for (key, item) in entries {
                let _ = writeln!(out, "{indent}\t<key>{}</key>", escape(key));
                write_value(out, item, depth + 1);
            }
            let _ = writeln!(out, "{indent}</dict>");
        }
        Value::Array(items) => {
            let _ = writeln!(out, "{indent}<array>");
            for item in items {
                write_value(out, item, depth + 1);
            }
            let _ = writeln!(out, "{indent}</array>");
        }
        Value::String(text) => {
            let _ = writeln!(out, "{indent}<string>{}</string>", escape(text));
        }
        Value::Bool(flag) => {
            let _ = writeln!(out, "{indent}<{flag}/>");
        }
        Value::Integer(number) => {
            let _ = writeln!(out, "{indent}<integer>{number}</integer>");
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Parses an XML property list and returns its root value.
pub(crate) fn parse(xml: &str) -> Result<Value, String> {
    let mut parser = Parser { tokens: tokenize(xml)?, at: 0 };
    match parser.next()? {
        Token::Open(tag) if tag == "plist" => {}
        other => return Err(format!("expected <plist>, found {other:?}")),
    }
    let root = parser.value()?;
    parser.expect_close("plist")?;
    if parser.at != parser.tokens.len() {
        return Err("content after </plist>".into());
    }
    Ok(root)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// `<name …>`: the name only (attributes are not needed).
    Open(String),
    Close(String),
    /// `<name/>`.
    Empty(String),
    Text(String),
}

fn tokenize(xml: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = xml;
    while !rest.is_empty() {
        if let Some(tail) = rest.strip_prefix('<') {
            let end = tail.find('>').ok_or("unclosed tag")?;
            let tag = &tail[..end];
            rest = &tail[end + 1..];
            if tag.starts_with('?') || tag.starts_with('!') {
                continue; // XML declaration, DOCTYPE, comments without '>' inside
            }
            let name = |text: &str| text.split_whitespace().next().unwrap_or_default().to_owned();
            tokens.push(if let Some(closing) = tag.strip_prefix('/') {
                Token::Close(name(closing))
            } else if let Some(empty) = tag.strip_suffix('/') {
                Token::Empty(name(empty))
            } else {
                Token::Open(name(tag))
            });
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            rest = &rest[end..];
            // Whitespace between elements is layout; inside <string> it is kept.
            let keep = matches!(tokens.last(), Some(Token::Open(tag)) if tag == "string" || tag == "key");
            if keep || !text.trim().is_empty() {
                tokens.push(Token::Text(unescape(text)));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Result<Token, String> {
        let token = self.tokens.get(self.at).cloned().ok_or("unexpected end of the property list")?;
        self.at += 1;
        Ok(token)
    }

    fn expect_close(&mut self, tag: &str) -> Result<(), String> {
        match self.next()? {
            Token::Close(name) if name == tag => Ok(()),
            other => Err(format!("expected </{tag}>, found {other:?}")),
        }
    }

    /// The text of `<tag>text</tag>` after its opening tag (empty when there is none).
    fn text_until_close(&mut self, tag: &str) -> Result<String, String> {
        let text = match self.tokens.get(self.at) {
            Some(Token::Text(text)) => {
                let text = text.clone();
                self.at += 1;
                text
            }
            _ => String::new(),
        };
        self.expect_close(tag)?;
        Ok(text)
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.next()? {
            Token::Open(tag) => match tag.as_str() {
                "dict" => {
                    let mut entries = Vec::new();
                    loop {
                        match self.next()? {
                            Token::Close(name) if name == "dict" => return Ok(Value::Dict(entries)),
                            Token::Open(name) if name == "key" => {
                                let key = self.text_until_close("key")?;
                                if entries.iter().any(|(existing, _)| *existing == key) {
                                    return Err(format!("key {key} appears twice in one dict"));
                                }
                                entries.push((key, self.value()?));
                            }
                            other => return Err(format!("expected <key> in a dict, found {other:?}")),
                        }
                    }
                }
                "array" => {
                    let mut items = Vec::new();
                    while self.tokens.get(self.at) != Some(&Token::Close("array".into())) {
                        items.push(self.value()?);
                    }
                    self.at += 1;
                    Ok(Value::Array(items))
                }
                "string" => Ok(Value::String(self.text_until_close("string")?)),
                "integer" => {
                    let text = self.text_until_close("integer")?;
                    text.trim().parse().map(Value::Integer).map_err(|_| format!("bad integer {text:?}"))
                }
                other => Err(format!("unsupported property-list element <{other}>")),
            },
            Token::Empty(tag) => match tag.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                "dict" => Ok(Value::Dict(Vec::new())),
                "array" => Ok(Value::Array(Vec::new())),
                "string" => Ok(Value::String(String::new())),
                other => Err(format!("unsupported property-list element <{other}/>")),
            },
            other => Err(format!("expected a value, found {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn written_lists_parse_back() {
        let root = Value::Dict(vec![
            (
                "Names".into(),
                Value::Array(vec![Value::String("a & <b>".into()), Value::String(String::new())]),
            ),
            ("Flag".into(), Value::Bool(true)),
            ("Count".into(), Value::Integer(-3)),
            ("Empty".into(), Value::Dict(Vec::new())),
        ]);
        let xml = to_xml(&root);
        assert!(xml.contains("\t\t<string>a &amp; &lt;b&gt;</string>\n"), "{xml}");
        assert_eq!(parse(&xml).unwrap(), root);
    }

    #[test]
    fn compact_apple_style_input_parses() {
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE plist><plist version=\"1.0\"><dict>\
                   <key>A</key><array><string>x</string></array><key>B</key><false/></dict></plist>";
        let root = parse(xml).unwrap();
        assert_eq!(root.get("A").unwrap().as_array().unwrap(), [Value::String("x".into())]);
        assert_eq!(root.get("B"), Some(&Value::Bool(false)));
    }

    #[test]
    fn malformed_lists_are_refused() {
        for bad in [
            "<plist><dict><key>A</key></dict></plist>",
            "<plist><dict><string>x</string></dict></plist>",
            "<plist><dict><key>A</key><string>1</string><key>A</key><string>2</string></dict></plist>",
            "<plist><string>x</string>",
            "<dict></dict>",
            "<plist><data>AA==</data></plist>",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
