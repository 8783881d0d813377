//! Tests for the `passwd` module. The reference for every scheme is the
//! system crypt(3) (libxcrypt), called through `sys::system_crypt`
//! (`crypt_rn`, link name "crypt").

use super::*;

fn rand_u32() -> u32 {
    let b = random_bytes(4);
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Random pass phrase of 0..=40 bytes, any byte value except NUL.
fn random_phrase() -> Vec<u8> {
    let len = (rand_u32() % 41) as usize;
    random_bytes(len)
        .into_iter()
        .map(|b| if b == 0 { 1 } else { b })
        .collect()
}

fn system(phrase: &[u8], setting: &str) -> Option<String> {
    sys::system_crypt(phrase, setting)
}

/// Our result must equal crypt(3)'s, including agreeing on rejection.
fn assert_same(phrase: &[u8], setting: &str) {
    let ours = hash_with_setting(phrase, setting).ok();
    let theirs = system(phrase, setting);
    assert_eq!(
        ours, theirs,
        "phrase {phrase:?} setting {setting:?}: ours vs crypt(3)"
    );
}

#[test]
fn des_core_matches_fips_vector() {
    // Classic worked example: key 133457799BBCDFF1, plaintext 0123456789ABCDEF.
    assert_eq!(
        des_crypt::des_encrypt(0x1334_5779_9BBC_DFF1, 0x0123_4567_89AB_CDEF),
        0x85E8_1354_0F0A_B405
    );
}

#[test]
fn known_values_from_crypt3() {
    // Produced by the system crypt(3) on Debian (libxcrypt).
    assert_eq!(hash_with_setting(b"secret", "ab").unwrap(), "abNANd1rDfiNc");
    assert_eq!(
        hash_with_setting(b"secret", "$1$abcdefgh$").unwrap(),
        "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1"
    );
    assert_eq!(
        hash_with_setting(b"secret", "$5$saltsaltsaltsalt$").unwrap(),
        "$5$saltsaltsaltsalt$X0ra9qlY7TJaGBDgorLevriQfwysW8fXnbybcO4mF4/"
    );
    assert_eq!(
        hash_with_setting(b"secret", "$5$rounds=1000$abc$").unwrap(),
        "$5$rounds=1000$abc$Mz4DiYKTnNKbZLo/mIp3d8Y4aQBhv3uhSwxLDy55/Y8"
    );
    assert_eq!(
        hash_with_setting(b"secret", "$6$a").unwrap(),
        "$6$a$DkL.VXUfAmPhzDh.OEz4mRpnHS/zKOvB4eLJuV07HjGZRVaYToFFKaEKnIoL.eZI6Vq5tRCyIzPnM6lJn/E7Y0"
    );
    assert_eq!(
        hash_with_setting(b"secret", "$y$j9T$abcdefghijklmnop$").unwrap(),
        "$y$j9T$abcdefghijklmnop$3dL1LkYnZM.OVXuVdnnaKVDlLYT92dRwOzDZ5XiVCe."
    );
    // The oracle's stored SHA-256 hash is well-formed and re-derives its own
    // prefix (password unknown, so only a wrong password is checked).
    let oracle = "$5$saltsaltsaltsalt$pSMZ29rcJ30AWnWPsGfMDo0l5iJ7o.aZX7TS6qDXvK6";
    assert!(!verify(b"secret", oracle));
    assert!(hash_with_setting(b"x", oracle)
        .unwrap()
        .starts_with("$5$saltsaltsaltsalt$"));
}

#[test]
fn random_cross_check_against_crypt3() {
    for _ in 0..10 {
        let phrase = random_phrase();
        for method in [
            HashMethod::Des,
            HashMethod::Md5,
            HashMethod::Sha256,
            HashMethod::Sha512,
        ] {
            let setting = make_salt(method);
            assert_same(&phrase, &setting);
            // verify() accepts crypt(3)'s hash and rejects a wrong phrase.
            let stored = system(&phrase, &setting).unwrap();
            assert!(verify(&phrase, &stored), "{method:?} {stored}");
            let mut wrong = phrase.clone();
            wrong.push(b'x');
            if method != HashMethod::Des || phrase.len() < 8 {
                assert!(!verify(&wrong, &stored), "{method:?} {stored}");
            }
        }
    }
}

#[test]
fn random_salts_any_printable_chars() {
    // Salts made of arbitrary printable characters that libxcrypt accepts
    // (and some it rejects), arbitrary lengths, with and without rounds=.
    let printable: Vec<u8> = (0x21u8..=0x7e).collect();
    for i in 0..24 {
        let len = (rand_u32() % 20) as usize;
        let salt: String = random_bytes(len)
            .into_iter()
            .map(|b| char::from(printable[usize::from(b) % printable.len()]))
            .collect();
        let phrase = random_phrase();
        for prefix in ["$1$", "$5$", "$6$", ""] {
            assert_same(&phrase, &format!("{prefix}{salt}"));
        }
        let rounds = 1000 + rand_u32() % 1500;
        let r = if i % 2 == 0 { "$5$" } else { "$6$" };
        assert_same(&phrase, &format!("{r}rounds={rounds}${salt}"));
    }
}

#[test]
fn setting_edge_cases_agree_with_crypt3() {
    let settings = [
        "ab",
        "a!",
        "a",
        "",
        "ab$$$$$",
        "abc",
        "./",
        "zz",
        "a-",
        "$1$",
        "$1$abcdefghijkl$",
        "$1$ab",
        "$1$a:b",
        "$1$rounds=1000$x",
        "$5$",
        "$5$$",
        "$6$",
        "$5$saltsaltsaltsaltEXTRA$",
        "$5$rounds=5000$abc$",
        "$5$rounds=1000$abc$",
        "$5$rounds=999$abc$",
        "$5$rounds=10$abc$",
        "$5$rounds=0100$abc",
        "$5$rounds=1000abc",
        "$5$rounds=$a",
        "$5$rounds=1000$",
        "$5$rounds=1000",
        "$5$rounds=1000$rounds=2000$x",
        "$6$rounds=1999999999$x",
        "$6$rounds=99999999999999999999$a",
        "$6$rounds=1000$abcdefghijklmnopqrst$",
        "$5$ab:c$",
        "$5$a b$",
        "$5$a*b",
        "$5$a;b",
        "$5$a\\b",
        "$5$a\nb",
        "$5$a\u{e9}$",
        "$5$abc$xy:z",
        "$5$a-b$",
        "$5$a~b$",
        "$5$abc$xyz",
        "$y$j9T$abc",
        "$y$j9T$",
        "_J9..abcd",
        "$2b$",
    ];
    for s in settings {
        assert_same(b"secret", s);
        assert_same(b"", s);
        assert_same("p\u{e4}ssw\u{f6}rd with spaces!".as_bytes(), s);
    }
}

#[test]
fn des_and_bigcrypt_phrase_lengths() {
    // libxcrypt uses bigcrypt (8-byte segments, max 16) for DES settings of
    // 14+ characters; 13 or fewer give classic 13-character DES.
    for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 64, 127, 128, 129, 200, 511] {
        let phrase: Vec<u8> = (0..len).map(|i| b'!' + (i % 90) as u8).collect();
        for setting in ["ab", "abcdefghijklm", "abcdefghijklmn", "./..............."] {
            assert_same(&phrase, setting);
        }
    }
    let big = hash_with_setting(b"abcdefghi", "abcdefghijklmn").unwrap();
    assert_eq!(big, "abYH7TYgEKz2QhHYmE08CrMg");
    assert!(verify(b"abcdefghi", &big));
    assert!(!verify(b"abcdefghj", &big));
}

