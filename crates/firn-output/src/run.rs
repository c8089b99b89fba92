//! [`RunPrefix`]: the prefix of a part-mode run, as shards and gather see it: the plan, the
//! failure records, and the run manifest gathered from every part's record.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::json;

use crate::batch::extend;
use crate::error::{Error, Result};
use crate::layout::{
    MANIFEST, PLAN, SUCCESS, failure_name, granule_file, granule_stem, record_name,
};
use crate::manifest::{FailedGranule, Manifest};
use crate::part::PartEntry;
use crate::plan::{Plan, PlanOutcome};
use crate::sink::prefix::PrefixStore;
use crate::spec::{OutputSpec, redacted_request};
use crate::writer::WriterOptions;

/// The prefix of a part-mode run (a directory or an S3 key prefix).
///
/// Shards [`create_plan`](Self::create_plan) (the first one writes it, the others read it),
/// write their parts with a [`PartWriter`](crate::PartWriter) and
/// [`record_failure`](Self::record_failure) the granules that failed; [`gather`](Self::gather)
/// then states what became of every planned granule, and [`merge`](Self::merge) joins the parts.
#[derive(Debug)]
pub struct RunPrefix {
    pub(crate) spec: OutputSpec,
    pub(crate) options: WriterOptions,
    pub(crate) store: PrefixStore,
}

/// What a planned granule's records say.
enum State {
    Done(PartEntry),
    Failed(String),
    Missing,
}

impl RunPrefix {
    /// Opens the prefix `spec.destination` with the credentials, region and endpoint of `spec`.
    pub fn open(spec: &OutputSpec, options: &WriterOptions) -> Result<Self> {
        let spec = OutputSpec {
            parts: false,
            ..spec.clone()
        };
        Ok(Self {
            store: PrefixStore::open(&spec, &options.s3)?,
            spec,
            options: *options,
        })
    }

    /// The prefix as text: the directory or `s3://bucket/prefix`.
    pub fn url(&self) -> &str {
        self.store.url()
    }

    /// The location of a name under the prefix, as text (e.g. of [`PLAN`](crate::PLAN)).
    pub fn url_of(&self, name: &str) -> String {
        self.store.url_of(name)
    }

    /// The plan, or `None` when no run was planned here yet.
    pub fn read_plan(&self) -> Result<Option<Plan>> {
        self.store
            .read(PLAN)?
            .map(|bytes| {
                serde_json::from_slice(&bytes).map_err(|e| Error::Manifest {
                    path: self.url_of(PLAN),
                    message: format!("not a plan: {e}"),
                })
            })
            .transpose()
    }

    /// Writes `plan` unless a plan exists, atomically (a local no-clobber link, an S3 put with
    /// `If-None-Match: *`): of shards starting together exactly one creates it, and every shard
    /// returns the same plan. The request is stored with its credentials removed.
    pub fn create_plan(&self, plan: &Plan) -> Result<PlanOutcome> {
        let plan = Plan {
            request: redacted_request(&plan.request),
            ..plan.clone()
        };
        if self.store.create(PLAN, self.to_json(PLAN, &plan)?)? {
            tracing::info!(plan = %self.url_of(PLAN), granules = plan.granules.len(), "plan created");
            return Ok(PlanOutcome::Created(plan));
        }
        let existing = self.read_plan()?.ok_or_else(|| Error::Manifest {
            path: self.url_of(PLAN),
            message: "the plan exists but cannot be read back".into(),
        })?;
        tracing::info!(plan = %self.url_of(PLAN), granules = existing.granules.len(), "plan read");
        Ok(PlanOutcome::Existing(existing))
    }

    /// Records that `granule` failed and why, for gather (credentials are removed from
    /// `reason`). A later success of the same granule takes precedence over this record.
    pub fn record_failure(&self, granule: &str, reason: &str) -> Result<()> {
        let name = failure_name(granule_stem(granule)?);
        let failed = FailedGranule {
            name: granule_file(granule).to_owned(),
            reason: self.store.scrub(reason),
        };
        let bytes = self.to_json(&name, &failed)?;
        self.store.put(&name, bytes)
    }

