//! Typed access to JSON values, with errors that name the parameter.

use serde_json::Value;

use super::ParamError;

/// A number.
pub(super) fn as_f64(name: &str, value: &Value) -> Result<f64, ParamError> {
    value
        .as_f64()
        .ok_or_else(|| ParamError::invalid(name, format!("expected a number, found {value}")))
}

/// A whole number (a float with no fraction is accepted: JSON clients often send 6.0).
pub(super) fn as_i64(name: &str, value: &Value) -> Result<i64, ParamError> {
    if let Some(i) = value.as_i64() {
        return Ok(i);
    }
    match value.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(ParamError::invalid(
            name,
            format!("expected a whole number, found {value}"),
        )),
    }
}

/// A boolean.
pub(super) fn as_bool(name: &str, value: &Value) -> Result<bool, ParamError> {
    value
        .as_bool()
        .ok_or_else(|| ParamError::invalid(name, format!("expected true or false, found {value}")))
}

/// A string.
pub(super) fn as_str<'v>(name: &str, value: &'v Value) -> Result<&'v str, ParamError> {
    value
        .as_str()
        .ok_or_else(|| ParamError::invalid(name, format!("expected a string, found {value}")))
}
