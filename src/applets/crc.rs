//! crc: POSIX cksum checksums of files (IndiMail's `crc`).

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;

use super::{parse_args, Applet, Ctx};
use crate::cksum::Cksum;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::mailstore::remove::error_text;

const USAGE: &str = "crc:  -v (verbose listing)
      -d display CRC in base 10 decimal (default is hexadecimal)
      -i value (initial crc value)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag(
        'v',
        "verbose listing: permissions, owner, group, mtime and name",
    ),
    OptSpec::flag('d', "display the CRC in decimal (default hexadecimal)"),
    OptSpec::value('i', "value", "initial CRC value"),
    OptSpec::value('t', "tag", "append ,tag=<tag> to the verbose listing"),
];

pub const APPLET: Applet = Applet {
    name: "crc",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "print POSIX cksum checksums of files",
    synopsis: "[-v] [-d] [-i initial] [-t tag] file...",
    options: OPTIONS,
    run,
};

/// qmail's `scan_long`: optional sign, decimal digits, stops at anything else (0 if none).
fn scan_long(s: &str) -> i64 {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for b in rest.bytes().take_while(u8::is_ascii_digit) {
        v = v.wrapping_mul(10).wrapping_add(i64::from(b - b'0'));
    }
    if neg {
        v.wrapping_neg()
    } else {
        v
    }
}

/// `ls -l` style permission string.
fn perm_string(mode: u32) -> String {
    let mut s: Vec<u8> = b"----------".to_vec();
    s[0] = match mode & libc::S_IFMT {
        libc::S_IFDIR => b'd',
        libc::S_IFBLK => b'b',
        libc::S_IFCHR => b'c',
        libc::S_IFIFO => b'p',
        libc::S_IFLNK => b'l',
        libc::S_IFSOCK => b's',
        _ => b'-',
    };
    let bit = |m: u32| mode & m != 0;
    let triads = [
        (
            libc::S_IRUSR,
            libc::S_IWUSR,
            libc::S_IXUSR,
            libc::S_ISUID,
            b's',
            b'S',
        ),
        (
            libc::S_IRGRP,
            libc::S_IWGRP,
            libc::S_IXGRP,
            libc::S_ISGID,
            b's',
            b'l',
        ),
        (
            libc::S_IROTH,
            libc::S_IWOTH,
            libc::S_IXOTH,
            libc::S_ISVTX,
            b't',
            b'T',
        ),
    ];
    for (i, (r, w, x, special, both, only)) in triads.into_iter().enumerate() {
        let base = 1 + 3 * i;
        if bit(r) {
            s[base] = b'r';
        }
        if bit(w) {
            s[base + 1] = b'w';
        }
        s[base + 2] = match (bit(special), bit(x)) {
            (true, true) => both,
            (false, true) => b'x',
            (true, false) => only,
            (false, false) => b'-',
        };
    }
    String::from_utf8(s).unwrap_or_default()
}

/// The CRC of one file: its contents, or for anything but a regular file the
/// original's zeroed `struct stat` image.
fn file_crc(path: &str, meta: &std::fs::Metadata, initial: u32) -> io::Result<u32> {
    let mut c = Cksum::new(initial);
    if !meta.is_file() {
        c.update(&crate::sys::stat_image(meta));
        return Ok(c.finish());
    }
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => c.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(c.finish())
}

fn verbose_suffix(path: &str, m: &std::fs::Metadata, tag: Option<&str>) -> String {
    let owner = crate::sys::user_name(m.uid()).unwrap_or_else(|| m.uid().to_string());
    let group = crate::sys::group_name(m.gid()).unwrap_or_else(|| m.gid().to_string());
    let t = crate::sys::asctime_local(m.mtime());
    let when = t.get(4..24).unwrap_or("");
    let mut s = format!(" {} {owner}\t{group}\t{when} {path}", perm_string(m.mode()));
    if let Some(tag) = tag {
        s.push_str(",tag=");
        s.push_str(tag);
    }
    s
}

fn run(_ctx: &mut Ctx, args: &[String]) -> AppletResult {
    if args.is_empty() {
        return Err(AppletError::new(0, USAGE));
    }
    let p = parse_args(&APPLET, args, || AppletError::new(100, USAGE))?;
    let initial = p.value("i").map(scan_long).unwrap_or(0) as u32;
    let (verbose, hex, tag) = (p.has("v"), !p.has("d"), p.value("t"));
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut status = 0;
    for path in &p.operands {
        let result = std::fs::metadata(path).and_then(|m| Ok((file_crc(path, &m, initial)?, m)));
        let (crc, meta) = match result {
            Ok(v) => v,
            Err(e) => {
                eprintln!("crc: warn: {path}: {}", error_text(&e));
                status = 100;
                continue;
            }
        };
        let mut line = if hex {
            format!("0x{crc:08x}")
        } else {
            crc.to_string()
        };
        if verbose {
            line.push_str(&verbose_suffix(path, &meta, tag));
        }
        line.push('\n');
        out.write_all(line.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| {
                AppletError::new(
                    111,
                    format!("crc: fatal: unable to write to stdout: {}", error_text(&e)),
                )
            })?;
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_long_like_qmail() {
        assert_eq!(scan_long("42"), 42);
        assert_eq!(scan_long("-1"), -1);
        assert_eq!(scan_long("+7x9"), 7);
        assert_eq!(scan_long("abc"), 0);
        assert_eq!(scan_long(""), 0);
    }

    #[test]
    fn permission_strings() {
        assert_eq!(perm_string(0o100644), "-rw-r--r--");
        assert_eq!(perm_string(0o40755), "drwxr-xr-x");
        assert_eq!(perm_string(0o104755), "-rwsr-xr-x");
        assert_eq!(perm_string(0o102644), "-rw-r-lr--");
        assert_eq!(perm_string(0o41777), "drwxrwxrwt");
        assert_eq!(perm_string(0o10600), "prw-------");
    }
}
