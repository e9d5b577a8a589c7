//! Where a job's log comes from, checked before anything is read:
//!
//! - `sample`: the built-in sample log;
//! - a relative path: a file inside the configured data directory (absolute
//!   paths, `..` and symlinks that leave it are refused);
//! - `http://…`, `https://…`: fetched through `object_store` (retries with
//!   exponential backoff on 5xx and dropped connections, never on 4xx);
//!   hosts that resolve to loopback, private, link-local or otherwise
//!   internal addresses are refused unless `allow_private_sources` is set;
//! - `s3://bucket/key`: credentials from the server's environment or config,
//!   never from the request.
//!
//! Every source has a version (ETag, Last-Modified or mtime, and size) so
//! that a log already ingested for an earlier job is not read again.

use std::net::IpAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3ConfigKey;
use object_store::path::Path as StorePath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig, BackoffConfig};
use url::Url;

use crate::config::Config;

/// A source that passed the checks.
#[derive(Debug, Clone)]
pub enum Source {
    Sample,
    File(PathBuf),
    Remote { url: Url },
}

/// Why a source cannot be used; `kind` is the wire word.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceError {
    pub kind: &'static str,
    pub message: String,
}

impl SourceError {
    fn new(kind: &'static str, message: impl Into<String>) -> Self {
        SourceError { kind, message: message.into() }
    }
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Source {
    /// Checks `text` against the configuration (paths, schemes, addresses).
    pub async fn resolve(text: &str, config: &Config) -> Result<Source, SourceError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SourceError::new("invalid_source", "the job has no source: give `sample`, a path in the data directory, or an http(s):// or s3:// URL"));
        }
        if text == "sample" {
            return Ok(Source::Sample);
        }
        if text.starts_with("blob:") || text.starts_with("file://") {
            return Err(SourceError::new(
                "invalid_source",
                format!("`{text}` is a file on your machine (in your browser); this server cannot read it: put the log in the server's data directory, on an http(s) server or in S3"),
            ));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            let url = Url::parse(text).map_err(|e| SourceError::new("invalid_source", format!("`{text}` is not a valid URL: {e}")))?;
            return match scheme.to_ascii_lowercase().as_str() {
                "http" | "https" => {
                    check_host(&url, config.server.allow_private_sources).await?;
                    Ok(Source::Remote { url })
                }
                "s3" => {
                    if url.host_str().is_none_or(str::is_empty) || url.path().len() <= 1 {
                        return Err(SourceError::new("invalid_source", format!("`{text}` is not s3://bucket/key")));
                    }
                    Ok(Source::Remote { url })
                }
                other => Err(SourceError::new(
                    "invalid_source",
                    format!("`{other}://` sources are not supported: use http(s)://, s3:// or a path in the data directory"),
                )),
            };
        }
        let Some(dir) = &config.server.data_dir else {
            return Err(SourceError::new("forbidden", "this server has no data directory ([server] data_dir), so local paths cannot be read"));
        };
        Ok(Source::File(inside(dir, text)?))
    }

    /// The version of the source now: ETag or Last-Modified (or mtime) and
    /// size. `None` when the source has no version to compare.
    pub async fn version(&self, config: &Config) -> Result<Option<String>, SourceError> {
        match self {
            Source::Sample => Ok(Some("builtin".into())),
            Source::File(path) => {
                let meta = tokio::fs::metadata(path).await.map_err(|e| file_error(path, e))?;
                let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos());
                Ok(Some(format!("mtime {} size {}", mtime.unwrap_or_default(), meta.len())))
            }
            Source::Remote { url } => {
                let (store, path) = store(url, config)?;
                let meta = store.head(&path).await.map_err(|e| remote_error(url, e))?;
                Ok(match (&meta.e_tag, meta.last_modified.timestamp()) {
                    (Some(tag), _) => Some(format!("etag {tag} size {}", meta.size)),
                    (None, t) if t > 0 => Some(format!("modified {t} size {}", meta.size)),
                    _ => None,
                })
            }
        }
    }

    /// Reads the whole source, gunzipped when it is gzip (other compressions are refused).
    pub async fn fetch(&self, config: &Config) -> Result<bytes::Bytes, SourceError> {
        let bytes = match self {
            Source::Sample => return Ok(glint_engine::sample::generate(&glint_engine::sample::SampleSpec::default()).into()),
            Source::File(path) => tokio::fs::read(path).await.map(bytes::Bytes::from).map_err(|e| file_error(path, e))?,
            Source::Remote { url } => {
                let (store, path) = store(url, config)?;
                let got = store.get(&path).await.map_err(|e| remote_error(url, e))?;
                got.bytes().await.map_err(|e| remote_error(url, e))?
            }
        };
        let what = match self {
            Source::File(path) => format!("`{}`", path.file_name().unwrap_or_default().to_string_lossy()),
            Source::Remote { url } => format!("`{}`", redact(url)),
            Source::Sample => "the sample".into(),
        };
        let limit = config.jobs.memory_limit_mb.saturating_mul(1 << 20);
        tokio::task::spawn_blocking(move || decompress(bytes, &what, limit))
            .await
            .map_err(|e| SourceError::new("internal", format!("decompressing the log failed: {e}")))?
    }
}