    /// States what became of every planned granule (done with its part, failed with its reason,
    /// or missing), writes the run manifest ([`MANIFEST`](crate::MANIFEST)) and, when every
    /// granule is done, [`SUCCESS`](crate::SUCCESS). One listing of the prefix and one read per
    /// record, whatever the number of shards.
    pub fn gather(&self) -> Result<Manifest> {
        let plan = self.read_plan()?.ok_or_else(|| Error::Manifest {
            path: self.url_of(PLAN),
            message: "no plan: no run was planned under this prefix".into(),
        })?;
        let present: HashSet<String> = self.store.list()?.into_iter().collect();
        let states = self.states(&plan, &present)?;

        let mut manifest = Manifest {
            planned: plan.granules.len(),
            format: plan.format.clone(),
            source: plan.source.clone(),
            request: plan.request.clone(),
            version: plan.version.clone(),
            ..Manifest::default()
        };
        for (location, state) in plan.granules.iter().zip(states) {
            let name = granule_file(location).to_owned();
            match state {
                State::Done(entry) => {
                    manifest.rows += entry.rows;
                    if let Some(b) = entry.bbox {
                        manifest.bbox = Some(extend(manifest.bbox, b));
                    }
                    manifest.granules.push(entry);
                }
                State::Failed(reason) => manifest.failed.push(FailedGranule { name, reason }),
                State::Missing => manifest.missing.push(name),
            }
        }
        manifest.complete = manifest.granules.len() == manifest.planned;
        self.store
            .put(MANIFEST, self.to_json(MANIFEST, &manifest)?)?;
        if manifest.complete {
            let marker = json!({"granules": manifest.planned, "rows": manifest.rows});
            self.store.put(SUCCESS, self.to_json(SUCCESS, &marker)?)?;
        }
        tracing::info!(
            prefix = %self.url(),
            done = manifest.granules.len(),
            failed = manifest.failed.len(),
            missing = manifest.missing.len(),
            rows = manifest.rows,
            "gathered"
        );
        Ok(manifest)
    }

    /// The state of each planned granule, in plan order: a record whose part is present means
    /// done (whatever failures were recorded before), else a failure record means failed.
    fn states(&self, plan: &Plan, present: &HashSet<String>) -> Result<Vec<State>> {
        let stems = plan
            .granules
            .iter()
            .map(|g| granule_stem(g))
            .collect::<Result<Vec<_>>>()?;
        let records: Vec<String> = stems
            .iter()
            .map(|s| record_name(s))
            .filter(|r| present.contains(r))
            .collect();
        let mut entries = self
            .parse_all::<PartEntry>(&records)?
            .into_iter()
            .filter(|entry| present.contains(&entry.part))
            .map(|entry| (entry.name.clone(), entry))
            .collect::<std::collections::HashMap<_, _>>();
        let failures: Vec<String> = stems
            .iter()
            .map(|s| failure_name(s))
            .filter(|f| present.contains(f))
            .collect();
        let mut reasons = self
            .parse_all::<FailedGranule>(&failures)?
            .into_iter()
            .map(|f| (f.name, f.reason))
            .collect::<std::collections::HashMap<_, _>>();
        Ok(plan
            .granules
            .iter()
            .map(|location| {
                let name = granule_file(location);
                match (entries.remove(name), reasons.remove(name)) {
                    (Some(entry), _) => State::Done(entry),
                    (None, Some(reason)) => State::Failed(reason),
                    (None, None) => State::Missing,
                }
            })
            .collect())
    }

    /// Reads and parses every record in `names`.
    fn parse_all<T: serde::de::DeserializeOwned>(&self, names: &[String]) -> Result<Vec<T>> {
        self.store
            .read_many(names)?
            .into_iter()
            .zip(names)
            .map(|(bytes, name)| {
                serde_json::from_slice(&bytes).map_err(|e| Error::Manifest {
                    path: self.url_of(name),
                    message: format!("unreadable record: {e}"),
                })
            })
            .collect()
    }

    fn to_json(&self, name: &str, value: &impl Serialize) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(value).map_err(|e| Error::Manifest {
            path: self.url_of(name),
            message: e.to_string(),
        })
    }
}
