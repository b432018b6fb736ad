//! The SCIM filter and PATCH path grammar (RFC 7644 §3.4.2.2 and §3.5.2), parsed into a
//! small syntax tree that the store compiles to SQL (`sql/scim.rs`).
//!
//! Operators, `and`/`or`/`not` and attribute names are case-insensitive; names are kept
//! lowercased. Besides the RFC grammar this accepts what identity providers send: a space
//! before `[` (`phoneNumbers [type eq "work"]`) and a value path followed by a
//! sub-attribute and a comparison (`emails[type eq "work"].value eq "a@b.c"`, which means
//! `emails[type eq "work" and value eq "a@b.c"]`).

use std::fmt;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare(AttrPath, CompareOp, Literal),
    Present(AttrPath),
    /// `attr[filter]`: some value of the multi-valued `attr` matches `filter`, whose paths
    /// name sub-attributes of `attr`.
    ValuePath(AttrPath, Box<Filter>),
}

/// An attribute named in a filter or a path: an optional schema URN, the attribute, and an
/// optional sub-attribute, all but the URN lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN, lowercased, when the name was written with one.
    pub urn: Option<String>,
    pub attr: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// The name without its URN, as `attr` or `attr.sub`.
    pub fn dotted(&self) -> String {
        match &self.sub {
            Some(sub) => format!("{}.{sub}", self.attr),
            None => self.attr.clone(),
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.dotted())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<CompareOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }
}

/// A comparison value: a JSON string, number, boolean or null.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Number(f64),
    Bool(bool),
    Null,
}

/// A PATCH operation's `path`: an attribute, optionally narrowed to the values matching a
/// filter, optionally followed by a sub-attribute (`addresses[type eq "work"].locality`).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    /// The sub-attribute after `]`.
    pub sub: Option<String>,
}

/// Why a filter or path could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// Parses a filter expression.
pub fn parse_filter(text: &str) -> Result<Filter, ParseError> {
    let mut parser = Parser::new(text)?;
    let filter = parser.or()?;
    parser.end()?;
    Ok(filter)
}

/// Parses a PATCH path.
pub fn parse_path(text: &str) -> Result<PatchPath, ParseError> {
    let mut parser = Parser::new(text)?;
    let attr = parser.attr_path()?;
    let mut path = PatchPath {
        attr,
        filter: None,
        sub: None,
    };
    if parser.eat(&Token::Open('[')) {
        path.filter = Some(parser.or()?);
        parser.expect(Token::Close(']'))?;
        path.sub = parser.sub_attribute()?;
    }
    parser.end()?;
    Ok(path)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open(char),
    Close(char),
    /// `.name` right after `]`.
    Sub(String),
    Word(String),
    String(String),
}

/// The longest filter accepted: a bound on the work one request can ask of the parser and
/// of the database.
const MAX_FILTER_LEN: usize = 4096;
/// How deep parentheses, `not` and brackets may nest.
const MAX_DEPTH: usize = 32;

fn tokenize(text: &str) -> Result<Vec<Token>, ParseError> {
    if text.len() > MAX_FILTER_LEN {
        return Err(ParseError(format!(
            "The filter is longer than {MAX_FILTER_LEN} characters."
        )));
    }
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | '[' => {
                chars.next();
                tokens.push(Token::Open(c));
            }
            ')' | ']' => {
                chars.next();
                tokens.push(Token::Close(c));
            }
            '"' => {
                // A JSON string: find its end, honouring escapes, and let serde decode it.
                chars.next();
                let mut escaped = false;
                let mut end = None;
                for (i, c) in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| ParseError("A string is not closed.".into()))?;
                let value: String = serde_json::from_str(&text[start..=end])
                    .map_err(|e| ParseError(format!("A string is not valid JSON: {e}.")))?;
                tokens.push(Token::String(value));
            }
            '.' if matches!(tokens.last(), Some(Token::Close(']'))) => {
                chars.next();
                let word = take_word(text, &mut chars);
                if word.is_empty() {
                    return Err(ParseError(
                        "A sub-attribute name is missing after ']'.".into(),
                    ));
                }
                tokens.push(Token::Sub(word));
            }
            c if is_word_char(c) => tokens.push(Token::Word(take_word(text, &mut chars))),
            other => {
                return Err(ParseError(format!(
                    "Unexpected character '{other}' in the filter."
                )))
            }
        }
    }
    Ok(tokens)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '$' | '.' | ':' | '+')
}

