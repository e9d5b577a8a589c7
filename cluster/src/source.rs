//! Where the cluster's executors read a log: a URL every executor can reach.
//!
//! - `file:///abs/path`: a shared directory mounted at the same path on every
//!   executor (NFS, a volume; on one machine, just a directory);
//! - `http://…`, `https://…`: fetched with range requests;
//! - `s3://bucket/key`: credentials from each executor's own environment
//!   (`AWS_ACCESS_KEY_ID`, …), never shipped in a plan; endpoint, region and
//!   plain-http permission (not secrets) travel with the source.
//!
//! Each executor reads only its byte ranges (plus the line that straddles a
//! range's end), never the whole log.

use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::http::HttpBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt};
use serde::{Deserialize, Serialize};
use url::Url;

/// A log the executors can read, as it travels inside plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSource {
    pub url: String,
    #[serde(default)]
    pub s3: S3Options,
}

/// Non-secret S3 settings (a MinIO or moto endpoint, a region).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct S3Options {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    #[serde(default)]
    pub allow_http: bool,
}

impl ClusterSource {
    /// Checks `url`'s form: `file:///absolute`, `http(s)://host/…` or `s3://bucket/key`.
    pub fn new(url: &str, s3: S3Options) -> Result<ClusterSource, String> {
        let parsed = Url::parse(url).map_err(|e| format!("`{url}` is not a URL the cluster can read: {e}"))?;
        match parsed.scheme() {
            "file" => {
                parsed.to_file_path().map_err(|_| format!("`{url}` is not an absolute file:// path"))?;
            }
            "http" | "https" => {
                if parsed.host_str().is_none_or(str::is_empty) {
                    return Err(format!("`{url}` has no host"));
                }
            }
            "s3" => {
                if parsed.host_str().is_none_or(str::is_empty) || parsed.path().len() <= 1 {
                    return Err(format!("`{url}` is not s3://bucket/key"));
                }
            }
            other => {
                return Err(format!(
                    "`{other}://` is not a source the cluster's executors can read: use file:// (a shared directory), http(s):// or s3://"
                ));
            }
        }
        Ok(ClusterSource { url: url.to_string(), s3 })
    }

    /// The URL as messages show it: no user, password or query string.
    pub fn shown(&self) -> String {
        match Url::parse(&self.url) {
            Ok(mut u) => {
                let _ = u.set_username("");
                let _ = u.set_password(None);
                u.set_query(None);
                u.to_string()
            }
            Err(_) => self.url.clone(),
        }
    }

    /// The object store and the object's path in it.
    pub fn store(&self) -> Result<(Arc<dyn ObjectStore>, StorePath), String> {
        let url = Url::parse(&self.url).map_err(|e| e.to_string())?;
        let client = ClientOptions::new().with_allow_http(true);
        match url.scheme() {
            "file" => {
                let path = url.to_file_path().map_err(|_| format!("`{}` is not an absolute path", self.url))?;
                let path = StorePath::from_absolute_path(&path).map_err(|e| e.to_string())?;
                Ok((Arc::new(LocalFileSystem::new()), path))
            }
            "http" | "https" => {
                let mut root = url.clone();
                root.set_path("/");
                root.set_query(None);
                let store = HttpBuilder::new().with_url(root.as_str()).with_client_options(client).build().map_err(|e| e.to_string())?;
                let path = StorePath::parse(url.path().trim_start_matches('/')).map_err(|e| e.to_string())?;
                Ok((Arc::new(store), path))
            }
            "s3" => {
                let bucket = url.host_str().unwrap_or_default();
                let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
                if let Some(endpoint) = &self.s3.endpoint {
                    b = b.with_endpoint(endpoint).with_config(AmazonS3ConfigKey::VirtualHostedStyleRequest, "false");
                }
                if let Some(region) = &self.s3.region {
                    b = b.with_region(region);
                }
                b = b.with_client_options(ClientOptions::new().with_allow_http(self.s3.allow_http));
                let store = b.build().map_err(|e| e.to_string())?;
                let path = StorePath::parse(url.path().trim_start_matches('/')).map_err(|e| e.to_string())?;
                Ok((Arc::new(store), path))
            }
            other => Err(format!("`{other}://` sources cannot be read by the cluster")),
        }
    }

    /// The log's size in bytes.
    pub async fn size(&self) -> Result<u64, String> {
        let (store, path) = self.store()?;
        let meta = store.head(&path).await.map_err(|e| self.read_error(e))?;
        Ok(meta.size)
    }

    /// Reads what byte range `start..end` of a `size`-byte log needs: from the
    /// byte before `start` to the end of the line that straddles `end`.
    /// Returns (bytes, offset of the first byte, reaches the end of the log).
    pub async fn read_range(&self, start: u64, end: u64, size: u64) -> Result<(Vec<u8>, u64, bool), String> {
        let (store, path) = self.store()?;
        let from = start.saturating_sub(1);
        let read = |a: u64, b: u64| {
            let (store, path) = (store.clone(), path.clone());
            async move {
                if a >= b {
                    return Ok(Bytes::new());
                }
                store.get_range(&path, a..b).await
            }
        };
        let mut bytes = read(from, end.min(size)).await.map_err(|e| self.read_error(e))?.to_vec();
        if let Some(kind) = glint_engine::ingest::Compression::sniff(&bytes).filter(|_| from == 0) {
            return Err(kind.unsupported(&format!("`{}`", self.shown())));
        }
        let mut reached = from + bytes.len() as u64;
        // The last line runs to the first newline at or after `end - 1`.
        let mut checked = end.saturating_sub(1).max(from);
        loop {
            let tail = &bytes[(checked - from).min(bytes.len() as u64) as usize..];
            if tail.contains(&b'\n') || reached >= size {
                break;
            }
            checked = reached;
            let more = read(reached, (reached + TAIL_STEP).min(size)).await.map_err(|e| self.read_error(e))?;
            if more.is_empty() {
                break;
            }
            reached += more.len() as u64;
            bytes.extend_from_slice(&more);
        }
        Ok((bytes, from, reached >= size))
    }

    fn read_error(&self, e: object_store::Error) -> String {
        match e {
            object_store::Error::NotFound { .. } => format!("{} was not found by the executor", self.shown()),
            e => format!("{} could not be read by the executor: {e}", self.shown()),
        }
    }
}

/// How much more to read, at a time, to finish the line that straddles a range's end.
const TAIL_STEP: u64 = 64 * 1024;
