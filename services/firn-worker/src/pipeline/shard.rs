//! Sharding: which granules of the plan this process works on.
//!
//! The rule: granule `i` of the plan (0-based, in plan order, which is output order) belongs to
//! shard `i mod N`. Round robin spreads every stretch of time, and so every season's granule
//! sizes, evenly over the shards; each shard's count differs from the others' by at most one. The
//! rule needs nothing but the plan and `N`, so shards never talk to each other, and a retried
//! shard (or a rerun with another `N`) finds the same granules or skips the finished ones.

/// The environment variables that give the shard index, in order of precedence.
pub(crate) const INDEX_VARIABLES: [&str; 2] = ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"];
/// The environment variables that give the shard count, in order of precedence.
pub(crate) const COUNT_VARIABLES: [&str; 2] = ["FIRN_SHARD_COUNT", "AWS_BATCH_JOB_ARRAY_SIZE"];

/// One shard of a run: `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    /// 0-based index.
    pub(crate) index: u32,
    /// Number of shards (≥ 1).
    pub(crate) count: u32,
}

/// Why the shard could not be determined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ShardError {
    /// An environment variable does not hold a whole number.
    #[error("{name}={value:?} is not a whole number ≥ 0")]
    NotANumber {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// An index without a count.
    #[error(
        "shard index {index} (from {from}) needs a shard count: give --shard-count or set FIRN_SHARD_COUNT"
    )]
    NoCount {
        /// The index.
        index: u32,
        /// Where it came from.
        from: &'static str,
    },
    /// A count above 1 without an index.
    #[error(
        "{count} shards (from {from}) need a shard index: give --shard-index, or run as a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or an AWS Batch array job (AWS_BATCH_JOB_ARRAY_INDEX)"
    )]
    NoIndex {
        /// The count.
        count: u32,
        /// Where it came from.
        from: &'static str,
    },
    /// A count of zero.
    #[error("the shard count (from {from}) must be at least 1")]
    ZeroCount {
        /// Where it came from.
        from: &'static str,
    },
    /// An index at or above the count.
    #[error("shard index {index} (from {from}) is not below the shard count {count}")]
    OutOfRange {
        /// The index.
        index: u32,
        /// The count.
        count: u32,
        /// Where the index came from.
        from: &'static str,
    },
}

impl Shard {
    /// The whole run in one process.
    pub(crate) const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// The shard from the flags, else from the environment (`env` looks a variable up): the
    /// index from `--shard-index`, `JOB_COMPLETION_INDEX` (Kubernetes Indexed Job) or
    /// `AWS_BATCH_JOB_ARRAY_INDEX` (AWS Batch array job); the count from `--shard-count`,
    /// `FIRN_SHARD_COUNT` or `AWS_BATCH_JOB_ARRAY_SIZE`. `None` when nothing says the run is
    /// sharded; a count of 1 without an index is the whole run.
    pub(crate) fn resolve(
        index: Option<u32>,
        count: Option<u32>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Shard>, ShardError> {
        let from_env = |names: &[&'static str]| -> Result<Option<(u32, &'static str)>, ShardError> {
            for &name in names {
                if let Some(value) = env(name) {
                    let number = value.trim().parse().map_err(|_| ShardError::NotANumber {
                        name,
                        value: value.clone(),
                    })?;
                    return Ok(Some((number, name)));
                }
            }
            Ok(None)
        };
        let index = match index {
            Some(i) => Some((i, "--shard-index")),
            None => from_env(&INDEX_VARIABLES)?,
        };
        let count = match count {
            Some(n) => Some((n, "--shard-count")),
            None => from_env(&COUNT_VARIABLES)?,
        };
        match (index, count) {
            (None, None) => Ok(None),
            (Some((index, from)), None) => Err(ShardError::NoCount { index, from }),
            (_, Some((0, from))) => Err(ShardError::ZeroCount { from }),
            (None, Some((1, _))) => Ok(Some(Self::WHOLE)),
            (None, Some((count, from))) => Err(ShardError::NoIndex { count, from }),
            (Some((index, from)), Some((count, _))) if index >= count => {
                Err(ShardError::OutOfRange { index, count, from })
            }
            (Some((index, _)), Some((count, _))) => Ok(Some(Self { index, count })),
        }
    }

    /// This shard's items: those at positions `i` with `i mod count == index`, in order.
    pub(crate) fn select<T: Clone>(&self, items: &[T]) -> Vec<T> {
        items
            .iter()
            .skip(self.index as usize)
            .step_by(self.count as usize)
            .cloned()
            .collect()
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shard {} of {}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        move |name| map.get(name).map(|v| (*v).to_owned())
    }

    #[test]
    fn flags_beat_kubernetes_which_beats_batch() {
        let all = [
            ("JOB_COMPLETION_INDEX", "3"),
            ("FIRN_SHARD_COUNT", "8"),
            ("AWS_BATCH_JOB_ARRAY_INDEX", "5"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "10"),
        ];
        let shard = |i, n, vars| Shard::resolve(i, n, env(vars)).unwrap();
        assert_eq!(shard(None, None, &[]), None);
        assert_eq!(shard(None, None, &all), Some(Shard { index: 3, count: 8 }));
        assert_eq!(
            shard(Some(1), Some(2), &all),
            Some(Shard { index: 1, count: 2 })
        );
        assert_eq!(
            shard(None, None, &all[2..]),
            Some(Shard {
                index: 5,
                count: 10
            })
        );
        assert_eq!(
            shard(None, None, &[("FIRN_SHARD_COUNT", "1")]),
            Some(Shard::WHOLE)
        );
    }

    #[test]
    fn incomplete_or_wrong_shards_are_errors_naming_their_source() {
        let error =
            |i, n, vars: &[(&str, &str)]| Shard::resolve(i, n, env(vars)).unwrap_err().to_string();
        assert!(
            error(None, None, &[("JOB_COMPLETION_INDEX", "2")]).contains("needs a shard count")
        );
        assert!(
            error(None, Some(4), &[]).contains("4 shards (from --shard-count) need a shard index")
        );
        assert!(
            error(Some(4), Some(4), &[])
                .contains("shard index 4 (from --shard-index) is not below")
        );
        assert!(error(Some(0), Some(0), &[]).contains("at least 1"));
        assert_eq!(
            error(
                None,
                None,
                &[
                    ("AWS_BATCH_JOB_ARRAY_INDEX", "x1"),
                    ("FIRN_SHARD_COUNT", "2")
                ]
            ),
            "AWS_BATCH_JOB_ARRAY_INDEX=\"x1\" is not a whole number ≥ 0"
        );
    }

    #[test]
    fn shards_partition_the_plan_round_robin() {
        let plan: Vec<usize> = (0..11).collect();
        let shards: Vec<Vec<usize>> = (0..4)
            .map(|index| Shard { index, count: 4 }.select(&plan))
            .collect();
        assert_eq!(shards[0], [0, 4, 8]);
        assert_eq!(shards[3], [3, 7]);
        let mut all: Vec<usize> = shards.concat();
        all.sort_unstable();
        assert_eq!(all, plan, "every granule in exactly one shard");
        assert!(
            Shard {
                index: 5,
                count: 20
            }
            .select(&plan)
                == [5]
        );
        assert!(
            Shard {
                index: 15,
                count: 20
            }
            .select(&plan)
            .is_empty()
        );
        assert_eq!(Shard::WHOLE.select(&plan), plan);
    }
}
