//! A client's request → a job the worker can run: the command line's validation
//! ([`split_request`], [`Parameters::from_json`], [`OutputSpec::from_json`]), plus what the
//! SlideRule client adds (`asset`, and `resources` inside `parms` from `sliderule.run`) and the
//! x-series form (`atl03x` with a `fit` block).

use firn_output::{Destination, OutputSpec};
use serde_json::{Map, Value};

use super::protocol::FileName;
use crate::commands::{RequestParts, split_request};
use crate::request::{ParamError, Parameters};

/// The processing endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// `atl06p`: flat parameters; rows in-band, or an output file.
    Atl06p,
    /// `atl03x` with a `fit` block: the x-series form of the same fit; always an output file.
    Atl03x,
}

impl Api {
    /// The endpoint's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Atl06p => "atl06p",
            Self::Atl03x => "atl03x",
        }
    }
}

/// Keys of an `atl03x` request's `fit` block (upstream's names).
const FIT_KEYS: [&str; 3] = ["maxi", "H_min_win", "sigma_r_max"];

/// How a job's rows reach the client.
#[derive(Debug)]
pub(crate) enum Delivery {
    /// As `atl06rec` records in the response (no `output` block).
    Records,
    /// Written to object storage; the URL goes back as `arrowrec.remote`.
    Remote(OutputSpec),
    /// Written to a file on the server, then sent as `arrowrec` records that the client writes
    /// under `name`, the path its request gave.
    Returned {
        /// The output block (its destination is replaced by a server-side file).
        spec: OutputSpec,
        /// Where the client writes the file.
        name: FileName,
    },
}

/// A validated request, before its granules are resolved.
#[derive(Debug)]
pub(crate) struct ParsedRequest {
    /// The processing parameters.
    pub(crate) params: Parameters,
    /// The granules named, if any.
    pub(crate) resources: Option<Vec<String>>,
    /// How the rows go back.
    pub(crate) delivery: Delivery,
    /// The request as received (its credentials are removed wherever it is written).
    pub(crate) request: Value,
}

/// Parses and validates the body of a request to `api`; errors name the parameter.
pub(crate) fn parse(api: Api, body: &[u8]) -> Result<ParsedRequest, ParamError> {
    let mut request: Value = serde_json::from_slice(body)
        .map_err(|e| ParamError::invalid("request", format!("not JSON: {e}")))?;
    hoist_resources(&mut request)?;
    let RequestParts {
        mut parms,
        resources,
    } = split_request(&request)?;
    match parms.remove("asset") {
        None | Some(Value::String(_)) => {}
        Some(other) => {
            return Err(ParamError::invalid(
                "asset",
                format!("expected a string, found {other}"),
            ));
        }
    }
    if api == Api::Atl03x {
        merge_fit_block(&mut parms)?;
    }
    let params = Parameters::from_json(&parms)?;
    let delivery = match parms.get("output") {
        Some(block) => delivery(block)?,
        None if api == Api::Atl03x => {
            return Err(ParamError::invalid(
                "output",
                "atl03x returns a file: give an output block (sliderule.run adds one)",
            ));
        }
        None => Delivery::Records,
    };
    Ok(ParsedRequest {
        params,
        resources,
        delivery,
        request,
    })
}

/// `sliderule.run` puts `resources` inside `parms`; move it beside them, where the command
/// line's request form has it.
fn hoist_resources(request: &mut Value) -> Result<(), ParamError> {
    let Some(top) = request.as_object_mut() else {
        return Ok(());
    };
    let inner = match top.get_mut("parms") {
        Some(Value::Object(parms)) => parms.remove("resources"),
        _ => None,
    };
    if let Some(resources) = inner {
        if top.get("resources").is_some_and(|v| !v.is_null()) {
            return Err(ParamError::invalid(
                "resources",
                "given both inside parms and beside them",
            ));
        }
        top.insert("resources".to_owned(), resources);
    }
    Ok(())
}

/// Moves the keys of an `atl03x` `fit` block among the parameters.
fn merge_fit_block(parms: &mut Map<String, Value>) -> Result<(), ParamError> {
    let block = match parms.remove("fit") {
        Some(Value::Object(block)) => block,
        Some(other) => {
            return Err(ParamError::invalid(
                "fit",
                format!("expected an object, found {other}"),
            ));
        }
        None => {
            return Err(ParamError::invalid(
                "fit",
                "atl03x runs only the ATL06-SR surface fit here: give a fit block \
                 (maxi, H_min_win, sigma_r_max), \"fit\": {} for the defaults",
            ));
        }
    };
    for (key, value) in block {
        if !FIT_KEYS.contains(&key.as_str()) {
            return Err(ParamError::invalid(
                &format!("fit.{key}"),
                "unknown key (the fit block takes maxi, H_min_win and sigma_r_max)",
            ));
        }
        if parms.contains_key(&key) {
            return Err(ParamError::invalid(
                &key,
                "given both inside the fit block and beside it",
            ));
        }
        parms.insert(key, value);
    }
    Ok(())
}

