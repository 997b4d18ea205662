//! The search-query language of Drive's `q` and Huawei's `queryParam` (the same grammar with
//! renamed terms): `term op value` joined by `and` / `or` / `not` and parentheses, strings in
//! single quotes with `\'` and `\\` escapes, `'x' in parents`, `appProperties has { key='k' and
//! value='v' }`. Anything outside the supported subset is a parse error, which the handlers turn
//! into the real services' 400.

use std::collections::BTreeMap;

use crate::clock::parse_rfc3339;

/// Which service's term names apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Google,
    Huawei,
}

/// Why a query was refused (only for tests and verbose logs; the wire answer is fixed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryError(pub String);

/// Longest query accepted; Drive documents no limit, this only bounds parser work.
const MAX_QUERY_LEN: usize = 8192;
/// Nesting bound so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Name,
    MimeType,
    ModifiedTime,
    CreatedTime,
    Trashed,
    DirectlyTrashed,
    Starred,
    Parents,
    AppProperties,
    Properties,
    Owners,
    SharedWithMe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Bool(bool),
    Time(i64),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp { field: Field, op: Op, value: Literal },
    In { value: String, field: Field },
    Has { field: Field, key: String, value: String },
}

/// What a query sees of one file.
#[derive(Debug)]
pub(crate) struct Candidate<'a> {
    pub name: &'a str,
    pub mime_type: &'a str,
    pub modified_ms: i64,
    pub created_ms: i64,
    pub trashed: bool,
    pub directly_trashed: bool,
    pub starred: bool,
    /// Real parent ids.
    pub parents: &'a [String],
    /// The app-data folder's real id and its alias (`appDataFolder` / `applicationData`).
    pub app_folder_id: &'a str,
    pub app_folder_alias: &'a str,
    pub app_properties: &'a BTreeMap<String, String>,
    pub properties: &'a BTreeMap<String, String>,
    pub owner_email: &'a str,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Op(Op),
    LParen,
    RParen,
    LBrace,
    RBrace,
}

fn tokenize(input: &str) -> Result<Vec<Token>, QueryError> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '{' | '}' => {
                chars.next();
                out.push(match c {
                    '(' => Token::LParen,
                    ')' => Token::RParen,
                    '{' => Token::LBrace,
                    _ => Token::RBrace,
                });
            }
            '\'' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err(QueryError("unterminated string".into())),
                        Some('\\') => match chars.next() {
                            Some(e @ ('\'' | '\\')) => s.push(e),
                            _ => return Err(QueryError("bad escape".into())),
                        },
                        Some('\'') => break,
                        Some(other) => s.push(other),
                    }
                }
                out.push(Token::Str(s));
            }
            '=' => {
                chars.next();
                out.push(Token::Op(Op::Eq));
            }
            '!' => {
                chars.next();
                if chars.next() != Some('=') {
                    return Err(QueryError("expected !=".into()));
                }
                out.push(Token::Op(Op::Ne));
            }
            '<' | '>' => {
                chars.next();
                let eq = chars.peek() == Some(&'=');
                if eq {
                    chars.next();
                }
                out.push(Token::Op(match (c, eq) {
                    ('<', false) => Op::Lt,
                    ('<', true) => Op::Le,
                    (_, false) => Op::Gt,
                    (_, true) => Op::Ge,
                }));
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' => {
                let mut s = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' || d == '.' || d == '-' {
                        s.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Ident(s));
            }
            other => return Err(QueryError(format!("unexpected character {other:?}"))),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    dialect: Dialect,
    depth: usize,
}

