//! Which compression an input is in, by its magic bytes. Glint reads NDJSON
//! plain or gzip-compressed (the drivers gunzip: the browser with
//! `DecompressionStream`, the server with flate2); any other compression is
//! refused by name, instead of being read as a log of malformed lines.

/// A compressed format, recognised by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
    Bzip2,
    Xz,
    Lz4,
    Zip,
}

impl Compression {
    /// The compression `bytes` (an input's start) are in; `None` for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<Compression> {
        const MAGIC: [(&[u8], Compression); 5] = [
            (b"\x1f\x8b", Compression::Gzip),
            (b"\x28\xb5\x2f\xfd", Compression::Zstd),
            (b"\xfd7zXZ\x00", Compression::Xz),
            (b"\x04\x22\x4d\x18", Compression::Lz4),
            (b"PK\x03\x04", Compression::Zip),
        ];
        if let Some((_, c)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
            return Some(*c);
        }
        // bzip2: "BZh", a block size digit, then a block or end-of-stream magic.
        match bytes {
            [b'B', b'Z', b'h', b'1'..=b'9', rest @ ..]
                if rest.starts_with(b"\x31\x41\x59\x26\x53\x59") || rest.starts_with(b"\x17\x72\x45\x38\x50\x90") =>
            {
                Some(Compression::Bzip2)
            }
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Lz4 => "lz4",
            Compression::Zip => "zip",
        }
    }

    /// Why `what` (a file name or URL) cannot be read, for every compression
    /// but gzip.
    pub fn unsupported(self, what: &str) -> String {
        let undo = match self {
            Compression::Gzip => "",
            Compression::Zstd => "zstd -d",
            Compression::Bzip2 => "bunzip2",
            Compression::Xz => "unxz",
            Compression::Lz4 => "lz4 -d",
            Compression::Zip => "unzip",
        };
        format!(
            "{what} is {}-compressed; Glint reads NDJSON plain or gzip-compressed: decompress it first (`{undo}`) or compress it with gzip",
            self.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Compression;

    #[test]
    fn sniffs_each_format_by_its_magic_and_nothing_else() {
        let cases: [(&[u8], Option<Compression>); 11] = [
            (b"\x1f\x8b\x08\x00", Some(Compression::Gzip)),
            (b"\x28\xb5\x2f\xfd\x24\x00", Some(Compression::Zstd)),
            (b"BZh91AY&SY\x00", Some(Compression::Bzip2)),
            (b"BZh9\x17\x72\x45\x38\x50\x90", Some(Compression::Bzip2)),
            (b"\xfd7zXZ\x00\x00", Some(Compression::Xz)),
            (b"\x04\x22\x4d\x18\x64", Some(Compression::Lz4)),
            (b"PK\x03\x04\x14\x00", Some(Compression::Zip)),
            (b"{\"event\":\"view\"}\n", None),
            (b"\xef\xbb\xbf{}", None),
            (b"BZh is not bzip2\n", None),
            (b"", None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(Compression::sniff(bytes), expected, "{bytes:?}");
        }
    }
}
