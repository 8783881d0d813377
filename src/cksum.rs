//! The POSIX `cksum` CRC (polynomial 0x04C11DB7, most significant bit first,
//! the length appended least significant byte first, then complemented), as
//! IndiMail's `crc` computes it, with a settable initial value.

const fn table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 24;
        let mut k = 0;
        while k < 8 {
            c = if c & 0x8000_0000 != 0 {
                (c << 1) ^ 0x04C1_1DB7
            } else {
                c << 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static TABLE: [u32; 256] = table();

/// A running checksum.
#[derive(Debug, Clone, Copy)]
pub struct Cksum {
    crc: u32,
    len: u64,
}

impl Cksum {
    /// Start from `initial` (`crc -i`; 0 is POSIX cksum).
    pub fn new(initial: u32) -> Cksum {
        Cksum {
            crc: initial,
            len: 0,
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        let mut crc = self.crc;
        for &b in data {
            crc = (crc << 8) ^ TABLE[((crc >> 24) as u8 ^ b) as usize];
        }
        self.crc = crc;
        self.len += data.len() as u64;
    }

    /// The final value (length bytes folded in, complemented).
    pub fn finish(self) -> u32 {
        let mut crc = self.crc;
        let mut n = self.len;
        while n > 0 {
            crc = (crc << 8) ^ TABLE[((crc >> 24) as u8 ^ n as u8) as usize];
            n >>= 8;
        }
        !crc
    }
}

/// The checksum of a whole buffer.
pub fn cksum(initial: u32, data: &[u8]) -> u32 {
    let mut c = Cksum::new(initial);
    c.update(data);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_values() {
        // values printed by coreutils `cksum`
        assert_eq!(cksum(0, b""), 4294967295);
        assert_eq!(cksum(0, b"123456789"), 930766865);
        assert_eq!(cksum(0, b"hello\n"), 3015617425);
    }

    #[test]
    fn table_matches_the_original() {
        assert_eq!(TABLE[1], 0x04C11DB7);
        assert_eq!(TABLE[255], 0xB1F740B4);
        assert_eq!(TABLE[128], 0x690CE0EE);
    }

    #[test]
    fn chunking_does_not_matter() {
        let data: Vec<u8> = (0..70000u32).map(|i| (i * 7) as u8).collect();
        let mut c = Cksum::new(5);
        for part in data.chunks(4093) {
            c.update(part);
        }
        assert_eq!(c.finish(), cksum(5, &data));
    }
}
