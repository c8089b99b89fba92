//! The request's `output` block (SPEC §8): where to write, in which format, with which credentials.

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::Secret;
use crate::error::{Error, Result};

/// The file format of an output.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GeoParquet 1.1: WKB `geometry` plus a `bbox` covering column, `geo` footer key.
    GeoParquet,
    /// Plain Parquet with `latitude` and `longitude` columns.
    Parquet,
    /// CSV with a header row, `latitude` and `longitude` columns, ISO 8601 times.
    Csv,
    /// Arrow IPC file format (Feather v2), zstd-compressed buffers.
    Feather,
}

impl Format {
    /// The format's name, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::GeoParquet => "geoparquet",
            Self::Parquet => "parquet",
            Self::Csv => "csv",
            Self::Feather => "feather",
        }
    }

    /// The format called `name` (as [`name`](Self::name) spells it), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::GeoParquet, Self::Parquet, Self::Csv, Self::Feather]
            .into_iter()
            .find(|f| f.name() == name)
    }

    /// The usual file extension (without the dot), used for part names.
    pub fn extension(self) -> &'static str {
        match self {
            Self::GeoParquet | Self::Parquet => "parquet",
            Self::Csv => "csv",
            Self::Feather => "feather",
        }
    }
}

/// Where the output goes.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A local file (a plain path or a `file://` URL).
    Local(PathBuf),
    /// An S3 object.
    S3 {
        /// The bucket.
        bucket: String,
        /// The object key (or the key prefix in part mode), without a leading `/`.
        key: String,
    },
}

impl Destination {
    /// Parses a local path, a `file://` URL or an `s3://bucket/key` URL; `key` names the request
    /// key in errors.
    pub fn parse(text: &str, key: &str) -> Result<Self> {
        if text.is_empty() {
            return Err(Error::spec(key, "empty path"));
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, object) = rest.split_once('/').unwrap_or((rest, ""));
            let object = object.trim_matches('/');
            if bucket.is_empty() {
                return Err(Error::spec(key, format!("no bucket in '{text}'")));
            }
            if object.is_empty() {
                return Err(Error::spec(key, format!("no object key in '{text}'")));
            }
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
                key: object.to_owned(),
            });
        }
        if text.starts_with("file:") {
            let url = url::Url::parse(text)
                .map_err(|e| Error::spec(key, format!("bad file URL '{text}': {e}")))?;
            let path = url
                .to_file_path()
                .map_err(|()| Error::spec(key, format!("bad file URL '{text}'")))?;
            return Ok(Self::Local(path));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(Error::spec(
                key,
                format!("unsupported scheme '{scheme}://' (use a local path, file:// or s3://)"),
            ));
        }
        Ok(Self::Local(PathBuf::from(text)))
    }

    /// The destination as text: the local path or `s3://bucket/key`.
    pub fn display(&self) -> String {
        match self {
            Self::Local(path) => path.display().to_string(),
            Self::S3 { bucket, key } => format!("s3://{bucket}/{key}"),
        }
    }

    /// The destination `name` inside this one taken as a prefix (a directory or a key prefix).
    pub fn join(&self, name: &str) -> Self {
        match self {
            Self::Local(path) => Self::Local(path.join(name)),
            Self::S3 { bucket, key } => Self::S3 {
                bucket: bucket.clone(),
                key: format!("{}/{name}", key.trim_end_matches('/')),
            },
        }
    }
}

/// Caller-supplied AWS credentials. Debug output shows `***` for every value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id.
    pub access_key_id: Secret,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The session token of temporary credentials.
    pub session_token: Option<Secret>,
}

/// The parsed `output` block. Its `Debug` never shows a credential (they are [`Secret`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// Where to write; in part mode, the prefix (directory or key prefix) for the parts.
    pub destination: Destination,
    /// The file format.
    pub format: Format,
    /// Whether the caller wants the rows back instead of the path (`open_on_complete`).
    pub open_on_complete: bool,
    /// The S3 region (`region`); `None` leaves it to the environment.
    pub region: Option<String>,
    /// Caller-supplied credentials; `None` uses the standard AWS chain.
    pub credentials: Option<Credentials>,
    /// A custom S3 endpoint such as `http://127.0.0.1:5000` (`endpoint`); plain HTTP is allowed
    /// only when the endpoint says `http://`.
    pub endpoint: Option<String>,
    /// Part mode (`parts: true`): one file per granule under `destination` plus `manifest.json`.
    pub parts: bool,
}