#[test]
fn phrase_length_limit_and_nul() {
    let long = vec![b'a'; 511];
    for s in ["ab", "$1$abc", "$5$abc$", "$6$abc$"] {
        assert_same(&long, s);
        assert_same(&[b'a'; 512], s);
    }
    assert!(matches!(
        hash_with_setting(&[b'a'; 512], "$5$abc$"),
        Err(HashError::PhraseTooLong)
    ));
    // A NUL ends the phrase, as for a C string.
    assert_eq!(
        hash_with_setting(b"abc\0def", "$5$abc$").unwrap(),
        hash_with_setting(b"abc", "$5$abc$").unwrap()
    );
}

#[test]
fn verify_hashes_made_by_crypt3_with_rounds() {
    for setting in [
        "$5$rounds=1000$abcdefgh$",
        "$5$rounds=5000$abcdefgh$",
        "$6$rounds=1234$0123456789abcdef$",
        "$6$rounds=5000$x$",
    ] {
        let phrase = random_phrase();
        let stored = system(&phrase, setting).unwrap();
        assert!(stored.contains("rounds="));
        assert!(verify(&phrase, &stored), "{stored}");
        assert!(!verify(b"definitely wrong", &stored), "{stored}");
    }
}

#[test]
fn yescrypt_verify_and_produce() {
    let gensalt = sys::system_gensalt("$y$", 0, &random_bytes(16)).unwrap();
    assert!(gensalt.starts_with("$y$j9T$"), "{gensalt}");
    for setting in [gensalt.as_str(), "$y$j9T$abcdefghijklmnop$"] {
        let phrase = random_phrase();
        let stored = system(&phrase, setting).unwrap();
        assert!(verify(&phrase, &stored), "{stored}");
        assert!(!verify(b"wrong", &stored));
    }
    let h = hash_password(b"hello", HashMethod::Yescrypt).unwrap();
    assert!(h.starts_with("$y$j9T$"), "{h}");
    assert!(verify(b"hello", &h));
    assert!(!verify(b"hellO", &h));
    assert_eq!(system(b"hello", &h).unwrap(), h);
}