fn is_keyword(token: Option<&Token>, word: &str) -> bool {
    matches!(token, Some(Token::Ident(s)) if s.eq_ignore_ascii_case(word))
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), QueryError> {
        if is_keyword(self.peek(), word) {
            self.pos += 1;
            Ok(())
        } else {
            Err(QueryError(format!("expected {word}")))
        }
    }

    fn expect(&mut self, token: &Token) -> Result<(), QueryError> {
        if self.peek() == Some(token) {
            self.pos += 1;
            Ok(())
        } else {
            Err(QueryError(format!("expected {token:?}")))
        }
    }

    fn expect_string(&mut self) -> Result<String, QueryError> {
        match self.next() {
            Some(Token::Str(s)) => Ok(s),
            _ => Err(QueryError("expected a quoted string".into())),
        }
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while is_keyword(self.peek(), "or") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.unary()?;
        while is_keyword(self.peek(), "and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError("query nested too deeply".into()));
        }
        let result = if is_keyword(self.peek(), "not") {
            self.pos += 1;
            self.unary().map(|e| Expr::Not(Box::new(e)))
        } else if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            self.expect(&Token::RParen)?;
            Ok(inner)
        } else {
            self.term()
        };
        self.depth -= 1;
        result
    }

    fn field(&self, name: &str) -> Option<Field> {
        use Field::*;
        match (self.dialect, name) {
            (Dialect::Google, "name") | (Dialect::Huawei, "fileName") => Some(Name),
            (_, "mimeType") => Some(MimeType),
            (Dialect::Google, "modifiedTime") | (Dialect::Huawei, "editedTime") => Some(ModifiedTime),
            (_, "createdTime") => Some(CreatedTime),
            (Dialect::Google, "trashed") | (Dialect::Huawei, "recycled") => Some(Trashed),
            (Dialect::Huawei, "directlyRecycled") => Some(DirectlyTrashed),
            (Dialect::Google, "starred") | (Dialect::Huawei, "favorite") => Some(Starred),
            (Dialect::Google, "parents") | (Dialect::Huawei, "parentFolder") => Some(Parents),
            (Dialect::Google, "appProperties") => Some(AppProperties),
            (Dialect::Google, "properties") => Some(Properties),
            (Dialect::Google, "owners") => Some(Owners),
            (Dialect::Google, "sharedWithMe") => Some(SharedWithMe),
            _ => None,
        }
    }

    fn term(&mut self) -> Result<Expr, QueryError> {
        match self.next() {
            // 'value' in parents | owners
            Some(Token::Str(value)) => {
                self.expect_keyword("in")?;
                let field = match self.next() {
                    Some(Token::Ident(name)) => self.field(&name),
                    _ => None,
                };
                match field {
                    Some(f @ (Field::Parents | Field::Owners)) => Ok(Expr::In { value, field: f }),
                    _ => Err(QueryError("'in' needs parents or owners".into())),
                }
            }
            Some(Token::Ident(name)) => {
                let field = self.field(&name).ok_or_else(|| QueryError(format!("unknown term {name}")))?;
                if is_keyword(self.peek(), "has") {
                    self.pos += 1;
                    if !matches!(field, Field::AppProperties | Field::Properties) {
                        return Err(QueryError("'has' needs properties or appProperties".into()));
                    }
                    self.expect(&Token::LBrace)?;
                    self.expect_keyword("key")?;
                    self.expect(&Token::Op(Op::Eq))?;
                    let key = self.expect_string()?;
                    self.expect_keyword("and")?;
                    self.expect_keyword("value")?;
                    self.expect(&Token::Op(Op::Eq))?;
                    let value = self.expect_string()?;
                    self.expect(&Token::RBrace)?;
                    return Ok(Expr::Has { field, key, value });
                }
                let op = match self.next() {
                    Some(Token::Op(op)) => op,
                    Some(Token::Ident(w)) if w.eq_ignore_ascii_case("contains") => Op::Contains,
                    _ => return Err(QueryError("expected an operator".into())),
                };
                let raw = self.next();
                let value = match (field, raw) {
                    (Field::Name | Field::MimeType, Some(Token::Str(s))) => {
                        if matches!(op, Op::Eq | Op::Ne | Op::Contains) {
                            Literal::Str(s)
                        } else {
                            return Err(QueryError("operator not allowed for this term".into()));
                        }
                    }
                    (Field::ModifiedTime | Field::CreatedTime, Some(Token::Str(s))) => {
                        if op == Op::Contains {
                            return Err(QueryError("contains not allowed for times".into()));
                        }
                        Literal::Time(parse_rfc3339(&s).ok_or_else(|| QueryError("bad time".into()))?)
                    }
                    (
                        Field::Trashed | Field::DirectlyTrashed | Field::Starred | Field::SharedWithMe,
                        Some(Token::Ident(w)),
                    ) if matches!(op, Op::Eq | Op::Ne) => match w.as_str() {
                        "true" => Literal::Bool(true),
                        "false" => Literal::Bool(false),
                        _ => return Err(QueryError("expected true or false".into())),
                    },
                    _ => return Err(QueryError("bad value for term".into())),
                };
                Ok(Expr::Cmp { field, op, value })
            }
            _ => Err(QueryError("expected a term".into())),
        }
    }
}