const CREDENTIAL_KEYS: [(&str, CredentialField); 9] = [
    ("aws_access_key_id", CredentialField::AccessKeyId),
    ("accessKeyId", CredentialField::AccessKeyId),
    ("AccessKeyId", CredentialField::AccessKeyId),
    ("aws_secret_access_key", CredentialField::SecretAccessKey),
    ("secretAccessKey", CredentialField::SecretAccessKey),
    ("SecretAccessKey", CredentialField::SecretAccessKey),
    ("aws_session_token", CredentialField::SessionToken),
    ("sessionToken", CredentialField::SessionToken),
    ("Token", CredentialField::SessionToken),
];

/// Keys that temporary-credential services return beside the credentials; accepted and ignored.
const IGNORED_CREDENTIAL_KEYS: [&str; 2] = ["expiration", "Expiration"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CredentialField {
    AccessKeyId,
    SecretAccessKey,
    SessionToken,
}

impl OutputSpec {
    /// A spec writing `format` to `destination`, with no credentials (the standard AWS chain).
    pub fn new(destination: Destination, format: Format) -> Self {
        Self {
            destination,
            format,
            open_on_complete: false,
            region: None,
            credentials: None,
            endpoint: None,
            parts: false,
        }
    }

    /// Parses the request's `output` block. Errors name the key, e.g.
    /// `output.format: unknown format 'xls'`.
    pub fn from_json(output: &Value) -> Result<Self> {
        let block = output
            .as_object()
            .ok_or_else(|| Error::spec("output", "expected an object"))?;
        for key in block.keys() {
            if !matches!(
                key.as_str(),
                "path"
                    | "format"
                    | "as_geo"
                    | "open_on_complete"
                    | "region"
                    | "credentials"
                    | "endpoint"
                    | "parts"
            ) {
                return Err(Error::spec(format!("output.{key}"), "unknown key"));
            }
        }
        let path = string(block, "path")?.ok_or_else(|| Error::spec("output.path", "missing"))?;
        let destination = Destination::parse(path, "output.path")?;
        let format = parse_format(block)?;
        let endpoint = string(block, "endpoint")?.map(str::to_owned);
        if let Some(endpoint) = &endpoint
            && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
        {
            return Err(Error::spec(
                "output.endpoint",
                format!("'{endpoint}' is not an http:// or https:// URL"),
            ));
        }
        let credentials = match block.get("credentials") {
            None | Some(Value::Null) => None,
            Some(value) => Some(parse_credentials(value)?),
        };
        Ok(Self {
            destination,
            format,
            open_on_complete: boolean(block, "open_on_complete")?.unwrap_or(false),
            region: string(block, "region")?.map(str::to_owned),
            credentials,
            endpoint,
            parts: boolean(block, "parts")?.unwrap_or(false),
        })
    }
}

fn parse_format(block: &Map<String, Value>) -> Result<Format> {
    let as_geo = boolean(block, "as_geo")?;
    let name = string(block, "format")?.unwrap_or("parquet");
    match (name, as_geo) {
        ("parquet", None | Some(true)) | ("geoparquet", None | Some(true)) => {
            Ok(Format::GeoParquet)
        }
        ("parquet", Some(false)) => Ok(Format::Parquet),
        ("geoparquet", Some(false)) => Err(Error::spec(
            "output.as_geo",
            "false contradicts format 'geoparquet' (use format 'parquet' for plain Parquet)",
        )),
        // Geometry exists only in Parquet; CSV and Feather always carry latitude/longitude.
        ("csv", _) => Ok(Format::Csv),
        ("feather", _) => Ok(Format::Feather),
        (other, _) => Err(Error::spec(
            "output.format",
            format!("unknown format '{other}' (parquet, geoparquet, csv, feather)"),
        )),
    }
}

fn parse_credentials(value: &Value) -> Result<Credentials> {
    let block = value
        .as_object()
        .ok_or_else(|| Error::spec("output.credentials", "expected an object"))?;
    let mut fields: [Option<Secret>; 3] = [None, None, None];
    for (key, value) in block {
        if IGNORED_CREDENTIAL_KEYS.contains(&key.as_str()) {
            continue;
        }
        let field = CREDENTIAL_KEYS
            .iter()
            .find(|(name, _)| name == key)
            .map(|&(_, field)| field)
            .ok_or_else(|| Error::spec(format!("output.credentials.{key}"), "unknown key"))?;
        let text = value
            .as_str()
            .ok_or_else(|| Error::spec(format!("output.credentials.{key}"), "expected a string"))?;
        let slot = &mut fields[field as usize];
        if slot.is_some() {
            return Err(Error::spec(
                format!("output.credentials.{key}"),
                "given twice under different spellings",
            ));
        }
        *slot = Some(Secret::new(text));
    }
    let [access, secret, token] = fields;
    match (access, secret) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(Credentials {
            access_key_id,
            secret_access_key,
            session_token: token,
        }),
        (None, _) => Err(Error::spec(
            "output.credentials",
            "aws_access_key_id (or accessKeyId / AccessKeyId) is missing",
        )),
        (_, None) => Err(Error::spec(
            "output.credentials",
            "aws_secret_access_key (or secretAccessKey / SecretAccessKey) is missing",
        )),
    }
}

