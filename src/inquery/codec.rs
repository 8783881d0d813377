//! The inlookup wire format (servers.md 1.3-1.5): request frames and the reply of every query type.
//!
//! All integers are native-endian C `int`s (4 bytes); `struct vlimits` is the LP64 layout (128 bytes).
//! Strings are raw bytes: nothing here assumes UTF-8.
//! Every decoder is total: malformed input gives a [`CodecError`], never a panic.

use std::fmt;

/// Query types (`indimail.h`).
pub const USER_QUERY: u8 = 1;
pub const RELAY_QUERY: u8 = 2;
pub const PWD_QUERY: u8 = 3;
pub const HOST_QUERY: u8 = 4;
pub const ALIAS_QUERY: u8 = 5;
pub const LIMIT_QUERY: u8 = 6;
pub const DOMAIN_QUERY: u8 = 7;

/// Linux `PIPE_BUF`: the largest atomic FIFO write, and the request/reply size limit.
pub const PIPE_BUF: usize = 4096;
/// Body limit of the TCP variants (inlookup under tcpserver, tcplookup).
pub const TCP_MAX_BODY: usize = 1024;
/// `sizeof(struct vlimits)` on LP64.
pub const VLIMITS_SIZE: usize = 128;
/// Prefix of a password-query payload.
pub const PWSTRUCT: &[u8] = b"PWSTRUCT=";
/// Payload prefix of a password-query "not found" answer (after [`PWSTRUCT`]).
pub const NO_SUCH_USER: &[u8] = b"No such user ";

/// Names used in inlookup's log lines (`'User Query'` …), by type.
pub fn query_name(qtype: u8) -> Option<&'static str> {
    Some(match qtype {
        USER_QUERY => "User Query",
        RELAY_QUERY => "Relay Query",
        PWD_QUERY => "Password Query",
        HOST_QUERY => "Host Query",
        ALIAS_QUERY => "Alias Query",
        LIMIT_QUERY => "Domain Limits Query",
        DOMAIN_QUERY => "Domain Query",
        _ => return None,
    })
}