#[test]
fn hash_password_formats() {
    let cases = [
        (HashMethod::Des, 13, ""),
        (HashMethod::Md5, 3 + 8 + 1 + 22, "$1$"),
        (HashMethod::Sha256, 3 + 16 + 1 + 43, "$5$"),
        (HashMethod::Sha512, 3 + 16 + 1 + 86, "$6$"),
    ];
    for (m, len, prefix) in cases {
        let h = hash_password(b"pw", m).unwrap();
        assert_eq!(h.len(), len, "{h}");
        assert!(h.starts_with(prefix), "{h}");
        assert!(!h.contains("rounds="));
        assert!(verify(b"pw", &h));
        assert!(!verify(b"pW", &h));
    }
}

#[test]
fn make_salt_shapes() {
    let in_alpha = |s: &str| s.bytes().all(|b| SALT_CHARS.contains(&b));
    for _ in 0..20 {
        let d = make_salt(HashMethod::Des);
        assert_eq!(d.len(), 2);
        assert!(in_alpha(&d));
        for (m, p, n) in [
            (HashMethod::Md5, "$1$", 8),
            (HashMethod::Sha256, "$5$", 16),
            (HashMethod::Sha512, "$6$", 16),
        ] {
            let s = make_salt(m);
            assert!(s.starts_with(p) && s.ends_with('$'), "{s}");
            let body = &s[3..s.len() - 1];
            assert_eq!(body.len(), n);
            assert!(in_alpha(body));
        }
        let y = make_salt(HashMethod::Yescrypt);
        assert!(y.starts_with("$y$j9T$") && y.ends_with('$'), "{y}");
    }
    assert_ne!(make_salt(HashMethod::Sha512), make_salt(HashMethod::Sha512));
}

#[test]
fn method_ids_and_names() {
    for (i, m) in ALL_METHODS.into_iter().enumerate() {
        assert_eq!(m.id(), i as i32);
        assert_eq!(HashMethod::from_id(i as i64), m);
        assert_eq!(HashMethod::parse_file_value(m.name()), Some(m));
        assert_eq!(HashMethod::parse_option(m.name()), Some(m));
    }
    assert_eq!(HashMethod::from_id(5), HashMethod::Sha512);
    assert_eq!(HashMethod::from_id(-1), HashMethod::Sha512);
    assert_eq!(HashMethod::from_id(99), HashMethod::Sha512);
    assert_eq!(DEFAULT_HASH, HashMethod::Sha256);
    let names: Vec<_> = ALL_METHODS.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["DES", "MD5", "SHA-256", "SHA-512", "YESCRYPT"]);
}