fn take_word(text: &str, chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> String {
    let start = chars.peek().map_or(text.len(), |&(i, _)| i);
    let mut end = start;
    while let Some(&(i, c)) = chars.peek() {
        if !is_word_char(c) {
            break;
        }
        end = i + c.len_utf8();
        chars.next();
    }
    text[start..end].to_string()
}

/// Splits `urn:...:User:name.givenName` into its URN and the attribute path after it.
fn attr_path(word: &str) -> Result<AttrPath, ParseError> {
    let (urn, name) = if word.len() > 4 && word[..4].eq_ignore_ascii_case("urn:") {
        let colon = word.rfind(':').unwrap_or(0);
        (Some(word[..colon].to_ascii_lowercase()), &word[colon + 1..])
    } else {
        (None, word)
    };
    let name = name.to_ascii_lowercase();
    let mut parts = name.split('.');
    let attr = parts.next().unwrap_or_default().to_string();
    let sub = parts.next().map(str::to_string);
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
    };
    if !valid(&attr) || sub.as_deref().is_some_and(|s| !valid(s)) || parts.next().is_some() {
        return Err(ParseError(format!("'{word}' is not an attribute name.")));
    }
    Ok(AttrPath { urn, attr, sub })
}

struct Parser {
    tokens: std::vec::IntoIter<Token>,
    next: Option<Token>,
    depth: usize,
}

impl Parser {
    fn new(text: &str) -> Result<Parser, ParseError> {
        let mut tokens = tokenize(text)?.into_iter();
        let next = tokens.next();
        Ok(Parser {
            tokens,
            next,
            depth: 0,
        })
    }

