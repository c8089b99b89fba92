//! `firn atl06p`: a request of parameters and granules → one output file, or one part per
//! granule under a prefix, as one process or as one shard of many.

use std::io::Read;

use firn_output::{
    Destination, Format, Manifest, OutputSpec, PLAN, Plan, RunPrefix, WriterOptions,
    redacted_request,
};
use indicatif::{ProgressBar, ProgressDrawTarget};
use serde_json::{Map, Value};

use super::CommandError;
use crate::cli::Atl06pArgs;
use crate::pipeline::{
    GranuleOutcome, GranuleResolver, ResolveError, RunPlan, RunReport, Shard, SourceSpec, run,
};
use crate::request::{ParamError, Parameters};

pub(crate) fn run_command(args: Atl06pArgs) -> Result<(), CommandError> {
    let request = read_request(args.request.as_deref())?;
    let source = SourceSpec::parse(&args.source).map_err(|e| CommandError::Usage(e.to_string()))?;
    let resolver = source
        .resolver()
        .map_err(|e| CommandError::Usage(format!("--source {source}: {e}")))?;
    let shard = Shard::resolve(args.shard.shard_index, args.shard.shard_count, |name| {
        std::env::var(name).ok()
    })
    .map_err(|e| CommandError::Usage(e.to_string()))?;
    let request = validate(request, args.output.as_deref(), args.format.as_deref())?;
    if request.output.parts {
        let options = RunOptions {
            shard: shard.unwrap_or(Shard::WHOLE),
            plan_only: args.shard.plan_only,
        };
        return run_parts(request, &source, resolver.as_ref(), options);
    }
    if args.shard.plan_only {
        return Err(CommandError::Usage(
            "--plan-only writes the plan of a part-mode run: give output.parts or an output prefix ending in /".to_owned(),
        ));
    }
    if let Some(shard) = shard.filter(|s| s.count > 1) {
        return Err(CommandError::Usage(format!(
            "{shard}: sharding needs part mode (output.parts, or an output prefix ending in /), so that each shard writes its own parts"
        )));
    }
    let granules = resolve_granules(&request, resolver.as_ref())?;
    let report = execute(request.into_plan(granules))?;
    print_summary(&report);
    failures_to_result(&report)
}

/// How a part-mode run is split.
#[derive(Debug, Clone, Copy)]
struct RunOptions {
    /// This process's share of the plan.
    shard: Shard,
    /// Only write (or check) the plan.
    plan_only: bool,
}

/// A part-mode run, or one shard of it: the plan is read, or written once (the first shard
/// to get there writes it); this shard's granules are processed, each into its own part, skipping
/// parts finished earlier; failures are recorded for gather. A run in one process gathers at the
/// end (run manifest, `_SUCCESS` when complete); shards leave that to `firn gather`.
fn run_parts(
    request: ValidatedRequest,
    source: &SourceSpec,
    resolver: &dyn GranuleResolver,
    options: RunOptions,
) -> Result<(), CommandError> {
    let prefix = RunPrefix::open(&request.output, &WriterOptions::default())?;
    let plan = planned_granules(&prefix, &request, source, resolver)?;
    let mine = options.shard.select(&plan.granules);
    println!(
        "plan: {} granules in {}; {}: {} granules",
        plan.granules.len(),
        prefix.url_of(PLAN),
        options.shard,
        mine.len()
    );
    if options.plan_only {
        return Ok(());
    }
    if mine.is_empty() {
        println!("nothing to do: the plan has fewer granules than there are shards");
        return Ok(());
    }
    let report = execute(request.into_plan(mine))?;
    for (location, reason) in report.failures() {
        if let Err(e) = prefix.record_failure(location, reason) {
            tracing::warn!(granule = %location, error = %e, "the failure could not be recorded; gather lists the granule as missing");
        }
    }
    print_summary(&report);
    if options.shard.count == 1 {
        let manifest = prefix.gather()?;
        print_gathered(&prefix, &manifest);
    }
    failures_to_result(&report)
}

/// The plan under the prefix: read if it exists (and made for this request), else discovered and
/// created; a shard that loses the race to create it uses the winner's.
fn planned_granules(
    prefix: &RunPrefix,
    request: &ValidatedRequest,
    source: &SourceSpec,
    resolver: &dyn GranuleResolver,
) -> Result<Plan, CommandError> {
    let wanted = Plan {
        granules: Vec::new(),
        source: source.to_string(),
        request: redacted_request(&request.request),
        format: request.output.format.name().to_owned(),
        version: version(),
    };
    if let Some(existing) = prefix.read_plan()? {
        check_plan(prefix, &existing, &wanted)?;
        return Ok(existing);
    }
    let plan = Plan {
        granules: resolve_granules(request, resolver)?,
        ..wanted.clone()
    };
    let outcome = prefix.create_plan(&plan)?;
    check_plan(prefix, outcome.plan(), &wanted)?;
    Ok(outcome.plan().clone())
}