/// How the rows of a request with an `output` block go back.
fn delivery(block: &Value) -> Result<Delivery, ParamError> {
    let spec =
        OutputSpec::from_json(block).map_err(|e| ParamError::invalid("output", e.to_string()))?;
    match &spec.destination {
        Destination::S3 { .. } => Ok(Delivery::Remote(spec)),
        Destination::Local(path) => {
            if spec.parts {
                return Err(ParamError::invalid(
                    "output",
                    "output.parts: over the service, part mode writes to object storage: \
                     give an s3:// prefix",
                ));
            }
            let name = FileName::new(&path.to_string_lossy())
                .map_err(|e| ParamError::invalid("output", format!("output.path: {e}")))?;
            Ok(Delivery::Returned { spec, name })
        }
        other => Err(ParamError::invalid(
            "output",
            format!(
                "output.path: {} cannot be written by the service",
                other.display()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse_json(api: Api, value: Value) -> Result<ParsedRequest, ParamError> {
        parse(api, value.to_string().as_bytes())
    }

    #[test]
    fn the_clients_request_forms_parse() {
        // icesat2.atl06p: parms with the asset the client adds, resources beside them.
        let parsed = parse_json(
            Api::Atl06p,
            json!({"resources": ["ATL03_20191113010203_07370502_006_01.h5"],
                   "parms": {"asset": "icesat2", "cnf": 4, "srt": 0, "maxi": 6}}),
        )
        .unwrap();
        assert_eq!(parsed.resources.as_ref().map(Vec::len), Some(1));
        assert_eq!(parsed.params.fit.maxi, 6);
        assert!(matches!(parsed.delivery, Delivery::Records));

        // sliderule.run("atl03x"): resources inside parms, a fit block, a local output path.
        let parsed = parse_json(
            Api::Atl03x,
            json!({"parms": {"cnf": 4, "fit": {"maxi": 3, "H_min_win": 2.5},
                             "resources": ["ATL03_20191113010203_07370502_006_01.h5"],
                             "output": {"path": "/tmp/tmpx", "format": "geoparquet",
                                        "open_on_complete": true}}}),
        )
        .unwrap();
        assert_eq!(parsed.params.fit.maxi, 3);
        assert_eq!(parsed.params.fit.h_min_win, 2.5);
        assert!(parsed.resources.is_some());
        assert!(matches!(parsed.delivery, Delivery::Returned { .. }));

        let parsed = parse_json(
            Api::Atl06p,
            json!({"parms": {"output": {"path": "s3://bucket/x.parquet"}}, "resources": null}),
        )
        .unwrap();
        assert!(matches!(parsed.delivery, Delivery::Remote(_)));
        assert!(parsed.resources.is_none());
    }

    #[test]
    fn bad_requests_name_the_parameter() {
        let cases = [
            (Api::Atl06p, "{not json".to_owned(), "request"),
            (Api::Atl06p, json!([1, 2]).to_string(), "request"),
            (
                Api::Atl06p,
                json!({"parms": {"lenn": 40}}).to_string(),
                "lenn",
            ),
            (
                Api::Atl06p,
                json!({"parms": {"asset": 7}}).to_string(),
                "asset",
            ),
            (
                Api::Atl06p,
                json!({"parms": {"poly": [{"lat": 1, "lon": 1}, {"lat": 2, "lon": 2}]}})
                    .to_string(),
                "poly",
            ),
            (
                Api::Atl06p,
                json!({"parms": {"fit": {}}}).to_string(),
                "fit",
            ),
            (
                Api::Atl06p,
                json!({"parms": {"resources": ["a"]}, "resources": ["b"]}).to_string(),
                "resources",
            ),
            (
                Api::Atl03x,
                json!({"parms": {"output": {"path": "/tmp/x"}}}).to_string(),
                "fit",
            ),
            (
                Api::Atl03x,
                json!({"parms": {"fit": {"maxi": 0}, "output": {"path": "/tmp/x"}}}).to_string(),
                "maxi",
            ),
            (
                Api::Atl03x,
                json!({"parms": {"fit": {"cnt": 5}, "output": {"path": "/tmp/x"}}}).to_string(),
                "fit.cnt",
            ),
            (
                Api::Atl03x,
                json!({"parms": {"maxi": 2, "fit": {"maxi": 3}, "output": {"path": "/x"}}})
                    .to_string(),
                "maxi",
            ),
            (
                Api::Atl03x,
                json!({"parms": {"fit": {}}}).to_string(),
                "output",
            ),
            (
                Api::Atl06p,
                json!({"parms": {"output": {"path": "/tmp/x", "parts": true}}}).to_string(),
                "output",
            ),
            (
                Api::Atl06p,
                json!({"parms": {"output": {"path": "/tmp/é.parquet"}}}).to_string(),
                "output",
            ),
        ];
        for (api, body, name) in cases {
            let err = parse(api, body.as_bytes()).expect_err(&body);
            assert_eq!(err.name, name, "{body}: {err}");
        }
    }
}