#[test]
fn parse_option_cases() {
    use HashMethod::*;
    let ok = [
        ("DES", Des),
        ("DESX", Des),
        ("MD5", Md5),
        ("MD5-crypt", Md5),
        ("SHA-256", Sha256),
        ("SHA-2567", Sha256),
        ("SHA-512", Sha512),
        ("YESCRYPT", Yescrypt),
        ("0", Des),
        ("1", Md5),
        ("2", Sha256),
        ("3", Sha512),
        ("4", Yescrypt),
        ("02", Sha256),
        ("+3", Sha512),
        (" 4", Yescrypt),
        ("\t1", Md5),
        ("-0", Des),
        ("-", Des),
        ("+", Des),
    ];
    for (s, m) in ok {
        assert_eq!(HashMethod::parse_option(s), Some(m), "{s:?}");
    }
    for s in [
        "", " ", "DE", "des", "SHA256", "SHA512", "sha-256", "SHA-25", "SHA", "YES", "5", "-1",
        "2 ", "2x", "x2", "yescrypt", "MD",
    ] {
        assert_eq!(HashMethod::parse_option(s), None, "{s:?}");
    }
}

#[test]
fn parse_file_value_cases() {
    use HashMethod::*;
    for (s, m) in [
        ("DES", Des),
        ("MD5", Md5),
        ("SHA-256", Sha256),
        ("SHA-512", Sha512),
        ("YESCRYPT", Yescrypt),
        ("3", Sha512),
        ("+2", Sha256),
        ("04", Yescrypt),
    ] {
        assert_eq!(HashMethod::parse_file_value(s), Some(m), "{s:?}");
    }
    for s in [
        "",
        "DESX",
        "SHA-256 ",
        "SHA-256\r",
        "SHA-2567",
        "sha-256",
        "5",
        "-1",
        "2 ",
        "SHA256",
    ] {
        assert_eq!(HashMethod::parse_file_value(s), None, "{s:?}");
    }
}

#[test]
fn parse_hash_method_file_cases() {
    use HashMethod::*;
    assert_eq!(parse_hash_method_file("SHA-512\n"), Some(Sha512));
    assert_eq!(parse_hash_method_file("SHA-512"), Some(Sha512));
    assert_eq!(
        parse_hash_method_file("# comment\n\n   \n  MD5\nDES\n"),
        Some(Md5)
    );
    assert_eq!(parse_hash_method_file("\t2#sha256\n"), Some(Sha256));
    assert_eq!(parse_hash_method_file("SHA-256 # trailing\n"), None);
    assert_eq!(parse_hash_method_file("bogus\nMD5\n"), None);
    assert_eq!(parse_hash_method_file("# only comments\n\n"), None);
    assert_eq!(parse_hash_method_file(""), None);
}

