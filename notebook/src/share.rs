//! Share links: a notebook (and its data source and parameter overrides) in
//! a URL fragment, so sharing needs no server.
//!
//! Fragment (without `#`): `nb=<base64url, no padding, of the raw-deflated
//! (level 9) notebook text>`, then `&src=<percent-encoded source>` when there
//! is one, then `&p.<name>=<percent-encoded value>` per parameter override.
//! Fragments longer than [`MAX_FRAGMENT_LEN`] are refused (save the notebook
//! as a file instead). Decoding inflates at most [`MAX_INFLATED`] bytes, so a
//! crafted link cannot hang or exhaust the tab; it ignores unknown keys and
//! never panics.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use miniz_oxide::inflate::TINFLStatus;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::fmt;

/// The longest fragment [`encode`] produces (browsers and chat apps cope).
pub const MAX_FRAGMENT_LEN: usize = 32_000;
/// The largest notebook text [`decode`] inflates (4 MiB).
pub const MAX_INFLATED: usize = 4 * 1024 * 1024;

/// Everything a share link carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shared {
    pub notebook: String,
    /// The data source (a URL or a dataset name).
    pub source: Option<String>,
    /// Parameter overrides as typed (parse them with
    /// [`crate::ParamValue::parse_like`]), in order.
    pub params: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShareError {
    /// The fragment would be longer than `max`.
    TooLong {
        len: usize,
        max: usize,
    },
    /// No `nb=` in the fragment.
    MissingNotebook,
    BadBase64,
    NotDeflate,
    NotUtf8,
    /// The notebook inflates to more than `limit` bytes.
    TooLarge {
        limit: usize,
    },
    /// A value is not valid percent-encoded UTF-8.
    BadValue {
        key: String,
    },
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::TooLong { len, max } => write!(
                f,
                "this notebook is too large for a link ({len} characters, the limit is {max}); \
                 save the notebook as a file and share the file instead"
            ),
            ShareError::MissingNotebook => write!(f, "the link has no notebook in it (no `nb=`)"),
            ShareError::BadBase64 => write!(f, "the link's notebook is damaged: bad base64"),
            ShareError::NotDeflate => {
                write!(f, "the link's notebook is damaged: not a deflate stream")
            }
            ShareError::NotUtf8 => write!(f, "the link's notebook is damaged: not UTF-8 text"),
            ShareError::TooLarge { limit } => {
                write!(f, "the link's notebook is too large: inflated size over limit ({limit} bytes)")
            }
            ShareError::BadValue { key } => {
                write!(f, "the link's `{key}` value is not valid percent-encoded UTF-8")
            }
        }
    }
}

impl std::error::Error for ShareError {}

/// Everything but RFC 3986 unreserved characters is encoded.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The fragment for `shared`, without the leading `#`.
pub fn encode(shared: &Shared) -> Result<String, ShareError> {
    let deflated = miniz_oxide::deflate::compress_to_vec(shared.notebook.as_bytes(), 9);
    let mut out = format!("nb={}", URL_SAFE_NO_PAD.encode(deflated));
    if let Some(source) = &shared.source {
        out.push_str("&src=");
        out.extend(utf8_percent_encode(source, VALUE));
    }
    for (name, value) in &shared.params {
        out.push_str("&p.");
        out.extend(utf8_percent_encode(name, VALUE));
        out.push('=');
        out.extend(utf8_percent_encode(value, VALUE));
    }
    if out.len() > MAX_FRAGMENT_LEN {
        return Err(ShareError::TooLong { len: out.len(), max: MAX_FRAGMENT_LEN });
    }
    Ok(out)
}

fn unescape(key: &str, value: &str) -> Result<String, ShareError> {
    percent_decode_str(value)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ShareError::BadValue { key: key.to_string() })
}

fn inflate(data: &str) -> Result<String, ShareError> {
    let bytes = URL_SAFE_NO_PAD.decode(data.trim_end_matches('=')).map_err(|_| ShareError::BadBase64)?;
    let text =
        miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_INFLATED).map_err(|e| {
            match e.status {
                TINFLStatus::HasMoreOutput => ShareError::TooLarge { limit: MAX_INFLATED },
                _ => ShareError::NotDeflate,
            }
        })?;
    String::from_utf8(text).map_err(|_| ShareError::NotUtf8)
}

/// Reads a fragment (with or without `#`). Unknown keys are ignored; the
/// first `nb` and `src` count.
pub fn decode(fragment: &str) -> Result<Shared, ShareError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let mut notebook = None;
    let mut shared = Shared::default();
    for pair in fragment.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == "nb" {
            if notebook.is_none() {
                notebook = Some(value);
            }
        } else if key == "src" {
            if shared.source.is_none() {
                shared.source = Some(unescape(key, value)?);
            }
        } else if let Some(name) = key.strip_prefix("p.") {
            let name = unescape(key, name)?;
            shared.params.push((name, unescape(key, value)?));
        }
    }
    shared.notebook = inflate(notebook.ok_or(ShareError::MissingNotebook)?)?;
    Ok(shared)
}
