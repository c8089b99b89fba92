//! The error of a bad parameter: which one, and what is wrong.

/// A parameter that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter {name}: {detail}")]
pub(crate) struct ParamError {
    /// The parameter's name as the request spells it.
    pub(crate) name: String,
    /// What is wrong.
    pub(crate) detail: String,
}

impl ParamError {
    /// A value that is not acceptable.
    pub(crate) fn invalid(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            detail: detail.into(),
        }
    }

    /// A name that is not a parameter.
    pub(crate) fn unknown(name: &str) -> Self {
        Self::invalid(
            name,
            "unknown parameter (see the parameter table in the README)",
        )
    }
}