/// `bytes` as they are, or gunzipped (at most `limit` bytes out); other
/// compressions get an error naming them.
fn decompress(bytes: bytes::Bytes, what: &str, limit: u64) -> Result<bytes::Bytes, SourceError> {
    use std::io::Read;
    match glint_engine::ingest::Compression::sniff(&bytes) {
        None => Ok(bytes),
        Some(glint_engine::ingest::Compression::Gzip) => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&bytes[..])
                .take(limit.saturating_add(1))
                .read_to_end(&mut out)
                .map_err(|e| SourceError::new("invalid_source", format!("{what} starts like gzip but does not decompress: {e}")))?;
            if out.len() as u64 > limit {
                return Err(SourceError::new(
                    "too_large",
                    format!("{what} decompresses to more than the memory limit ({} MiB)", limit >> 20),
                ));
            }
            Ok(out.into())
        }
        Some(other) => Err(SourceError::new("unsupported_compression", other.unsupported(what))),
    }
}

/// `relative` inside `dir`, or why not.
fn inside(dir: &Path, relative: &str) -> Result<PathBuf, SourceError> {
    let escape = || SourceError::new("forbidden", format!("`{relative}` is outside the data directory"));
    let rel = Path::new(relative);
    if rel.is_absolute() || rel.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(escape());
    }
    let root = dir.canonicalize().map_err(|e| SourceError::new("internal", format!("the data directory {} cannot be read: {e}", dir.display())))?;
    let path = root.join(rel);
    let real = path.canonicalize().map_err(|e| file_error(Path::new(relative), e))?;
    if !real.starts_with(&root) {
        return Err(escape());
    }
    Ok(real)
}

fn file_error(path: &Path, e: std::io::Error) -> SourceError {
    match e.kind() {
        std::io::ErrorKind::NotFound => SourceError::new("not_found", format!("{} does not exist in the data directory", path.display())),
        _ => SourceError::new("source_unavailable", format!("{} cannot be read: {e}", path.display())),
    }
}

fn remote_error(url: &Url, e: object_store::Error) -> SourceError {
    let shown = redact(url);
    match e {
        object_store::Error::NotFound { .. } => SourceError::new("not_found", format!("{shown} was not found (404)")),
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
            SourceError::new("forbidden", format!("{shown} refused access"))
        }
        e => SourceError::new("source_unavailable", format!("{shown} could not be read (after retries): {e}")),
    }
}

/// The URL as logs and messages show it: no user, password or query string.
pub fn redact(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        u.set_query(Some("..."));
    }
    u.to_string()
}

/// The object store and path for a remote URL, with the configured retries.
fn store(url: &Url, config: &Config) -> Result<(Arc<dyn ObjectStore>, StorePath), SourceError> {
    let j = &config.jobs;
    let retry = RetryConfig {
        backoff: BackoffConfig { init_backoff: Duration::from_millis(j.retry_backoff_ms), max_backoff: Duration::from_secs(10), base: 2.0 },
        max_retries: j.max_retries,
        retry_timeout: Duration::from_secs(120),
    };
    let bad = |e: object_store::Error| SourceError::new("invalid_source", format!("{}: {e}", redact(url)));
    let path = StorePath::from_url_path(url.path()).map_err(|e| bad(e.into()))?;
    if url.scheme() == "s3" {
        let bucket = url.host_str().unwrap_or_default();
        let mut b = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket).with_retry(retry);
        if let Some(endpoint) = &config.s3.endpoint {
            // An S3-compatible server has no instance metadata service: without
            // keys, object_store would ask 169.254.169.254 and fail obscurely.
            let unsigned = b.get_config_value(&AmazonS3ConfigKey::SkipSignature).as_deref() == Some("true");
            if b.get_config_value(&AmazonS3ConfigKey::AccessKeyId).is_none() && !unsigned {
                return Err(SourceError::new(
                    "forbidden",
                    format!("{} cannot be read: this server has no S3 credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in its environment)", redact(url)),
                ));
            }
            b = b.with_endpoint(endpoint);
        }
        if let Some(region) = &config.s3.region {
            b = b.with_region(region);
        }
        b = b.with_allow_http(config.s3.allow_http);
        return Ok((Arc::new(b.build().map_err(bad)?), path));
    }
    let origin = url.origin().ascii_serialization();
    let options = ClientOptions::new().with_allow_http(true).with_connect_timeout(Duration::from_secs(10)).with_timeout(Duration::from_secs(300));
    let mut builder = object_store::http::HttpBuilder::new().with_url(origin).with_client_options(options).with_retry(retry);
    if !config.server.allow_private_sources {
        builder = builder.with_http_connector(PublicOnly);
    }
    Ok((Arc::new(builder.build().map_err(bad)?), path))
}

