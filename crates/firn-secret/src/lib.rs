//! A credential value that cannot be printed by accident: the one type for tokens, passwords and
//! S3 secrets in Firn's crates (`firn-output` for output credentials, `firn-cmr` for Earthdata),
//! re-exported by both.
//!
//! ```
//! use firn_secret::Secret;
//! let token = Secret::new("eyJ0eXAi...");
//! assert_eq!(format!("{token} {token:?}"), "*** ***");
//! assert_eq!(token.expose(), "eyJ0eXAi...");
//! ```
#![deny(missing_docs)]

/// A token, password or S3 secret. `Debug` and `Display` print `***`; only [`Secret::expose`]
/// gives the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for an `Authorization` header, a request signer or a store builder, and
    /// nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}