    fn advance(&mut self) -> Option<Token> {
        std::mem::replace(&mut self.next, self.tokens.next())
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.next.as_ref() == Some(token) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        match &self.next {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword) => {
                self.advance();
                true
            }
            _ => false,
        }
    }

    fn expect(&mut self, token: Token) -> Result<(), ParseError> {
        match self.advance() {
            Some(found) if found == token => Ok(()),
            found => Err(ParseError(format!(
                "Expected {} but found {}.",
                describe(Some(&token)),
                describe(found.as_ref())
            ))),
        }
    }

    fn end(&mut self) -> Result<(), ParseError> {
        match &self.next {
            None => Ok(()),
            found => Err(ParseError(format!(
                "Unexpected {} after the end of the expression.",
                describe(found.as_ref())
            ))),
        }
    }

    fn nest(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError(format!(
                "The filter nests deeper than {MAX_DEPTH} levels."
            )));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Filter, ParseError> {
        let mut left = self.and()?;
        while self.eat_keyword("or") {
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, ParseError> {
        let mut left = self.unary()?;
        while self.eat_keyword("and") {
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, ParseError> {
        self.nest()?;
        let filter = if self.eat(&Token::Open('(')) {
            let inner = self.or()?;
            self.expect(Token::Close(')'))?;
            inner
        } else if self.eat_keyword("not") {
            self.expect(Token::Open('('))?;
            let inner = self.or()?;
            self.expect(Token::Close(')'))?;
            Filter::Not(Box::new(inner))
        } else {
            self.attribute_expression()?
        };
        self.depth -= 1;
        Ok(filter)
    }

    fn attr_path(&mut self) -> Result<AttrPath, ParseError> {
        match self.advance() {
            Some(Token::Word(word)) => attr_path(&word),
            found => Err(ParseError(format!(
                "Expected an attribute name but found {}.",
                describe(found.as_ref())
            ))),
        }
    }

    fn sub_attribute(&mut self) -> Result<Option<String>, ParseError> {
        match &self.next {
            Some(Token::Sub(_)) => match self.advance() {
                Some(Token::Sub(name)) => {
                    let path = attr_path(&name)?;
                    if path.sub.is_some() {
                        return Err(ParseError(format!("'{name}' is not a sub-attribute.")));
                    }
                    Ok(Some(path.attr))
                }
                _ => unreachable!("peeked a sub-attribute"),
            },
            _ => Ok(None),
        }
    }

    fn attribute_expression(&mut self) -> Result<Filter, ParseError> {
        let path = self.attr_path()?;
        if self.eat(&Token::Open('[')) {
            let inner = self.or()?;
            self.expect(Token::Close(']'))?;
            return match self.sub_attribute()? {
                None => Ok(Filter::ValuePath(path, Box::new(inner))),
                Some(sub) => {
                    let compare = self.comparison(AttrPath {
                        urn: None,
                        attr: sub,
                        sub: None,
                    })?;
                    Ok(Filter::ValuePath(
                        path,
                        Box::new(Filter::And(Box::new(inner), Box::new(compare))),
                    ))
                }
            };
        }
        self.comparison(path)
    }

    fn comparison(&mut self, path: AttrPath) -> Result<Filter, ParseError> {
        let op = match self.advance() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("pr") => {
                return Ok(Filter::Present(path))
            }
            Some(Token::Word(w)) => CompareOp::parse(&w)
                .ok_or_else(|| ParseError(format!("'{w}' is not a filter operator.")))?,
            found => {
                return Err(ParseError(format!(
                    "Expected an operator after '{path}' but found {}.",
                    describe(found.as_ref())
                )))
            }
        };
        let value = match self.advance() {
            Some(Token::String(s)) => Literal::String(s),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                "null" => Literal::Null,
                _ => Literal::Number(w.parse().map_err(|_| {
                    ParseError(format!(
                        "'{w}' is not a value: strings are written in double quotes."
                    ))
                })?),
            },
            found => {
                return Err(ParseError(format!(
                    "Expected a value after the operator but found {}.",
                    describe(found.as_ref())
                )))
            }
        };
        Ok(Filter::Compare(path, op, value))
    }
}

fn describe(token: Option<&Token>) -> String {
    match token {
        None => "the end of the expression".into(),
        Some(Token::Open(c)) | Some(Token::Close(c)) => format!("'{c}'"),
        Some(Token::Sub(s)) => format!("'.{s}'"),
        Some(Token::Word(w)) => format!("'{w}'"),
        Some(Token::String(s)) => format!("the string \"{s}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(attr: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: None,
            attr: attr.into(),
            sub: sub.map(Into::into),
        }
    }

    fn eq(attr: &str, sub: Option<&str>, value: &str) -> Filter {
        Filter::Compare(
            path(attr, sub),
            CompareOp::Eq,
            Literal::String(value.into()),
        )
    }

    #[test]
    fn operators_and_names_are_case_insensitive() {
        assert_eq!(
            parse_filter(r#"UserName Eq "a@x""#).unwrap(),
            eq("username", None, "a@x")
        );
        assert_eq!(
            parse_filter(r#"userName eq "a@x" OR userName EQ "b@x""#).unwrap(),
            Filter::Or(
                Box::new(eq("username", None, "a@x")),
                Box::new(eq("username", None, "b@x"))
            )
        );
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        let a = || eq("a", None, "1");
        let b = || eq("b", None, "2");
        let c = || eq("c", None, "3");
        assert_eq!(
            parse_filter(r#"a eq "1" or b eq "2" and c eq "3""#).unwrap(),
            Filter::Or(
                Box::new(a()),
                Box::new(Filter::And(Box::new(b()), Box::new(c())))
            )
        );
        assert_eq!(
            parse_filter(r#"(a eq "1" or b eq "2") and not (c eq "3")"#).unwrap(),
            Filter::And(
                Box::new(Filter::Or(Box::new(a()), Box::new(b()))),
                Box::new(Filter::Not(Box::new(c())))
            )
        );
    }

    #[test]
    fn every_operator_and_literal_parses() {
        for (word, op) in [
            ("eq", CompareOp::Eq),
            ("ne", CompareOp::Ne),
            ("co", CompareOp::Co),
            ("sw", CompareOp::Sw),
            ("ew", CompareOp::Ew),
            ("gt", CompareOp::Gt),
            ("ge", CompareOp::Ge),
            ("lt", CompareOp::Lt),
            ("le", CompareOp::Le),
        ] {
            assert_eq!(
                parse_filter(&format!("title {word} \"x\"")).unwrap(),
                Filter::Compare(path("title", None), op, Literal::String("x".into()))
            );
        }
        assert_eq!(
            parse_filter("active eq False").unwrap(),
            Filter::Compare(path("active", None), CompareOp::Eq, Literal::Bool(false))
        );
        assert_eq!(
            parse_filter("x gt 12.5").unwrap(),
            Filter::Compare(path("x", None), CompareOp::Gt, Literal::Number(12.5))
        );
        assert_eq!(
            parse_filter("externalId pr").unwrap(),
            Filter::Present(path("externalid", None))
        );
    }

    #[test]
    fn value_paths_with_and_without_a_space_or_a_trailing_comparison() {
        let inner = Filter::And(
            Box::new(eq("type", None, "mobile")),
            Box::new(eq("value", None, "14170120")),
        );
        assert_eq!(
            parse_filter(r#"phoneNumbers[type eq "mobile" and value eq "14170120"]"#).unwrap(),
            Filter::ValuePath(path("phonenumbers", None), Box::new(inner.clone()))
        );
        assert_eq!(
            parse_filter(r#"phoneNumbers [ type eq "work_extension"]"#).unwrap(),
            Filter::ValuePath(
                path("phonenumbers", None),
                Box::new(eq("type", None, "work_extension"))
            )
        );
        assert_eq!(
            parse_filter(r#"emails[type eq "work"].value eq "a@b.c""#).unwrap(),
            Filter::ValuePath(
                path("emails", None),
                Box::new(Filter::And(
                    Box::new(eq("type", None, "work")),
                    Box::new(eq("value", None, "a@b.c"))
                ))
            )
        );
    }

    #[test]
    fn urn_qualified_names_keep_their_schema() {
        assert_eq!(
            parse_filter(
                r#"urn:scim:schemas:extension:cisco:webexidentity:2.0:User:meta.organizationId eq "o""#
            )
            .unwrap(),
            Filter::Compare(
                AttrPath {
                    urn: Some("urn:scim:schemas:extension:cisco:webexidentity:2.0:user".into()),
                    attr: "meta".into(),
                    sub: Some("organizationid".into()),
                },
                CompareOp::Eq,
                Literal::String("o".into())
            )
        );
    }

    #[test]
    fn strings_take_json_escapes() {
        assert_eq!(
            parse_filter(r#"displayName eq "say \"hi\" \u00e9""#).unwrap(),
            eq("displayname", None, "say \"hi\" é")
        );
    }

    #[test]
    fn malformed_filters_are_refused_with_a_reason() {
        for (text, reason) in [
            ("", "Expected an attribute name"),
            ("userName", "Expected an operator"),
            ("userName eq", "Expected a value"),
            (r#"userName xx "a""#, "not a filter operator"),
            (r#"userName eq "a"#, "not closed"),
            (r#"userName eq a"#, "double quotes"),
            (r#"(userName eq "a""#, "Expected ')'"),
            (r#"userName eq "a" userName"#, "after the end"),
            (r#"emails[type eq "work""#, "Expected ']'"),
            (r#"a.b.c eq "x""#, "not an attribute name"),
            (r#"userName eq "a" & x"#, "Unexpected character"),
        ] {
            let error = parse_filter(text).unwrap_err();
            assert!(error.0.contains(reason), "{text}: {error}");
        }
        let deep = format!("{}a eq \"1\"{}", "(".repeat(40), ")".repeat(40));
        assert!(parse_filter(&deep).unwrap_err().0.contains("deeper"));
        assert!(parse_filter(&"a".repeat(5000)).is_err());
    }

    #[test]
    fn patch_paths() {
        assert_eq!(
            parse_path("name.givenName").unwrap(),
            PatchPath {
                attr: path("name", Some("givenname")),
                filter: None,
                sub: None
            }
        );
        assert_eq!(
            parse_path(r#"addresses[type eq "work"].streetAddress"#).unwrap(),
            PatchPath {
                attr: path("addresses", None),
                filter: Some(eq("type", None, "work")),
                sub: Some("streetaddress".into())
            }
        );
        assert_eq!(
            parse_path(r#"members[value eq "2819c223"]"#).unwrap(),
            PatchPath {
                attr: path("members", None),
                filter: Some(eq("value", None, "2819c223")),
                sub: None
            }
        );
        assert!(parse_path("members[").is_err());
        assert!(parse_path("a b").is_err());
    }
}