/// True for the seven known query types.
pub fn valid_type(qtype: u8) -> bool {
    (USER_QUERY..=DOMAIN_QUERY).contains(&qtype)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecError {
    /// Fewer bytes than the frame needs.
    Short { need: usize, have: usize },
    /// A length field that is negative or larger than the limit.
    BadLength(i64),
    /// Bytes left over after a complete frame.
    Trailing(usize),
    /// A string field without its terminating NUL, or with an embedded NUL (encoding).
    Nul(&'static str),
    /// Type byte outside 1..=7 where a known type is required.
    UnknownType(u8),
    /// A payload that does not parse (password record, vlimits size …).
    Payload(&'static str),
    /// An encoded request would exceed the limit.
    TooLarge(usize),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Short { need, have } => {
                write!(f, "short frame: need {need} bytes, have {have}")
            }
            CodecError::BadLength(n) => write!(f, "invalid length {n}"),
            CodecError::Trailing(n) => write!(f, "{n} trailing bytes"),
            CodecError::Nul(field) => write!(f, "bad NUL in field {field}"),
            CodecError::UnknownType(t) => write!(f, "Invalid query type [{t}]"),
            CodecError::Payload(what) => write!(f, "malformed payload: {what}"),
            CodecError::TooLarge(n) => write!(f, "request of {n} bytes exceeds the pipe size"),
        }
    }
}

impl std::error::Error for CodecError {}

fn int_at(buf: &[u8], at: usize) -> Result<i32, CodecError> {
    match buf.get(at..at + 4) {
        Some(b) => Ok(i32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        None => Err(CodecError::Short {
            need: at + 4,
            have: buf.len(),
        }),
    }
}

/// Decode a native 4-byte length/status word.
pub fn decode_int(b: [u8; 4]) -> i32 {
    i32::from_ne_bytes(b)
}

/// Validate a request length word read from the stream: 2 ≤ N ≤ `max_body`.
pub fn check_request_len(n: i32, max_body: usize) -> Result<usize, CodecError> {
    if n < 2 || n as i64 > max_body as i64 {
        return Err(CodecError::BadLength(n as i64));
    }
    Ok(n as usize)
}

// ------------------------------------------------------------------------------------------------
// Requests

/// One query as it travels client → server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    /// Raw type byte (may be unknown when decoded; see [`valid_type`]).
    pub qtype: u8,
    pub email: Vec<u8>,
    /// Reply FIFO path, or `socket` in TCP mode.
    pub fifo: Vec<u8>,
    /// May be empty.
    pub ip: Vec<u8>,
}

impl Request {
    pub fn new(qtype: u8, email: &[u8], fifo: &[u8], ip: &[u8]) -> Request {
        Request {
            qtype,
            email: email.to_vec(),
            fifo: fifo.to_vec(),
            ip: ip.to_vec(),
        }
    }

    /// Body bytes (everything after the length word).
    pub fn encode_body(&self) -> Result<Vec<u8>, CodecError> {
        for (name, v) in [
            ("email", &self.email),
            ("fifo", &self.fifo),
            ("ip", &self.ip),
        ] {
            if v.contains(&0) {
                return Err(CodecError::Nul(name));
            }
        }
        let mut b = Vec::with_capacity(5 + self.email.len() + self.fifo.len() + self.ip.len());
        b.push(self.qtype);
        b.push(0);
        for v in [&self.email, &self.fifo, &self.ip] {
            b.extend_from_slice(v);
            b.push(0);
        }
        Ok(b)
    }

    /// The whole frame (length word + body), refused when larger than `limit` bytes in total.
    pub fn encode(&self, limit: usize) -> Result<Vec<u8>, CodecError> {
        let body = self.encode_body()?;
        let total = body.len() + 4;
        if total > limit || body.len() > i32::MAX as usize {
            return Err(CodecError::TooLarge(total));
        }
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&(body.len() as i32).to_ne_bytes());
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Parse a body as the server does: type at 0, byte 1 ignored, then NUL-terminated email and
    /// reply path; the ip field may lack its NUL (it then runs to the end of the body).
    pub fn decode_body(body: &[u8]) -> Result<Request, CodecError> {
        if body.len() < 2 {
            return Err(CodecError::Short {
                need: 2,
                have: body.len(),
            });
        }
        let mut rest = &body[2..];
        let mut take = |name: &'static str, last: bool| -> Result<Vec<u8>, CodecError> {
            match rest.iter().position(|&c| c == 0) {
                Some(i) => {
                    let v = rest[..i].to_vec();
                    rest = &rest[i + 1..];
                    Ok(v)
                }
                None if last => {
                    let v = rest.to_vec();
                    rest = &[];
                    Ok(v)
                }
                None => Err(CodecError::Nul(name)),
            }
        };
        let email = take("email", false)?;
        let fifo = take("fifo", false)?;
        let ip = take("ip", true)?;
        Ok(Request {
            qtype: body[0],
            email,
            fifo,
            ip,
        })
    }

    /// Parse one complete frame (length word + exactly that many body bytes).
    pub fn decode(frame: &[u8], max_body: usize) -> Result<Request, CodecError> {
        let n = check_request_len(int_at(frame, 0)?, max_body)?;
        let have = frame.len() - 4;
        if have < n {
            return Err(CodecError::Short {
                need: n + 4,
                have: frame.len(),
            });
        }
        if have > n {
            return Err(CodecError::Trailing(have - n));
        }
        Request::decode_body(&frame[4..])
    }

    pub fn email_lossy(&self) -> String {
        String::from_utf8_lossy(&self.email).into_owned()
    }
}

// ------------------------------------------------------------------------------------------------
// Payloads