#[test]
fn hash_label_every_branch() {
    let cases = [
        ("{SCRAM-SHA-1}4096,salt,a,b,$5$x$y", "scram-sha-1"),
        ("{SCRAM-SHA-256}4096,salt,a,b,$5$x$y", "scram-sha-256"),
        ("{CRAM}secret,$5$x$y", "cram"),
        ("{CRAMX}", "un-encrypted"),
        ("_J9..abcdxxxxxxxxxxx", "bsdicrypt"),
        ("$1$MgaqwCKn$jKmnwRN5KjlKOFKqEH3OS/", "MD5"),
        ("$1", "MD5"),
        ("$2b$12$abc", "bcrypt"),
        ("$2$abc", "nt"),
        ("$2a$12$abc", "unknown"),
        ("$2b", "unknown"),
        ("$2", "unknown"),
        (
            "$5$saltsaltsaltsalt$pSMZ29rcJ30AWnWPsGfMDo0l5iJ7o.aZX7TS6qDXvK6",
            "sha256",
        ),
        ("$6$abc$def", "sha512"),
        ("$7$CU..../....", "scrypt"),
        ("$gy$j9T$abc$def", "gostYesCrypt"),
        ("$gx$", "unknown"),
        ("$g", "unknown"),
        ("$md5,rounds=5000$abc$", "SunMD5"),
        ("$m$", "unknown"),
        ("$sha1$40000$abc$def", "sha1Crypt"),
        ("$sha2$", "unknown"),
        ("$y$j9T$abc$def", "YesCrypt"),
        ("$3$$abc", "$?$"),
        ("$x", "$?$"),
        ("$", "$?$"),
        ("abNANd1rDfiNc", "DES/cleartxt"),
        ("xxxxxxxx", "un-encrypted"),
        ("", "un-encrypted"),
        ("abcdefghijklmn", "un-encrypted"),
    ];
    for (s, label) in cases {
        assert_eq!(hash_label(s), label, "{s:?}");
    }
}

#[test]
fn random_password_charset_and_length() {
    assert_eq!(random_password(0), "");
    let alnum = |c: char| c.is_ascii_alphanumeric();
    let allowed = "~!@#$%^&*_-+=`|(){}[]:;\"'<>,.?/";
    let mut seen = std::collections::HashSet::new();
    for len in [1usize, 2, 8, 16, 64, 200] {
        for _ in 0..20 {
            let p = random_password(len);
            assert_eq!(p.chars().count(), len);
            assert_eq!(p.len(), len);
            assert!(alnum(p.chars().next().unwrap()), "{p}");
            assert!(p.chars().all(|c| alnum(c) || allowed.contains(c)), "{p}");
            assert!(!p.contains('\\'));
            seen.extend(p.chars());
        }
    }
    // Over ~5,700 draws every one of the 93 distinct characters shows up.
    assert_eq!(seen.len(), 62 + allowed.len());
    assert_ne!(random_password(16), random_password(16));
}

#[test]
fn cram_value_format() {
    assert_eq!(cram_value("secret"), "{CRAM}secret");
    assert_eq!(cram_value(""), "{CRAM}");
    assert_eq!(hash_label(&cram_value("x")), "cram");
}

#[test]
fn constant_time_compare_is_used() {
    assert!(ct_eq(b"abc", b"abc"));
    assert!(!ct_eq(b"abc", b"abd"));
    assert!(!ct_eq(b"abc", b"ab"));
    assert!(!ct_eq(b"", b"a"));
    assert!(ct_eq(b"", b""));
}

#[test]
fn verify_rejects_unknown_and_malformed() {
    assert!(!verify(b"", ""));
    assert!(!verify(b"secret", "secret"));
    assert!(!verify(b"x", "{CRAM}x"));
    assert!(!verify(b"x", "$9$abc$def"));
    assert!(!verify(b"x", "$5$abc$wrong"));
    assert!(!verify(b"x", "$5$rounds=10$abc$def"));
    assert!(!verify(b"x", "*"));
    assert!(!verify(b"x", "!$5$abc$def"));
    // Truncated stored hash never matches.
    let h = hash_with_setting(b"x", "$5$abc$").unwrap();
    assert!(verify(b"x", &h));
    assert!(!verify(b"x", &h[..h.len() - 1]));
}

#[test]
fn errors_display_like_strerror() {
    assert_eq!(
        hash_with_setting(b"x", "$5$a b").unwrap_err().to_string(),
        "Invalid argument"
    );
    assert_eq!(
        hash_with_setting(&[b'x'; 600], "$5$ab")
            .unwrap_err()
            .to_string(),
        "Numerical result out of range"
    );
}

mod sha256 {
    //! Our SHA-256-crypt (`sha256_crypt`: the one-password hasher and the
    //! multi-buffer one, on both backends) against the `sha_crypt` crate and
    //! the system crypt(3).
    use super::super::sha256_crypt::{self, Backend};
    use super::*;
    use proptest::prelude::*;