/// Parses a query in the given dialect.
pub(crate) fn parse(input: &str, dialect: Dialect) -> Result<Expr, QueryError> {
    if input.len() > MAX_QUERY_LEN {
        return Err(QueryError("query too long".into()));
    }
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Err(QueryError("empty query".into()));
    }
    let mut parser = Parser { tokens, pos: 0, dialect, depth: 0 };
    let expr = parser.or()?;
    if parser.pos != parser.tokens.len() {
        return Err(QueryError("trailing input".into()));
    }
    Ok(expr)
}

/// Drive's `name contains` is a prefix match on words ("HelloWorld" contains "Hello" but not
/// "World"), case-insensitive: it matches where a word starts.
fn word_prefix_contains(haystack: &str, needle: &str) -> bool {
    let hay = haystack.to_lowercase();
    let needle = needle.to_lowercase();
    if needle.is_empty() {
        return true;
    }
    let mut prev_alnum = false;
    for (i, c) in hay.char_indices() {
        if !prev_alnum && hay.get(i..).is_some_and(|rest| rest.starts_with(&needle)) {
            return true;
        }
        prev_alnum = c.is_alphanumeric();
    }
    false
}

fn compare(op: Op, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => ordering == Equal,
        Op::Ne => ordering != Equal,
        Op::Lt => ordering == Less,
        Op::Le => ordering != Greater,
        Op::Gt => ordering == Greater,
        Op::Ge => ordering != Less,
        Op::Contains => false,
    }
}