/// The password record of a PWD_QUERY reply (`PWSTRUCT=`…).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PwRecord {
    pub name: Vec<u8>,
    /// Real domain; empty when the record carried no `@`.
    pub domain: Vec<u8>,
    /// `pw_passwd`, or `scram,pw_passwd` when the row has a SCRAM secret.
    pub passwd: Vec<u8>,
    pub uid: u32,
    pub gid: u32,
    pub gecos: Vec<u8>,
    pub dir: Vec<u8>,
    /// IndiMail keeps the quota here.
    pub shell: Vec<u8>,
    pub inactive: i32,
}

impl PwRecord {
    /// `PWSTRUCT=name@domain:passwd:uid:gid:gecos:dir:shell:inactive` (without the NUL).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = PWSTRUCT.to_vec();
        b.extend_from_slice(&self.name);
        if !self.domain.is_empty() {
            b.push(b'@');
            b.extend_from_slice(&self.domain);
        }
        for f in [
            &self.passwd[..],
            self.uid.to_string().as_bytes(),
            self.gid.to_string().as_bytes(),
        ] {
            b.push(b':');
            b.extend_from_slice(f);
        }
        for f in [&self.gecos, &self.dir, &self.shell] {
            b.push(b':');
            b.extend_from_slice(f);
        }
        b.push(b':');
        b.extend_from_slice(self.inactive.to_string().as_bytes());
        b
    }

    /// Parse like the client's `strToPw()`: optional `PWSTRUCT=` prefix, 8 `:`-separated fields,
    /// a SCRAM password (`{SCRAM-SHA-…`) spanning two more colons when there are more than 8.
    pub fn parse(s: &[u8]) -> Result<PwRecord, CodecError> {
        let s = s.strip_prefix(PWSTRUCT).unwrap_or(s);
        let colons = s.iter().filter(|&&c| c == b':').count();
        let mut fields: Vec<&[u8]> = s.split(|&c| c == b':').collect();
        if colons > 8
            && fields.get(1).is_some_and(|f| f.starts_with(b"{SCRAM-SHA-"))
            && fields.len() >= 4
        {
            let joined_end = 4;
            let start = fields[0].len() + 1;
            let len = fields[1..joined_end].iter().map(|f| f.len()).sum::<usize>() + 2;
            let pw = &s[start..start + len];
            fields.splice(1..joined_end, [pw]);
        }
        if fields.len() < 8 {
            return Err(CodecError::Payload(
                "password record has fewer than 8 fields",
            ));
        }
        let num = |f: &[u8]| -> Option<u64> { std::str::from_utf8(f).ok()?.parse::<u64>().ok() };
        let (name, domain) = match fields[0].iter().position(|&c| c == b'@') {
            Some(i) => (fields[0][..i].to_vec(), fields[0][i + 1..].to_vec()),
            None => (fields[0].to_vec(), Vec::new()),
        };
        let uid = num(fields[2])
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(CodecError::Payload("uid"))?;
        let gid = num(fields[3])
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(CodecError::Payload("gid"))?;
        let inactive = std::str::from_utf8(fields[7])
            .ok()
            .and_then(|t| t.parse::<i32>().ok())
            .ok_or(CodecError::Payload("inactive"))?;
        Ok(PwRecord {
            name,
            domain,
            passwd: fields[1].to_vec(),
            uid,
            gid,
            gecos: fields[4].to_vec(),
            dir: fields[5].to_vec(),
            shell: fields[6].to_vec(),
            inactive,
        })
    }
}

/// `struct vlimits` (LP64 layout, servers.md 1.5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VLimits {
    pub domain_expiry: i64,
    pub passwd_expiry: i64,
    pub maxpopaccounts: i64,
    pub maxaliases: i64,
    pub maxforwards: i64,
    pub maxautoresponders: i64,
    pub maxmailinglists: i64,
    pub diskquota: u64,
    pub maxmsgcount: u64,
    pub defaultquota: u64,
    pub defaultmaxmsgcount: u64,
    /// disable_pop, imap, dialup, passwordchanging, webmail, relay, smtp.
    pub disable: [i16; 7],
    /// perm_account, alias, forward, autoresponder, maillist, maillist_users,
    /// maillist_moderators, quota, defaultquota.
    pub perm: [i16; 9],
    /// 1 domain row, 2 user row, other = unset.
    pub limit_type: i16,
}