/// An existing plan must have been made for the same parameters, resources, source and format
/// (the output block aside: its credentials and endpoint may differ between shards).
fn check_plan(prefix: &RunPrefix, existing: &Plan, wanted: &Plan) -> Result<(), CommandError> {
    let differs = if without_output(&existing.request) != without_output(&wanted.request) {
        Some("parameters or resources")
    } else if existing.source != wanted.source {
        Some("source")
    } else if existing.format != wanted.format {
        Some("output format")
    } else {
        None
    };
    match differs {
        None => Ok(()),
        Some(what) => Err(CommandError::Usage(format!(
            "{} was planned for another request (its {what} differ): give this run its own output prefix",
            prefix.url_of(PLAN)
        ))),
    }
}

/// The request without its output block (wherever it sits).
fn without_output(request: &Value) -> Value {
    let mut request = request.clone();
    if let Some(top) = request.as_object_mut() {
        top.remove("output");
        if let Some(Value::Object(parms)) = top.get_mut("parms") {
            parms.remove("output");
        }
    }
    request
}

/// Exit 1 when a granule failed.
fn failures_to_result(report: &RunReport) -> Result<(), CommandError> {
    match report.failures().count() {
        0 => Ok(()),
        n => Err(CommandError::Failed(format!(
            "{n} of {} granules failed",
            report.granules.len()
        ))),
    }
}

/// The request text: a file, `-` for stdin, the JSON itself, or `{}` when none is given.
fn read_request(path: Option<&str>) -> Result<Value, CommandError> {
    let text = match path {
        None => String::from("{}"),
        Some(json) if json.trim_start().starts_with('{') => json.to_owned(),
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
    Ok(serde_json::from_str(&text)
        .map_err(|e| ParamError::invalid("request", format!("not JSON: {e}")))?)
}

/// The software version written into outputs and plans.
fn version() -> String {
    format!("firn {}", env!("CARGO_PKG_VERSION"))
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

/// A request validated, its granules not resolved yet.
#[derive(Debug)]
pub(crate) struct ValidatedRequest {
    /// Processing parameters.
    pub(crate) params: Parameters,
    /// Where and how to write (part mode when `output.parts` or the path ends in `/`).
    pub(crate) output: OutputSpec,
    /// The granules the request names, if any.
    pub(crate) resources: Option<Vec<String>>,
    /// The request as received.
    pub(crate) request: Value,
}

impl ValidatedRequest {
    /// The run plan for `granules` (locations in output order).
    pub(crate) fn into_plan(self, granules: Vec<String>) -> RunPlan {
        RunPlan {
            granules,
            params: self.params,
            output: self.output,
            request: self.request,
        }
    }
}

/// Validates the request and resolves its granules: the plan, or the first problem.
#[cfg_attr(
    not(feature = "synth"),
    allow(
        dead_code,
        reason = "called by firn demo (the synth feature) and firn serve"
    )
)]
pub(crate) fn plan(
    request: Value,
    resolver: &dyn GranuleResolver,
    output_path: Option<&str>,
    format: Option<&str>,
) -> Result<RunPlan, CommandError> {
    let request = validate(request, output_path, format)?;
    let granules = resolve_granules(&request, resolver)?;
    Ok(request.into_plan(granules))
}

/// Validates the parameters and the output (`output_path` and `format` override the request's);
/// nothing is read or written.
pub(crate) fn validate(
    request: Value,
    output_path: Option<&str>,
    format: Option<&str>,
) -> Result<ValidatedRequest, CommandError> {
    let RequestParts { parms, resources } = split_request(&request)?;
    let params = Parameters::from_json(&parms)?;
    let block = parms.get("output");
    let mut output = match block {
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
    // A path ending in `/` names a prefix: one part per granule under it.
    let path_text = output_path.or_else(|| block?.get("path")?.as_str());
    if path_text.is_some_and(|p| p.ends_with('/')) {
        output.parts = true;
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
    Ok(ValidatedRequest {
        params,
        output,
        resources,
        request,
    })
}

/// The granule locations, in output order, without duplicates: those the request names, else
/// those discovery finds (the source's footprint scan, or a CMR search).
pub(crate) fn resolve_granules(
    request: &ValidatedRequest,
    resolver: &dyn GranuleResolver,
) -> Result<Vec<String>, CommandError> {
    resolver
        .resolve(&request.params, request.resources.as_deref())
        .map_err(|e| match e {
            ResolveError::BadName(_) => CommandError::Usage(e.to_string()),
            ResolveError::NoneFound(_) | ResolveError::Discovery(_) => {
                CommandError::Failed(e.to_string())
            }
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

/// What gather found: done, failed and missing granules, and whether the run is complete.
pub(crate) fn print_gathered(prefix: &RunPrefix, manifest: &Manifest) {
    println!(
        "run: {} of {} planned granules done, {} failed, {} missing; {} segments; manifest {}",
        manifest.granules.len(),
        manifest.planned,
        manifest.failed.len(),
        manifest.missing.len(),
        manifest.rows,
        prefix.url_of(firn_output::MANIFEST)
    );
    for failed in &manifest.failed {
        println!("  failed  {}: {}", failed.name, failed.reason);
    }
    for missing in &manifest.missing {
        println!("  missing {missing}");
    }
    if manifest.complete {
        println!("complete: {}", prefix.url_of(firn_output::SUCCESS));
    }
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
