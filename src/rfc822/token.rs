//! The RFC 822 tokeniser shared by address, date and Received parsing.

/// One token of a normalised field value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A run of bytes that are not specials.
    Atom(Vec<u8>),
    /// A quoted string, without its quotes and backslashes.
    Quoted(Vec<u8>),
    /// A domain literal, brackets kept.
    Literal(Vec<u8>),
    /// A comment, without the outer parentheses (nested ones kept).
    Comment(Vec<u8>),
    /// One of `< > , ; : @ .`
    Special(u8),
    /// A run of spaces and tabs.
    Space,
}

impl Token {
    /// A word: atom, quoted string or domain literal.
    pub fn is_word(&self) -> bool {
        matches!(self, Token::Atom(_) | Token::Quoted(_) | Token::Literal(_))
    }
    /// The word's text.
    pub fn text(&self) -> &[u8] {
        match self {
            Token::Atom(t) | Token::Quoted(t) | Token::Literal(t) | Token::Comment(t) => t,
            _ => &[],
        }
    }
}

const SPECIALS: &[u8] = b"<>,;:@.";

pub fn tokenize(s: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {
                while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\r' | b'\n') {
                    i += 1;
                }
                out.push(Token::Space);
            }
            b'"' => {
                i += 1;
                let mut t = Vec::new();
                while i < s.len() && s[i] != b'"' {
                    if s[i] == b'\\' && i + 1 < s.len() {
                        i += 1;
                    }
                    t.push(s[i]);
                    i += 1;
                }
                i += 1;
                out.push(Token::Quoted(t));
            }
            b'[' => {
                let mut t = Vec::new();
                while i < s.len() && s[i] != b']' {
                    if s[i] == b'\\' && i + 1 < s.len() {
                        i += 1;
                    }
                    t.push(s[i]);
                    i += 1;
                }
                if i < s.len() {
                    t.push(b']');
                    i += 1;
                }
                out.push(Token::Literal(t));
            }
            b'(' => {
                i += 1;
                let mut depth = 1;
                let mut t = Vec::new();
                while i < s.len() {
                    match s[i] {
                        b'\\' if i + 1 < s.len() => {
                            i += 1;
                        }
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    t.push(s[i]);
                    i += 1;
                }
                out.push(Token::Comment(t));
            }
            _ if SPECIALS.contains(&b) => {
                out.push(Token::Special(b));
                i += 1;
            }
            _ => {
                let start = i;
                while i < s.len()
                    && !SPECIALS.contains(&s[i])
                    && !matches!(s[i], b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'(' | b'[')
                {
                    i += 1;
                }
                out.push(Token::Atom(s[start..i].to_vec()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let t = tokenize(b"\"a \\\"b\" <x@[1.2]> (c (d))");
        assert_eq!(t[0], Token::Quoted(b"a \"b".to_vec()));
        assert_eq!(t[4], Token::Special(b'@'));
        assert_eq!(t[5], Token::Literal(b"[1.2]".to_vec()));
        assert_eq!(t[8], Token::Comment(b"c (d)".to_vec()));
    }
}