    fn crate_b64(phrase: &[u8], salt: &[u8], rounds: u32) -> String {
        let params = sha_crypt::Sha256Params::new(rounds as usize).unwrap();
        sha_crypt::sha256_crypt_b64(phrase, salt, &params).unwrap()
    }

    fn setting(salt: &[u8], rounds: u32) -> String {
        let salt = std::str::from_utf8(salt).unwrap();
        if rounds == 5000 {
            format!("$5${salt}$")
        } else {
            format!("$5$rounds={rounds}${salt}$")
        }
    }

    fn ours(phrase: &[u8], salt: &[u8], rounds: u32) -> String {
        String::from_utf8(sha256_crypt::crypt(phrase, salt, rounds).to_vec()).unwrap()
    }

    /// Every backend of crypt_many against the one-password hasher.
    fn check_many(jobs: &[(Vec<u8>, Vec<u8>)], rounds: u32) {
        let refs: Vec<(&[u8], &[u8])> = jobs
            .iter()
            .map(|(p, s)| (p.as_slice(), s.as_slice()))
            .collect();
        let want: Vec<String> = refs.iter().map(|(p, s)| ours(p, s, rounds)).collect();
        for backend in [Backend::Portable, Backend::ShaNi, Backend::detect()] {
            let got: Vec<String> = sha256_crypt::crypt_many_with(&refs, rounds, backend)
                .iter()
                .map(|h| String::from_utf8(h.to_vec()).unwrap())
                .collect();
            assert_eq!(got, want, "{backend:?}");
        }
    }

    #[test]
    fn drepper_test_vectors() {
        // The inputs of the test vectors in "Unix crypt using SHA-256 and
        // SHA-512" (Drepper); the outputs made by the system crypt(3).
        let cases: [(&str, &str, &str); 4] = [
            (
                "$5$saltstring",
                "Hello world!",
                "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
            ),
            (
                "$5$rounds=10000$saltstringsaltstring",
                "Hello world!",
                "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA",
            ),
            (
                "$5$rounds=5000$toolongsaltstring",
                "This is just a test",
                "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5",
            ),
            (
                "$5$rounds=1400$anotherlongsaltstring",
                "a very much longer text to encrypt.  This one even stretches over morethan one line.",
                "$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1",
            ),
        ];
        for (setting, phrase, want) in cases {
            assert_eq!(hash_with_setting(phrase.as_bytes(), setting).unwrap(), want);
        }
        // rounds=10 is clamped to 1000 by the core (crypt(3) rejects the setting).
        let h = sha256_crypt::crypt(
            b"we have a short salt string but not a short password",
            b"short",
            10,
        );
        assert_eq!(&h[..], b"MmIwYWG9YrU4oKUcYNM.GQIpfQfgtDuY60Pogui2lq7");
    }

    #[test]
    fn rounds_below_minimum() {
        // crypt(3) (libxcrypt) refuses rounds=999 in a setting, and so do we;
        // the core clamps to 1000 like Drepper's reference implementation.
        assert!(hash_with_setting(b"pw", "$5$rounds=999$abc$").is_err());
        assert_eq!(system(b"pw", "$5$rounds=999$abc$"), None);
        assert_eq!(ours(b"pw", b"abc", 999), ours(b"pw", b"abc", 1000));
        assert_eq!(
            format!("$5$rounds=1000$abc${}", ours(b"pw", b"abc", 999)),
            system(b"pw", "$5$rounds=1000$abc$").unwrap()
        );
    }

