use std::cell::RefCell;
use std::sync::OnceLock;

use firn_output::{Destination, Format};
use firn_synth::{GranuleSpec, write_granule};

use super::*;
use crate::pipeline::RunObserver;

/// Two 1 km granules (different days), written once; their locations in output order.
fn granules() -> &'static (tempfile::TempDir, Vec<String>) {
    static GRANULES: OnceLock<(tempfile::TempDir, Vec<String>)> = OnceLock::new();
    GRANULES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let base = GranuleSpec {
            length_km: 1.0,
            ..GranuleSpec::default()
        };
        let locations = firn_synth::demo_specs(&base)
            .iter()
            .take(2)
            .map(|spec| {
                let out = write_granule(spec, dir.path()).unwrap();
                out.h5_path.display().to_string()
            })
            .collect();
        (dir, in_output_order(locations))
    })
}

fn params() -> Parameters {
    Parameters::from_json(&serde_json::Map::new()).unwrap()
}

/// Keeps what it is given; fails the granules named in `refuse`.
#[derive(Default)]
struct Collect {
    granules: Vec<(String, usize)>,
    refuse: Option<(String, bool)>,
}

impl RowSink for Collect {
    type Output = Vec<(String, usize)>;

    fn write(&mut self, granule: &str, batch: &SegmentBatch) -> Result<(), SinkError> {
        if let Some((name, fatal)) = &self.refuse
            && name == granule
        {
            return Err(if *fatal {
                SinkError::Fatal(RunError::Cancelled(CancelReason::ClientGone))
            } else {
                SinkError::Granule("refused".to_owned())
            });
        }
        self.granules
            .push((granule.to_owned(), batch.rows().unwrap()));
        Ok(())
    }

    fn finish(self) -> Result<Self::Output, RunError> {
        Ok(self.granules)
    }
}

/// Records the calls; cancels `cancel` when granule number `cancel_after` finishes.
#[derive(Default)]
struct Watch {
    events: RefCell<Vec<String>>,
    cancel_after: Option<(usize, Cancel)>,
}

impl RunObserver for Watch {
    fn started(&self, total: usize) {
        self.events.borrow_mut().push(format!("started {total}"));
    }
    fn granule_started(&self, index: usize, _location: &str) {
        self.events.borrow_mut().push(format!("granule {index}"));
    }
    fn granule_finished(&self, _outcome: &GranuleOutcome, progress: Progress) {
        self.events.borrow_mut().push(format!(
            "finished {}/{} ({} segments)",
            progress.finished, progress.total, progress.segments
        ));
        if let Some((after, cancel)) = &self.cancel_after
            && *after == progress.finished
        {
            cancel.cancel(CancelReason::Shutdown);
        }
    }
    fn finished(&self) {
        self.events.borrow_mut().push("finished".to_owned());
    }
}

fn name(location: &str) -> String {
    file_name(location).to_owned()
}

#[test]
fn rows_reach_the_sink_granule_by_granule_in_order() {
    let (_, locations) = granules();
    let watch = Watch::default();
    let control = RunControl {
        cancel: &Cancel::new(),
        observer: &watch,
    };
    let report = run_into(locations, &params(), Collect::default(), control).unwrap();
    let names: Vec<String> = report.output.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names, [name(&locations[0]), name(&locations[1])]);
    assert!(
        report.output.iter().all(|(_, rows)| *rows > 50),
        "{:?}",
        report.output
    );
    let total: usize = report.output.iter().map(|(_, rows)| rows).sum();
    let events = watch.events.into_inner();
    assert_eq!(events[0], "started 2");
    assert_eq!(events[1], "granule 0");
    assert_eq!(events[3], "granule 1");
    assert_eq!(events[4], format!("finished 2/2 ({total} segments)"));
    assert_eq!(events.last().unwrap(), "finished");
    assert!(matches!(report.granules[1], GranuleOutcome::Done { rows, .. } if rows > 50));
}

#[test]
fn a_sink_fails_one_granule_alone_or_stops_the_run() {
    let (_, locations) = granules();
    let control = RunControl {
        cancel: &Cancel::new(),
        observer: &Watch::default(),
    };
    let sink = Collect {
        refuse: Some((name(&locations[0]), false)),
        ..Collect::default()
    };
    let report = run_into(locations, &params(), sink, control).unwrap();
    assert_eq!(report.failures().count(), 1);
    assert_eq!(
        report.output.len(),
        1,
        "the second granule was still written"
    );

    let sink = Collect {
        refuse: Some((name(&locations[0]), true)),
        ..Collect::default()
    };
    let stopped = run_into(locations, &params(), sink, control);
    assert!(matches!(stopped, Err(RunError::Cancelled(_))));
}

#[test]
fn a_set_flag_stops_the_run_and_leaves_no_output() {
    let (_, locations) = granules();
    let out = tempfile::tempdir().unwrap();
    let spec = OutputSpec::new(
        Destination::Local(out.path().join("x.parquet")),
        Format::GeoParquet,
    );
    let cancel = Cancel::new();
    cancel.cancel(CancelReason::ClientGone);
    let sink = OutputSink::open(&spec, &run_metadata(&Value::Null, locations)).unwrap();
    let control = RunControl {
        cancel: &cancel,
        observer: &Watch::default(),
    };
    let result = run_into(locations, &params(), sink, control);
    assert!(matches!(
        result,
        Err(RunError::Cancelled(CancelReason::ClientGone))
    ));
    let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
}

#[test]
fn a_flag_set_between_granules_stops_before_the_next() {
    let (_, locations) = granules();
    let cancel = Cancel::new();
    let watch = Watch {
        cancel_after: Some((1, cancel.clone())),
        ..Watch::default()
    };
    let control = RunControl {
        cancel: &cancel,
        observer: &watch,
    };
    let result = run_into(locations, &params(), Collect::default(), control);
    assert!(matches!(
        result,
        Err(RunError::Cancelled(CancelReason::Shutdown))
    ));
    let events = watch.events.into_inner();
    assert!(
        !events.iter().any(|e| e == "granule 1"),
        "the second granule never started: {events:?}"
    );
}

#[test]
fn a_flag_set_inside_a_granule_stops_its_fit() {
    let (_, locations) = granules();
    let granule = Granule::open(&locations[0]).unwrap();
    let fitter = Fitter::new(params().fit.clone()).unwrap();
    let cancel = Cancel::new();
    cancel.cancel(CancelReason::ClientGone);
    let result = fit_granule(&granule, &params(), &fitter, &cancel);
    assert!(matches!(
        result,
        Err(FitError::Cancelled(CancelReason::ClientGone))
    ));
    assert!(fit_granule(&granule, &params(), &fitter, &Cancel::new()).is_ok());
}
