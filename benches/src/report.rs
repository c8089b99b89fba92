//! Timing (best of K) and the results table.

use std::fmt::Write as _;
use std::time::Instant;

use crate::error::Result;

/// Runs `work` `repeat` times (at least once) and returns the fastest wall time in seconds with
/// the last run's result.
pub fn best_of<T>(repeat: usize, mut work: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut timed = || -> Result<(f64, T)> {
        let start = Instant::now();
        let out = work()?;
        Ok((start.elapsed().as_secs_f64(), out))
    };
    let (mut best, mut last) = timed()?;
    for _ in 1..repeat {
        let (seconds, out) = timed()?;
        best = best.min(seconds);
        last = out;
    }
    Ok((best, last))
}

/// One contender's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Who read.
    pub name: String,
    /// Best wall time (s).
    pub seconds: f64,
    /// Decoded bytes produced.
    pub bytes: u64,
}

/// Formats the table: seconds, MB/s of decoded bytes, and each time as a ratio of `baseline_s`
/// (the 1-thread floor).
pub fn table(rows: &[Row], baseline_s: f64) -> String {
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0).max(10);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:>9}  {:>9}  {:>14}",
        "contender", "seconds", "MB/s", "× floor (1 t)"
    );
    for row in rows {
        let _ = writeln!(
            out,
            "{:<width$}  {:>9.3}  {:>9.0}  {:>14.2}",
            row.name,
            row.seconds,
            row.bytes as f64 / row.seconds / 1e6,
            row.seconds / baseline_s
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_throughput_and_ratio_to_the_baseline() {
        let rows = [
            Row {
                name: "floor".to_owned(),
                seconds: 2.0,
                bytes: 1_000_000_000,
            },
            Row {
                name: "other".to_owned(),
                seconds: 3.0,
                bytes: 1_500_000_000,
            },
        ];
        let text = table(&rows, 2.0);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let other: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(other, ["other", "3.000", "500", "1.50"]);
    }

    #[test]
    fn best_of_keeps_the_fastest_run_and_runs_at_least_once() {
        let mut calls = 0;
        let (seconds, value) = best_of(0, || {
            calls += 1;
            Ok(calls)
        })
        .unwrap();
        assert_eq!((calls, value), (1, 1));
        assert!(seconds >= 0.0);
    }
}
