//! Address lists (mess822_addrlist): NUL-terminated records, `+address`
//! for a mailbox and `(text` for the phrase or comments that belong to it
//! (emitted before the address).

use super::token::{tokenize, Token};

fn push_record(out: &mut Vec<u8>, kind: u8, text: &[u8]) {
    out.push(kind);
    out.extend_from_slice(text);
    out.push(0);
}

/// Collapse whitespace runs to one space and trim.
fn squeeze(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for &b in text {
        let ws = matches!(b, b' ' | b'\t' | b'\r' | b'\n');
        if ws {
            if !out.is_empty() && out.last() != Some(&b' ') {
                out.push(b' ');
            }
        } else {
            out.push(b);
        }
    }
    while out.last() == Some(&b' ') {
        out.pop();
    }
    out
}

/// One element of the list (between `,`/`;`/group `:`).
#[derive(Default)]
struct Elem {
    phrase: Vec<u8>,
    words: Vec<Token>,
    angle: Option<Vec<u8>>,
}

impl Elem {
    fn add_text(&mut self, t: &[u8]) {
        if !self.phrase.is_empty() {
            self.phrase.push(b' ');
        }
        self.phrase.extend_from_slice(t);
    }

    /// Words seen so far become phrase text.
    fn words_to_phrase(&mut self) {
        let mut text = Vec::new();
        for w in self.words.drain(..) {
            match w {
                Token::Space => text.push(b' '),
                Token::Special(c) => text.push(c),
                w => text.extend_from_slice(w.text()),
            }
        }
        let s = squeeze(&text);
        if !s.is_empty() {
            self.add_text(&s);
        }
    }

    fn flush(&mut self, out: &mut Vec<u8>) {
        let mut addrs: Vec<Vec<u8>> = Vec::new();
        if let Some(a) = self.angle.take() {
            self.words_to_phrase();
            addrs.push(a);
        } else {
            let mut cur: Option<Vec<u8>> = None;
            let mut last_word = false;
            let mut spaced = false;
            for w in self.words.drain(..) {
                match w {
                    Token::Space => spaced = true,
                    Token::Special(c) => {
                        cur.get_or_insert_with(Vec::new).push(c);
                        last_word = false;
                        spaced = false;
                    }
                    w => {
                        if last_word && spaced {
                            addrs.extend(cur.take());
                        }
                        cur.get_or_insert_with(Vec::new).extend_from_slice(w.text());
                        last_word = true;
                        spaced = false;
                    }
                }
            }
            addrs.extend(cur);
        }
        let phrase = squeeze(&std::mem::take(&mut self.phrase));
        if !phrase.is_empty() {
            push_record(out, b'(', &phrase);
        }
        for mut a in addrs {
            if !a.contains(&b'@') {
                a.push(b'@');
            }
            push_record(out, b'+', &a);
        }
    }
}

/// The address records of a normalised field value.
pub fn addrlist(value: &[u8]) -> Vec<u8> {
    let toks = tokenize(value);
    let mut out = Vec::new();
    let mut e = Elem::default();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Token::Comment(c) => {
                let s = squeeze(c);
                if !s.is_empty() {
                    e.add_text(&s);
                }
            }
            Token::Special(b'<') => {
                // route-addr: everything up to '>', route (before the last ':') dropped
                let mut addr = Vec::new();
                i += 1;
                while i < toks.len() && toks[i] != Token::Special(b'>') {
                    match &toks[i] {
                        Token::Special(b':') => addr.clear(),
                        Token::Special(b',') if addr.first() == Some(&b'@') => addr.clear(),
                        Token::Special(c) => addr.push(*c),
                        Token::Space => {}
                        Token::Comment(c) => {
                            let s = squeeze(c);
                            if !s.is_empty() {
                                e.add_text(&s);
                            }
                        }
                        w => addr.extend_from_slice(w.text()),
                    }
                    i += 1;
                }
                if e.angle.is_some() {
                    e.flush(&mut out);
                }
                e.words_to_phrase();
                e.angle = Some(addr);
            }
            Token::Special(b':') if e.angle.is_none() => {
                // group name
                e.words_to_phrase();
                let p = squeeze(&std::mem::take(&mut e.phrase));
                if !p.is_empty() {
                    push_record(&mut out, b'(', &p);
                }
            }
            Token::Special(b',') | Token::Special(b';') => e.flush(&mut out),
            t => {
                if e.angle.is_some() {
                    // words after <...>: comment text
                    if t.is_word() {
                        e.add_text(t.text());
                    }
                } else {
                    e.words.push(t.clone());
                }
            }
        }
        i += 1;
    }
    e.flush(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        assert_eq!(
            addrlist(b"Joe Smith <joe@x>, bob@y (Bob)"),
            b"(Joe Smith\0+joe@x\0(Bob\0+bob@y\0"
        );
        assert_eq!(addrlist(b"grp: a@b, c@d;"), b"(grp\0+a@b\0+c@d\0");
        assert_eq!(addrlist(b"joe smith@x"), b"+joe@\0+smith@x\0");
        assert_eq!(addrlist(b"\"a b\"@x"), b"+a b@x\0");
        assert_eq!(addrlist(b"<>"), b"+@\0");
        assert_eq!(addrlist(b"joe"), b"+joe@\0");
        assert_eq!(addrlist(b"(just a comment)"), b"(just a comment\0");
        assert_eq!(addrlist(b"a . b @ c"), b"+a.b@c\0");
        assert_eq!(addrlist(b"<@r1,@r2:u@d>"), b"+u@d\0");
        assert_eq!(
            addrlist(b"=?utf-8?q?J=C3=B6?= <j@x>"),
            b"(=?utf-8?q?J=C3=B6?=\0+j@x\0"
        );
    }
}