impl VLimits {
    /// The defaults of a missing row: everything unlimited, nothing disabled.
    pub fn unlimited() -> VLimits {
        VLimits {
            domain_expiry: -1,
            passwd_expiry: -1,
            maxpopaccounts: -1,
            maxaliases: -1,
            maxforwards: -1,
            maxautoresponders: -1,
            maxmailinglists: -1,
            ..VLimits::default()
        }
    }

    pub fn to_bytes(&self) -> [u8; VLIMITS_SIZE] {
        let mut b = [0u8; VLIMITS_SIZE];
        let longs = [
            self.domain_expiry,
            self.passwd_expiry,
            self.maxpopaccounts,
            self.maxaliases,
            self.maxforwards,
            self.maxautoresponders,
            self.maxmailinglists,
        ];
        for (i, v) in longs.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&v.to_ne_bytes());
        }
        let ulongs = [
            self.diskquota,
            self.maxmsgcount,
            self.defaultquota,
            self.defaultmaxmsgcount,
        ];
        for (i, v) in ulongs.iter().enumerate() {
            b[56 + i * 8..64 + i * 8].copy_from_slice(&v.to_ne_bytes());
        }
        let shorts = self
            .disable
            .iter()
            .chain(self.perm.iter())
            .chain(std::iter::once(&self.limit_type));
        for (i, v) in shorts.enumerate() {
            b[88 + i * 2..90 + i * 2].copy_from_slice(&v.to_ne_bytes());
        }
        b
    }

    pub fn from_bytes(b: &[u8]) -> Result<VLimits, CodecError> {
        if b.len() != VLIMITS_SIZE {
            return Err(CodecError::Payload("vlimits is not 128 bytes"));
        }
        let l = |at: usize| i64::from_ne_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
        let u = |at: usize| u64::from_ne_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
        let s = |i: usize| i16::from_ne_bytes([b[88 + i * 2], b[89 + i * 2]]);
        let mut disable = [0i16; 7];
        for (i, d) in disable.iter_mut().enumerate() {
            *d = s(i);
        }
        let mut perm = [0i16; 9];
        for (i, p) in perm.iter_mut().enumerate() {
            *p = s(7 + i);
        }
        Ok(VLimits {
            domain_expiry: l(0),
            passwd_expiry: l(8),
            maxpopaccounts: l(16),
            maxaliases: l(24),
            maxforwards: l(32),
            maxautoresponders: l(40),
            maxmailinglists: l(48),
            diskquota: u(56),
            maxmsgcount: u(64),
            defaultquota: u(72),
            defaultmaxmsgcount: u(80),
            disable,
            perm,
            limit_type: s(16),
        })
    }
}

// ------------------------------------------------------------------------------------------------
// Replies

/// A decoded reply. [`Reply::encode`] gives back the exact bytes the server writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Types 1 and 2: the status word itself.
    Status(i32),
    /// Type 3, found.
    Password(PwRecord),
    /// Type 3, `PWSTRUCT=No such user <email>`.
    NoSuchUser(Vec<u8>),
    /// Type 4: `domain:host:port`.
    Host(Vec<u8>),
    /// Type 5: alias lines (without their LF); empty = no aliases.
    Aliases(Vec<Vec<u8>>),
    /// Type 6.
    Limits(VLimits),
    /// Type 7: the real domain.
    Domain(Vec<u8>),
    /// R = 0 for types 3-7 (not found for 4/5/7; reported as an error by the client for 3/6).
    Zero,
    /// R = -1 (or any other negative word for types 3-7): service error.
    Error,
}

/// The error reply: R = -1, no payload.
pub fn error_reply() -> Vec<u8> {
    (-1i32).to_ne_bytes().to_vec()
}