/// An HTTP client for sources that may only reach public addresses: every
/// name it resolves (the source's, and any redirect's) must resolve to
/// public addresses only, and redirects to internal IP literals are refused,
/// so neither a redirect nor DNS rebinding reaches the server's network.
#[derive(Debug)]
struct PublicOnly;

impl object_store::client::HttpConnector for PublicOnly {
    fn connect(&self, _options: &ClientOptions) -> object_store::Result<object_store::client::HttpClient> {
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let host = attempt.url().host_str().unwrap_or_default().trim_matches(['[', ']']).to_owned();
            if host.parse::<IpAddr>().is_ok_and(|ip| internal(&ip)) {
                attempt.error(format!("a redirect to the internal address {host} was refused"))
            } else if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(PublicResolver))
            .redirect(policy)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(300))
            .build()
            .map_err(|e| object_store::Error::Generic { store: "HTTP", source: Box::new(e) })?;
        Ok(object_store::client::HttpClient::new(client))
    }
}

/// Resolves names to their public addresses; a name with only internal ones fails.
struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public = public_addresses(&host).await?;
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

async fn public_addresses(host: &str) -> Result<Vec<std::net::SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
    let all: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
    if let Some(inner) = all.iter().find(|a| internal(&a.ip())) {
        return Err(format!("{host} resolves to {}, an internal address", inner.ip()).into());
    }
    if all.is_empty() {
        return Err(format!("{host} does not resolve").into());
    }
    Ok(all)
}

/// Refuses hosts that resolve to internal addresses (SSRF), unless allowed.
async fn check_host(url: &Url, allow_private: bool) -> Result<(), SourceError> {
    let Some(host) = url.host_str() else {
        return Err(SourceError::new("invalid_source", format!("`{url}` has no host")));
    };
    if allow_private {
        return Ok(());
    }
    let host = host.trim_matches(['[', ']']);
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| SourceError::new("source_unavailable", format!("{host} cannot be resolved: {e}")))?
            .map(|a| a.ip())
            .collect(),
    };
    match addrs.iter().find(|ip| internal(ip)) {
        Some(ip) => Err(SourceError::new(
            "forbidden",
            format!("{host} resolves to {ip}, an internal address; this server does not fetch from internal addresses (allow_private_sources)"),
        )),
        None => Ok(()),
    }
}

/// Loopback, private, link-local, shared (CGNAT), unspecified, multicast or
/// documentation addresses, and IPv6 unique-local or mapped forms of them.
pub fn internal(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal(&IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback() || v6.is_unspecified() || v6.is_multicast() || (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        let cases = [
            ("127.0.0.1", true),
            ("10.0.0.5", true),
            ("172.16.3.4", true),
            ("192.168.1.1", true),
            ("169.254.169.254", true),
            ("100.64.0.1", true),
            ("0.0.0.0", true),
            ("::1", true),
            ("fd00::1", true),
            ("fe80::1", true),
            ("::ffff:127.0.0.1", true),
            ("8.8.8.8", false),
            ("151.101.1.69", false),
            ("2606:4700::1111", false),
        ];
        for (ip, expected) in cases {
            assert_eq!(internal(&ip.parse().unwrap()), expected, "{ip}");
        }
    }

    #[tokio::test]
    async fn sources_are_checked_before_anything_is_read() {
        let dir = std::env::temp_dir().join(format!("glint-sources-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        std::fs::write(dir.join("logs/a.ndjson"), "{}\n").unwrap();
        let mut config = Config::default();
        config.server.data_dir = Some(dir.clone());
        let cases = [
            ("", "invalid_source"),
            ("../etc/passwd", "forbidden"),
            ("/etc/passwd", "forbidden"),
            ("logs/../../x", "forbidden"),
            ("logs/missing.ndjson", "not_found"),
            ("file:///etc/passwd", "invalid_source"),
            ("ftp://example.com/a", "invalid_source"),
            ("http://127.0.0.1:9/a", "forbidden"),
            ("http://[::1]/a", "forbidden"),
            ("http://169.254.169.254/latest/meta-data", "forbidden"),
            ("http://localhost/a", "forbidden"),
            ("s3://bucket", "invalid_source"),
        ];
        for (text, kind) in cases {
            let e = Source::resolve(text, &config).await.unwrap_err();
            assert_eq!(e.kind, kind, "{text}: {}", e.message);
        }
        assert!(matches!(Source::resolve("logs/a.ndjson", &config).await, Ok(Source::File(_))));
        assert!(matches!(Source::resolve("sample", &config).await, Ok(Source::Sample)));
        config.server.allow_private_sources = true;
        assert!(matches!(Source::resolve("http://127.0.0.1:9/a", &config).await, Ok(Source::Remote { .. })));
        config.server.data_dir = None;
        assert_eq!(Source::resolve("logs/a.ndjson", &config).await.unwrap_err().kind, "forbidden");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn the_guarded_client_resolves_no_name_to_an_internal_address() {
        let e = public_addresses("localhost").await.unwrap_err().to_string();
        assert!(e.starts_with("localhost resolves to "), "{e}");
        assert!(e.ends_with(", an internal address"), "{e}");
    }
}