impl Expr {
    /// Does `c` match this query?
    pub(crate) fn matches(&self, c: &Candidate<'_>) -> bool {
        match self {
            Expr::And(a, b) => a.matches(c) && b.matches(c),
            Expr::Or(a, b) => a.matches(c) || b.matches(c),
            Expr::Not(a) => !a.matches(c),
            Expr::In { value, field: Field::Parents } => {
                c.parents.iter().any(|p| p == value)
                    || (value == c.app_folder_alias && c.parents.iter().any(|p| p == c.app_folder_id))
            }
            Expr::In { value, field: _ } => value == "me" || value == c.owner_email,
            Expr::Has { field, key, value } => {
                let map = if *field == Field::AppProperties { c.app_properties } else { c.properties };
                map.get(key).is_some_and(|v| v == value)
            }
            Expr::Cmp { field, op, value } => match (field, value) {
                (Field::Name | Field::MimeType, Literal::Str(s)) => {
                    let actual = if *field == Field::Name { c.name } else { c.mime_type };
                    match op {
                        Op::Contains if *field == Field::Name => word_prefix_contains(actual, s),
                        Op::Contains => actual.contains(s.as_str()),
                        _ => compare(*op, actual.cmp(s.as_str())),
                    }
                }
                (Field::ModifiedTime | Field::CreatedTime, Literal::Time(t)) => {
                    let actual = if *field == Field::ModifiedTime { c.modified_ms } else { c.created_ms };
                    compare(*op, actual.cmp(t))
                }
                (_, Literal::Bool(b)) => {
                    let actual = match field {
                        Field::Trashed => c.trashed,
                        Field::DirectlyTrashed => c.directly_trashed,
                        Field::Starred => c.starred,
                        _ => false,
                    };
                    compare(*op, actual.cmp(b))
                }
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate<'a>(
        name: &'a str,
        parents: &'a [String],
        props: &'a BTreeMap<String, String>,
        empty: &'a BTreeMap<String, String>,
    ) -> Candidate<'a> {
        Candidate {
            name,
            mime_type: "application/octet-stream",
            modified_ms: parse_rfc3339("2026-01-02T00:00:00Z").unwrap(),
            created_ms: parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
            trashed: false,
            directly_trashed: false,
            starred: false,
            parents,
            app_folder_id: "0AREAL",
            app_folder_alias: "appDataFolder",
            app_properties: props,
            properties: empty,
            owner_email: "a@example.com",
        }
    }

    fn check(q: &str, name: &str) -> bool {
        let parents = vec!["0AREAL".to_owned()];
        let mut props = BTreeMap::new();
        props.insert("walletId".to_owned(), "w1".to_owned());
        let empty = BTreeMap::new();
        parse(q, Dialect::Google).unwrap().matches(&candidate(name, &parents, &props, &empty))
    }

    #[test]
    fn evaluates_the_supported_subset() {
        assert!(check("name = 'wallet-1.bin' and trashed = false", "wallet-1.bin"));
        assert!(!check("name != 'wallet-1.bin'", "wallet-1.bin"));
        assert!(check("name = 'O\\'Brien'", "O'Brien"));
        assert!(check("name contains 'quinn\\'s paper\\\\essay'", "quinn's paper\\essay"));
        assert!(check("name contains 'hello'", "HelloWorld"));
        assert!(!check("name contains 'World'", "HelloWorld"));
        assert!(check("name contains 'World'", "Hello World"));
        assert!(check("'appDataFolder' in parents", "x"));
        assert!(check("'0AREAL' in parents", "x"));
        assert!(!check("'other' in parents", "x"));
        assert!(check("appProperties has { key='walletId' and value='w1' }", "x"));
        assert!(!check("appProperties has { key='walletId' and value='w2' }", "x"));
        assert!(check("modifiedTime > '2026-01-01T12:00:00' and createdTime <= '2026-01-01T00:00:00Z'", "x"));
        assert!(check("not (name = 'a' or name = 'b') and not trashed = true", "c"));
        assert!(check("name = 'a' or name = 'b' and name = 'zzz'", "a"));
        assert!(check("'me' in owners", "x"));
    }

    #[test]
    fn rejects_bad_queries() {
        for bad in [
            "",
            "name = 'O'Brien'",
            "name = 'unterminated",
            "name > 'x'",
            "trashed contains 'x'",
            "trashed = maybe",
            "bogus = 'x'",
            "name = 'a' and",
            "(name = 'a'",
            "modifiedTime > 'yesterday'",
            "appProperties has { key='a' }",
            "name contains 'a' 'b'",
            "'x' in name",
            "fileName = 'x'",
        ] {
            assert!(parse(bad, Dialect::Google).is_err(), "{bad}");
        }
        let deep = format!("{}name = 'a'{}", "(".repeat(500), ")".repeat(500));
        assert!(parse(&deep, Dialect::Google).is_err());
        let nots = format!("{}name = 'a'", "not ".repeat(500));
        assert!(parse(&nots, Dialect::Google).is_err());
    }

    #[test]
    fn huawei_dialect_uses_its_names() {
        assert!(
            parse(
                "fileName = 'x' and recycled = false and 'applicationData' in parentFolder",
                Dialect::Huawei
            )
            .is_ok()
        );
        assert!(parse("editedTime >= '2026-01-01T00:00:00Z'", Dialect::Huawei).is_ok());
        assert!(parse("name = 'x'", Dialect::Huawei).is_err());
        assert!(parse("appProperties has { key='a' and value='b' }", Dialect::Huawei).is_err());
    }
}
