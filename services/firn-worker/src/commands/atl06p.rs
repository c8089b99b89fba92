//! `firn atl06p`: a request of parameters and granules → one output file.

use std::io::Read;

use firn_output::{Destination, Format, OutputSpec};
use indicatif::{ProgressBar, ProgressDrawTarget};
use serde_json::{Map, Value};

use super::CommandError;
use crate::cli::Atl06pArgs;
use crate::pipeline::{GranuleOutcome, GranuleSource, RunPlan, RunReport, run};
use crate::request::{ParamError, Parameters};

pub(crate) fn run_command(args: Atl06pArgs) -> Result<(), CommandError> {
    let text = match args.request.as_deref() {
        None => String::from("{}"),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| CommandError::Io {
                    context: "reading the request from stdin".to_owned(),
                    source,
                })?;
            text
        }
        Some(path) => std::fs::read_to_string(path).map_err(|source| CommandError::Io {
            context: format!("reading the request {path}"),
            source,
        })?,
    };
    let request: Value = serde_json::from_str(&text)
        .map_err(|e| ParamError::invalid("request", format!("not JSON: {e}")))?;
    let source =
        GranuleSource::parse(&args.source).map_err(|e| CommandError::Usage(e.to_string()))?;
    let plan = plan(
        request,
        &source,
        args.output.as_deref(),
        args.format.as_deref(),
    )?;
    let report = execute(plan)?;
    print_summary(&report);
    match report.failures().count() {
        0 => Ok(()),
        n => Err(CommandError::Failed(format!(
            "{n} of {} granules failed",
            report.granules.len()
        ))),
    }
}

/// A request's parameters and granule names.
#[derive(Debug)]
pub(crate) struct RequestParts {
    /// The parameters (SPEC §4 names).
    pub(crate) parms: Map<String, Value>,
    /// The granules named, if any.
    pub(crate) resources: Option<Vec<String>>,
}

/// Splits a request into parameters and resources. Upstream's form is
/// `{"parms": {...}, "resources": [...]}`; flat parameters at the top level (the seed notebook's
/// form) are accepted too.
pub(crate) fn split_request(request: &Value) -> Result<RequestParts, ParamError> {
    let top = request
        .as_object()
        .ok_or_else(|| ParamError::invalid("request", "expected a JSON object"))?;
    let resources = match top.get("resources") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        ParamError::invalid("resources", format!("{v} is not a granule name"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(other) => {
            return Err(ParamError::invalid(
                "resources",
                format!("expected a list of granule names, found {other}"),
            ));
        }
    };
    let parms = match top.get("parms") {
        Some(Value::Object(parms)) => {
            if let Some(key) = top
                .keys()
                .find(|k| !matches!(k.as_str(), "parms" | "resources"))
            {
                return Err(ParamError::unknown(key));
            }
            parms.clone()
        }
        Some(_) => return Err(ParamError::invalid("parms", "expected a JSON object")),
        None => {
            let mut flat = top.clone();
            flat.remove("resources");
            flat
        }
    };
    Ok(RequestParts { parms, resources })
}

/// Validates the request and resolves its granules: the plan, or the first problem.
pub(crate) fn plan(
    request: Value,
    source: &GranuleSource,
    output_path: Option<&str>,
    format: Option<&str>,
) -> Result<RunPlan, CommandError> {
    let RequestParts { parms, resources } = split_request(&request)?;
    let params = Parameters::from_json(&parms)?;
    let mut output = match parms.get("output") {
        Some(block) => OutputSpec::from_json(block)
            .map_err(|e| ParamError::invalid("output", e.to_string()))?,
        None => {
            let path = output_path.ok_or_else(|| {
                CommandError::Usage(
                    "no output: give --output PATH or an output block in the request".to_owned(),
                )
            })?;
            OutputSpec::new(Destination::Local(path.into()), Format::GeoParquet)
        }
    };
    if let Some(path) = output_path {
        output.destination =
            Destination::parse(path, "--output").map_err(|e| CommandError::Usage(e.to_string()))?;
    }
    if let Some(name) = format {
        output.format = match name {
            "geoparquet" | "parquet" => Format::GeoParquet,
            "plain-parquet" => Format::Parquet,
            "csv" => Format::Csv,
            "feather" => Format::Feather,
            other => {
                return Err(CommandError::Usage(format!(
                    "--format {other:?}: expected geoparquet, plain-parquet, csv or feather"
                )));
            }
        };
    }
    let names = match resources {
        Some(names) => names,
        None => source
            .list()
            .map_err(|e| CommandError::Failed(e.to_string()))?
            .into_iter()
            .filter(|name| {
                firn_atl03::name::GranuleName::parse(name)
                    .is_some_and(|g| params.granules.accepts(&g))
            })
            .collect(),
    };
    if names.is_empty() {
        return Err(CommandError::Failed(
            "no granules: the request names none and the source holds none that match".to_owned(),
        ));
    }
    let granules =
        crate::pipeline::in_output_order(names.iter().map(|n| source.locate(n)).collect());
    Ok(RunPlan {
        granules,
        params,
        output,
        request,
    })
}

/// Runs a plan with a progress bar on a terminal (hidden otherwise; logs carry the progress).
pub(crate) fn execute(plan: RunPlan) -> Result<RunReport, CommandError> {
    let progress = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    run(plan, &progress).map_err(|e| CommandError::Failed(e.to_string()))
}

/// The summary: granules ok and failed (with reasons), rows, output, dates, rgts, cycles.
pub(crate) fn print_summary(report: &RunReport) {
    let failed: Vec<_> = report.failures().collect();
    let skipped = report
        .granules
        .iter()
        .filter(|g| matches!(g, GranuleOutcome::Skipped { .. }))
        .count();
    println!(
        "granules: {} ok, {} failed, {} skipped",
        report.granules.len() - failed.len() - skipped,
        failed.len(),
        skipped
    );
    for outcome in &report.granules {
        match outcome {
            GranuleOutcome::Done { location, rows } => {
                println!("  ok     {location}: {rows} segments")
            }
            GranuleOutcome::Skipped { location } => {
                println!("  skipped {location}: its part exists")
            }
            GranuleOutcome::Failed { location, reason } => {
                println!("  failed {location}: {reason}")
            }
        }
    }
    println!(
        "segments: {} written to {} ({})",
        report.output.rows,
        report.output.url,
        report.output.format.name()
    );
    if let Some((first, last)) = report.time_range {
        println!(
            "dates: {} … {}",
            first.format("%Y-%m-%d %H:%M:%S"),
            last.format("%Y-%m-%d %H:%M:%S")
        );
    }
    println!("rgts: {:?}", report.rgts);
    println!("cycles: {:?}", report.cycles);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn requests_come_nested_or_flat() {
        let nested = json!({"parms": {"cnf": 4}, "resources": ["a.h5"]});
        let parts = split_request(&nested).unwrap();
        assert_eq!(parts.parms["cnf"], 4);
        assert_eq!(parts.resources, Some(vec!["a.h5".to_owned()]));

        let flat = json!({"cnf": 4, "srt": 0});
        let parts = split_request(&flat).unwrap();
        assert_eq!(parts.parms.len(), 2);
        assert_eq!(parts.resources, None);

        let err = split_request(&json!({"parms": {}, "extra": 1})).unwrap_err();
        assert_eq!(err.name, "extra");
        let err = split_request(&json!({"resources": "a.h5"})).unwrap_err();
        assert_eq!(err.name, "resources");
    }
}