fn string<'a>(block: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>> {
    match block.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::spec(format!("output.{key}"), "expected a string")),
    }
}

fn boolean(block: &Map<String, Value>, key: &str) -> Result<Option<bool>> {
    match block.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Error::spec(
            format!("output.{key}"),
            "expected true or false",
        )),
    }
}

/// The request with every credential removed, for the `firn` metadata key and for logs.
///
/// Removes, at any depth of the request, every `credentials` object and every key spelled like a
/// credential (`aws_access_key_id`, `accessKeyId`, `SecretAccessKey`, `Token`, … — all spellings
/// of SPEC §8). Everything else is kept as it was.
pub fn redacted_request(request: &Value) -> Value {
    match request {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !is_credential_key(key))
                .map(|(key, value)| (key.clone(), redacted_request(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted_request).collect()),
        other => other.clone(),
    }
}

fn is_credential_key(key: &str) -> bool {
    key == "credentials" || CREDENTIAL_KEYS.iter().any(|(name, _)| *name == key)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn defaults_to_geoparquet() {
        let spec = OutputSpec::from_json(&json!({"path": "/tmp/x.parquet"})).expect("valid");
        assert_eq!(spec.format, Format::GeoParquet);
        assert_eq!(
            spec.destination,
            Destination::Local("/tmp/x.parquet".into())
        );
        let plain = OutputSpec::from_json(&json!({"path": "a", "as_geo": false})).expect("valid");
        assert_eq!(plain.format, Format::Parquet);
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (
                json!({"path": "a", "format": "xls"}),
                "output.format: unknown format 'xls'",
            ),
            (json!({"format": "csv"}), "output.path: missing"),
            (json!({"path": 3}), "output.path: expected a string"),
            (
                json!({"path": "a", "colour": 1}),
                "output.colour: unknown key",
            ),
            (json!({"path": "s3://bucket"}), "output.path: no object key"),
            (
                json!({"path": "ftp://h/x"}),
                "output.path: unsupported scheme",
            ),
            (
                json!({"path": "a", "credentials": {"aws_access_key_id": "k"}}),
                "output.credentials: aws_secret_access_key",
            ),
            (
                json!({"path": "a", "credentials": {"password": "k"}}),
                "output.credentials.password: unknown key",
            ),
            (
                json!({"path": "a", "format": "geoparquet", "as_geo": false}),
                "output.as_geo: false contradicts",
            ),
            (
                json!({"path": "a", "endpoint": "127.0.0.1:9000"}),
                "output.endpoint:",
            ),
        ];
        for (input, expected) in cases {
            let message = OutputSpec::from_json(&input)
                .expect_err("invalid")
                .to_string();
            assert!(message.starts_with(expected), "{input}: got '{message}'");
        }
    }

    #[test]
    fn every_credential_spelling_parses_and_never_prints() {
        for (a, s, t) in [
            (
                "aws_access_key_id",
                "aws_secret_access_key",
                "aws_session_token",
            ),
            ("accessKeyId", "secretAccessKey", "sessionToken"),
            ("AccessKeyId", "SecretAccessKey", "Token"),
        ] {
            let spec = OutputSpec::from_json(&json!({
                "path": "s3://b/k.parquet", "region": "us-west-2",
                "credentials": {a: "AKIDVALUE", s: "SECRETVALUE", t: "TOKENVALUE", "expiration": "x"}
            }))
            .expect("valid");
            let creds = spec.credentials.as_ref().expect("credentials");
            assert_eq!(creds.secret_access_key.expose(), "SECRETVALUE");
            assert_eq!(
                creds.session_token.as_ref().map(Secret::expose),
                Some("TOKENVALUE")
            );
            let debug = format!("{spec:?}");
            for value in ["AKIDVALUE", "SECRETVALUE", "TOKENVALUE"] {
                assert!(!debug.contains(value), "{debug}");
            }
        }
    }

    #[test]
    fn redaction_removes_credentials_everywhere() {
        let request = json!({
            "poly": [{"lat": 1.0, "lon": 2.0}],
            "output": {"path": "s3://b/k", "credentials": {"accessKeyId": "A", "secretAccessKey": "S"},
                       "nested": [{"aws_secret_access_key": "S2", "keep": 1}], "Token": "T"}
        });
        let redacted = redacted_request(&request);
        assert_eq!(
            redacted,
            json!({"poly": [{"lat": 1.0, "lon": 2.0}],
                   "output": {"path": "s3://b/k", "nested": [{"keep": 1}]}})
        );
    }
}