    #[test]
    fn many_with_mixed_lengths_and_group_sizes() {
        // Lanes whose round messages have 1, 2 and up to 17 blocks in one
        // group, and groups of every size up to two full groups plus one.
        let lens = [
            0usize, 1, 7, 15, 16, 23, 24, 31, 32, 33, 55, 64, 100, 200, 511,
        ];
        let jobs: Vec<(Vec<u8>, Vec<u8>)> = lens
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let p: Vec<u8> = (0..n).map(|j| (j * 7 + i) as u8 | 1).collect();
                let s = SALT_CHARS[..i % 17].to_vec();
                (p, s)
            })
            .collect();
        for n in [0, 1, 2, 3, 4, 5, 9] {
            check_many(&jobs[..n.min(jobs.len())], 1000);
        }
        check_many(&jobs, 1000);
        // The 511-byte phrase against crypt(3).
        let (p, s) = &jobs[14];
        let salt = std::str::from_utf8(s).unwrap();
        assert_eq!(
            format!("$5$rounds=1000${salt}${}", ours(p, s, 1000)),
            system(p, &setting(s, 1000)).unwrap()
        );
    }

    #[test]
    fn hash_passwords_matches_crypt3() {
        let clears: Vec<Vec<u8>> = (0..7).map(|_| random_phrase()).collect();
        let mut refs: Vec<&[u8]> = clears.iter().map(Vec::as_slice).collect();
        let long = vec![b'x'; 512];
        refs.insert(3, &long);
        let out = hash_passwords(&refs, HashMethod::Sha256);
        assert_eq!(out.len(), refs.len());
        for (clear, h) in refs.iter().zip(&out) {
            if clear.len() >= 512 {
                assert!(matches!(h, Err(HashError::PhraseTooLong)));
                continue;
            }
            let h = h.as_ref().unwrap();
            assert_eq!(h.len(), 3 + 16 + 1 + 43, "{h}");
            assert!(h.starts_with("$5$"), "{h}");
            assert_eq!(system(clear, h).as_deref(), Some(h.as_str()));
            assert!(verify(clear, h));
        }
        // Other methods go one by one through hash_password.
        let md5 = hash_passwords(&refs[..2], HashMethod::Md5);
        for (clear, h) in refs.iter().zip(&md5) {
            let h = h.as_ref().unwrap();
            assert!(h.starts_with("$1$") && verify(clear, h), "{h}");
        }
    }

    fn rounds_strategy() -> impl Strategy<Value = u32> {
        prop_oneof![Just(1000u32), Just(5000), Just(10000)]
    }

    fn salt_strategy() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::sample::select(&SALT_CHARS[..]), 0..=16)
    }

    /// 0-100 bytes, any value but NUL (non-ASCII included).
    fn phrase_strategy() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(1u8..=255, 0..=100)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn one_password_equals_sha_crypt_and_crypt3(
            phrase in phrase_strategy(),
            salt in salt_strategy(),
            rounds in rounds_strategy(),
        ) {
            let h = ours(&phrase, &salt, rounds);
            prop_assert_eq!(&h, &crate_b64(&phrase, &salt, rounds));
            let setting = setting(&salt, rounds);
            let full = hash_with_setting(&phrase, &setting).unwrap();
            prop_assert_eq!(Some(full.clone()), system(&phrase, &setting));
            let tail = format!("${h}");
            prop_assert!(full.ends_with(&tail));
        }

        #[test]
        fn multi_buffer_equals_sha_crypt(
            jobs in proptest::collection::vec((phrase_strategy(), salt_strategy()), 1..=9),
            rounds in rounds_strategy(),
        ) {
            let refs: Vec<(&[u8], &[u8])> =
                jobs.iter().map(|(p, s)| (p.as_slice(), s.as_slice())).collect();
            for backend in [Backend::ShaNi, Backend::Portable] {
                let got = sha256_crypt::crypt_many_with(&refs, rounds, backend);
                for ((p, s), h) in refs.iter().zip(&got) {
                    prop_assert_eq!(
                        std::str::from_utf8(h).unwrap(),
                        crate_b64(p, s, rounds),
                        "{:?}", backend
                    );
                }
            }
            let (p, s) = refs[0];
            let setting = setting(s, rounds);
            let got = sha256_crypt::crypt_many(&refs[..1], rounds);
            prop_assert_eq!(
                Some(format!("{}{}", setting, std::str::from_utf8(&got[0]).unwrap())),
                system(p, &setting)
            );
        }
    }
}