fn with_payload(payload: &[u8], nul: bool) -> Vec<u8> {
    let len = payload.len() + usize::from(nul);
    if len + 4 > PIPE_BUF {
        return error_reply();
    }
    let mut b = Vec::with_capacity(len + 4);
    b.extend_from_slice(&(len as i32).to_ne_bytes());
    b.extend_from_slice(payload);
    if nul {
        b.push(0);
    }
    b
}

impl Reply {
    /// Bytes on the wire: the int, then the payload. An oversized payload becomes the error reply.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Reply::Status(s) => s.to_ne_bytes().to_vec(),
            Reply::Password(pw) => with_payload(&pw.to_bytes(), true),
            Reply::NoSuchUser(email) => {
                let mut p = PWSTRUCT.to_vec();
                p.extend_from_slice(NO_SUCH_USER);
                p.extend_from_slice(email);
                with_payload(&p, true)
            }
            Reply::Host(h) | Reply::Domain(h) => with_payload(h, true),
            Reply::Aliases(lines) => {
                let mut p = Vec::new();
                for l in lines {
                    p.extend_from_slice(l);
                    p.push(b'\n');
                }
                with_payload(&p, true)
            }
            Reply::Limits(v) => with_payload(&v.to_bytes(), false),
            Reply::Zero => 0i32.to_ne_bytes().to_vec(),
            Reply::Error => error_reply(),
        }
    }

    /// Decode a complete reply for query type `qtype` (the bytes up to EOF).
    pub fn decode(qtype: u8, buf: &[u8]) -> Result<Reply, CodecError> {
        let r = int_at(buf, 0)?;
        let rest = &buf[4..];
        match qtype {
            USER_QUERY | RELAY_QUERY => {
                if !rest.is_empty() {
                    return Err(CodecError::Trailing(rest.len()));
                }
                return Ok(Reply::Status(r));
            }
            PWD_QUERY..=DOMAIN_QUERY => {}
            t => return Err(CodecError::UnknownType(t)),
        }
        if r <= 0 {
            if !rest.is_empty() {
                return Err(CodecError::Trailing(rest.len()));
            }
            return Ok(if r == 0 { Reply::Zero } else { Reply::Error });
        }
        let len = r as usize;
        if len + 4 > PIPE_BUF {
            return Err(CodecError::BadLength(r as i64));
        }
        if rest.len() < len {
            return Err(CodecError::Short {
                need: len + 4,
                have: buf.len(),
            });
        }
        if rest.len() > len {
            return Err(CodecError::Trailing(rest.len() - len));
        }
        Reply::decode_payload(qtype, rest)
    }

    /// Decode a payload of exactly R bytes (R > 0).
    pub fn decode_payload(qtype: u8, p: &[u8]) -> Result<Reply, CodecError> {
        if qtype == LIMIT_QUERY {
            return VLimits::from_bytes(p).map(Reply::Limits);
        }
        if !valid_type(qtype) || qtype < PWD_QUERY {
            return Err(CodecError::UnknownType(qtype));
        }
        let text = match p.split_last() {
            Some((0, t)) if !t.contains(&0) => t,
            _ => return Err(CodecError::Nul("payload")),
        };
        Ok(match qtype {
            PWD_QUERY => {
                let body = text.strip_prefix(PWSTRUCT).unwrap_or(text);
                match text
                    .strip_prefix(PWSTRUCT)
                    .and_then(|b| b.strip_prefix(NO_SUCH_USER))
                {
                    Some(email) => Reply::NoSuchUser(email.to_vec()),
                    None => {
                        let pw = PwRecord::parse(body)?;
                        // Only records that re-encode identically are accepted, so that
                        // decode∘encode is the identity on everything we accept.
                        if pw.to_bytes() != text {
                            return Err(CodecError::Payload("non-canonical password record"));
                        }
                        Reply::Password(pw)
                    }
                }
            }
            HOST_QUERY => Reply::Host(text.to_vec()),
            ALIAS_QUERY => {
                if text.is_empty() {
                    Reply::Aliases(Vec::new())
                } else if text.last() != Some(&b'\n') {
                    return Err(CodecError::Payload("alias list does not end with LF"));
                } else {
                    let t = &text[..text.len() - 1];
                    Reply::Aliases(t.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect())
                }
            }
            _ => Reply::Domain(text.to_vec()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One case of `wire-inlookup.txt`: the client's request bytes and the server's reply bytes.
    struct WireCase {
        name: String,
        request: Vec<u8>,
        reply: Vec<u8>,
        no_reply: bool,
    }

    const WIRE: &str = include_str!("../../tests/corpus/inquery/wire-inlookup.txt");

    fn hex_line(line: &str) -> Option<Vec<u8>> {
        let line = line.strip_prefix("  ")?;
        let (off, rest) = line.split_once(": ")?;
        if off.len() != 4 || !off.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let hex = rest.split("  |").next()?;
        Some(
            hex.split_whitespace()
                .map(|h| u8::from_str_radix(h, 16).unwrap())
                .collect(),
        )
    }

    fn wire_cases() -> Vec<WireCase> {
        let mut cases: Vec<WireCase> = Vec::new();
        let mut target = 0; // 1 request, 2 reply, 0 other
        for line in WIRE.lines() {
            if let Some(name) = line.strip_prefix("======== case ") {
                cases.push(WireCase {
                    name: name.to_string(),
                    request: vec![],
                    reply: vec![],
                    no_reply: false,
                });
                target = 0;
            } else if line.starts_with("---- request") {
                target = 1;
            } else if line.starts_with("---- reply") {
                target = 2;
                if line.contains("NO REPLY") {
                    cases.last_mut().unwrap().no_reply = true;
                }
            } else if line.starts_with("---- ") {
                target = 0;
            } else if let Some(bytes) = hex_line(line) {
                let c = cases.last_mut().unwrap();
                match target {
                    1 => c.request.extend(bytes),
                    2 => c.reply.extend(bytes),
                    _ => {}
                }
            }
        }
        cases
    }

    #[test]
    fn golden_requests_and_replies_round_trip() {
        let cases = wire_cases();
        assert_eq!(cases.len(), 30);
        for c in &cases {
            let req =
                Request::decode(&c.request, PIPE_BUF).unwrap_or_else(|e| panic!("{}: {e}", c.name));
            assert_eq!(req.encode(PIPE_BUF).unwrap(), c.request, "{}", c.name);
            if c.no_reply {
                assert!(!valid_type(req.qtype), "{}", c.name);
                continue;
            }
            let reply =
                Reply::decode(req.qtype, &c.reply).unwrap_or_else(|e| panic!("{}: {e}", c.name));
            assert_eq!(reply.encode(), c.reply, "{}", c.name);
        }
    }

    #[test]
    fn golden_decoded_values() {
        let cases = wire_cases();
        let get = |n: &str| {
            cases
                .iter()
                .find(|c| c.name.starts_with(&format!("{n}:")))
                .unwrap()
        };
        let r = Request::decode(&get("7").request, PIPE_BUF).unwrap();
        assert_eq!(
            (r.qtype, &r.email[..], &r.ip[..]),
            (2, &b"alice@example.com"[..], &b"192.0.2.7"[..])
        );
        assert_eq!(r.fifo, b"/tmp/215041795423574");
        assert_eq!(Reply::decode(1, &get("3").reply).unwrap(), Reply::Status(2));
        match Reply::decode(3, &get("9").reply).unwrap() {
            Reply::Password(pw) => {
                assert_eq!(pw.name, b"alice");
                assert_eq!(pw.domain, b"example.com");
                assert_eq!(
                    pw.passwd,
                    b"$5$saltsaltsaltsalt$pSMZ29rcJ30AWnWPsGfMDo0l5iJ7o.aZX7TS6qDXvK6"
                );
                assert_eq!((pw.uid, pw.gid, pw.inactive), (1, 0, 0));
                assert_eq!(pw.shell, b"5000000S,1000C");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            Reply::decode(3, &get("12").reply).unwrap(),
            Reply::NoSuchUser(b"nosuch@example.com".to_vec())
        );
        assert_eq!(
            Reply::decode(4, &get("14").reply).unwrap(),
            Reply::Host(b"example.com:127.0.0.1:25".to_vec())
        );
        assert_eq!(Reply::decode(4, &get("15").reply).unwrap(), Reply::Zero);
        assert_eq!(
            Reply::decode(5, &get("16").reply).unwrap(),
            Reply::Aliases(vec![])
        );
        match Reply::decode(6, &get("18").reply).unwrap() {
            Reply::Limits(v) => {
                assert_eq!(
                    (v.domain_expiry, v.maxpopaccounts, v.diskquota),
                    (-1, 50, 104857600)
                );
                assert_eq!(
                    (v.defaultquota, v.disable[0], v.disable[1], v.limit_type),
                    (10485760, 1, 1, 1)
                );
            }
            other => panic!("{other:?}"),
        }
        match Reply::decode(6, &get("19").reply).unwrap() {
            Reply::Limits(v) => {
                assert_eq!((v.maxpopaccounts, v.maxaliases, v.limit_type), (7, -1, 2))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(Reply::decode(6, &get("21").reply).unwrap(), Reply::Zero);
        assert_eq!(
            Reply::decode(7, &get("22").reply).unwrap(),
            Reply::Domain(b"example.com".to_vec())
        );
    }

    #[test]
    fn scram_password_record() {
        let s = b"PWSTRUCT=bob@example.com:{SCRAM-SHA-256}4096,salt:stored:server,$5$x$y:1:0:bob:/home/bob:NOQUOTA:0";
        let pw = PwRecord::parse(s).unwrap();
        assert_eq!(pw.passwd, b"{SCRAM-SHA-256}4096,salt:stored:server,$5$x$y");
        assert_eq!(pw.dir, b"/home/bob");
        assert_eq!(pw.to_bytes(), s);
        let r = Reply::Password(pw.clone());
        assert_eq!(Reply::decode(PWD_QUERY, &r.encode()).unwrap(), r);
    }

    #[test]
    fn encode_rules() {
        let r = Request::new(1, b"a@b", b"/tmp/x", b"");
        let f = r.encode(PIPE_BUF).unwrap();
        assert_eq!(&f[..4], &14i32.to_ne_bytes());
        assert!(f.ends_with(&[0, 0]));
        assert_eq!(
            Request::new(1, b"a\0b", b"f", b"").encode(PIPE_BUF),
            Err(CodecError::Nul("email"))
        );
        let big = vec![b'x'; PIPE_BUF];
        assert!(matches!(
            Request::new(1, &big, b"f", b"").encode(PIPE_BUF),
            Err(CodecError::TooLarge(_))
        ));
        assert_eq!(Reply::Host(vec![b'h'; PIPE_BUF]).encode(), error_reply());
        assert_eq!(
            Reply::Aliases(vec![b"a".to_vec(), b"b".to_vec()]).encode()[4..],
            *b"a\nb\n\0"
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert!(Request::decode(b"", PIPE_BUF).is_err());
        assert!(Request::decode(&[1, 0, 0, 0, 1], PIPE_BUF).is_err());
        assert!(Request::decode(&(-5i32).to_ne_bytes(), PIPE_BUF).is_err());
        let mut f = 5000i32.to_ne_bytes().to_vec();
        f.extend(vec![0; 5000]);
        assert_eq!(
            Request::decode(&f, PIPE_BUF),
            Err(CodecError::BadLength(5000))
        );
        // missing NUL after the email
        let mut f = 5i32.to_ne_bytes().to_vec();
        f.extend([1, 0, b'a', b'b', b'c']);
        assert_eq!(Request::decode(&f, PIPE_BUF), Err(CodecError::Nul("email")));
        // ip without NUL is tolerated, non-UTF-8 kept as bytes
        let mut f = 7i32.to_ne_bytes().to_vec();
        f.extend([9, 0, 0xff, 0, b'p', 0, b'1']);
        let r = Request::decode(&f, PIPE_BUF).unwrap();
        assert_eq!((r.qtype, r.email, r.ip), (9, vec![0xff], b"1".to_vec()));
        assert!(Reply::decode(8, &0i32.to_ne_bytes()).is_err());
        assert!(Reply::decode(3, &[5, 0, 0, 0, b'a']).is_err());
        assert!(Reply::decode(3, &[1, 0, 0, 0, b'a']).is_err());
        assert!(Reply::decode(6, &[1, 0, 0, 0, 0]).is_err());
        assert!(Reply::decode(7, &(i32::MAX).to_ne_bytes()).is_err());
    }

    /// Everything under tests/corpus/inquery/*.bin decodes without panicking, as request
    /// and as a reply of every type; what decodes re-encodes to the same bytes.
    #[test]
    fn corpus_replay() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/inquery");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().and_then(|x| x.to_str()) != Some("bin") {
                continue;
            }
            let data = std::fs::read(&p).unwrap();
            check_total(&data);
            n += 1;
        }
        assert!(n >= 5, "corpus has {n} files");
    }

    pub(super) fn check_total(data: &[u8]) {
        if let Ok(r) = Request::decode(data, PIPE_BUF) {
            let _ = r.email_lossy();
            // As for replies: what we would write must decode to the same request.
            let enc = r.encode(PIPE_BUF).unwrap();
            assert_eq!(Request::decode(&enc, PIPE_BUF).as_ref().ok(), Some(&r));
        }
        let _ = Request::decode_body(data);
        for t in 0..=9u8 {
            if let Ok(reply) = Reply::decode(t, data) {
                // Decoding may normalise (any negative status is the error reply, the
                // vlimits padding is not kept), so the property is that the bytes we
                // would write decode to the same reply, not that they equal the input.
                let enc = reply.encode();
                assert_eq!(
                    Reply::decode(t, &enc).as_ref().ok(),
                    Some(&reply),
                    "type {t}"
                );
            }
        }
        let _ = PwRecord::parse(data);
    }

    mod prop {
        use super::check_total;
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn decoders_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
                check_total(&data);
            }

            #[test]
            fn framed_random_bodies(t in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..300)) {
                let mut f = (body.len() as i32 + 1).to_ne_bytes().to_vec();
                f.push(t);
                f.extend(&body);
                check_total(&f);
            }

            #[test]
            fn request_round_trip(t in 1u8..=7,
                                  e in "[a-zA-Z0-9@._-]{0,60}",
                                  p in "[/a-z0-9]{0,60}",
                                  ip in "[0-9.]{0,15}") {
                let r = Request::new(t, e.as_bytes(), p.as_bytes(), ip.as_bytes());
                let f = r.encode(PIPE_BUF).unwrap();
                prop_assert_eq!(Request::decode(&f, PIPE_BUF).unwrap(), r);
            }

            #[test]
            fn reply_payload_round_trip(t in 3u8..=7, bytes in proptest::collection::vec(1u8..=255, 0..200)) {
                let reply = match t {
                    3 => Reply::NoSuchUser(bytes),
                    4 => Reply::Host(bytes),
                    5 => Reply::Aliases(bytes.split(|&c| c == b'\n').map(<[u8]>::to_vec).filter(|l| !l.is_empty()).collect()),
                    6 => Reply::Limits(VLimits::unlimited()),
                    _ => Reply::Domain(bytes),
                };
                let enc = reply.encode();
                if let Reply::Aliases(_) | Reply::Limits(_) = reply {
                    prop_assert_eq!(Reply::decode(t, &enc).unwrap(), reply);
                } else if !enc.starts_with(&1i32.to_ne_bytes()) || t != 4 {
                    let _ = Reply::decode(t, &enc);
                }
            }
        }
    }
}
