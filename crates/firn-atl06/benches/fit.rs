//! Throughput of the ATL06-SR fit on one core (single extent) and of the rayon batch.
//!
//! Run: `cargo bench -p firn-atl06 --bench fit -- --quick` (figures in the crate README).
//!
//! The single-extent groups measure the benchmark thread's CPU time, not wall time, so the figures
//! are per core even on a shared, loaded machine; the batch group measures wall time.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use firn_atl06::{BeamExtents, ExtentSpec, FitParams, FitScratch, Fitter, PhotonColumns};

#[allow(dead_code)] // the benchmark uses part of the test helpers
#[path = "../tests/support/mod.rs"]
mod support;

use support::sim::{Scene, rng, simulate};

/// Extents per case: enough variety that one extent's branch pattern is not learned.
const EXTENTS: usize = 256;

/// Strong beam: 8 photons per shot, flat, 4 MHz background over ±10 m (~490 photons).
fn strong() -> Scene {
    Scene {
        signal_per_shot: 8.0,
        slope: 0.0,
        noise_hz: 4e6,
        noise_half_window: 10.0,
        canopy: None,
    }
}

/// Weak beam: a quarter of the strong beam's signal and background (~120 photons).
fn weak() -> Scene {
    Scene {
        signal_per_shot: 2.0,
        noise_hz: 1e6,
        ..strong()
    }
}

fn extents(scene: &Scene, seed: u64) -> Vec<support::Owned> {
    let mut r = rng(seed);
    (0..EXTENTS)
        .map(|_| simulate(scene, &mut r).extent)
        .collect()
}

/// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), in nanoseconds.
struct ThreadCpu;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NsFormatter
    }
}

/// Formats nanoseconds of CPU time and per-CPU-second throughput.
struct NsFormatter;

impl ValueFormatter for NsFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = match typical {
            t if t < 1e3 => (1.0, "ns (cpu)"),
            t if t < 1e6 => (1e3, "µs (cpu)"),
            t if t < 1e9 => (1e6, "ms (cpu)"),
            _ => (1e9, "s (cpu)"),
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }

    fn scale_throughputs(&self, typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let per_iter = match t {
            Throughput::Elements(n) | Throughput::Bytes(n) | Throughput::BytesDecimal(n) => {
                *n as f64
            }
            _ => 1.0,
        };
        let rate = |ns: f64| per_iter * 1e9 / ns;
        let (div, unit) = match rate(typical) {
            r if r < 1e3 => (1.0, "elem/cpu-s"),
            r if r < 1e6 => (1e3, "Kelem/cpu-s"),
            _ => (1e6, "Melem/cpu-s"),
        };
        values.iter_mut().for_each(|v| *v = rate(*v) / div);
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn single(c: &mut Criterion<ThreadCpu>) {
    let fitter = Fitter::new(FitParams::default()).expect("defaults");
    for (name, scene) in [("strong", strong()), ("weak", weak())] {
        let ext = extents(&scene, 7);
        let photons: usize = ext.iter().map(|e| e.x.len()).sum();
        let views: Vec<_> = ext.iter().map(|e| e.view()).collect();
        let mut scratch = FitScratch::new();
        for (unit, n) in [("segments", EXTENTS), ("photons", photons)] {
            let mut g = c.benchmark_group(format!("fit_extent_{unit}"));
            g.throughput(Throughput::Elements(n as u64));
            g.bench_function(name, |b| {
                b.iter(|| {
                    for v in &views {
                        black_box(fitter.fit_extent(black_box(v), &mut scratch).ok());
                    }
                })
            });
            g.finish();
        }
    }
}

fn batch(c: &mut Criterion) {
    let fitter = Fitter::new(FitParams::default()).expect("defaults");
    let ext = extents(&strong(), 8);
    let mut cols = PhotonColumns::<f32>::default();
    let mut specs = Vec::new();
    for (i, e) in ext.iter().enumerate() {
        let start = cols.x.len();
        // A beam frame: extent i is centred at 20·i m (extents laid end to end here).
        let centre = 20.0 * i as f64;
        cols.x.extend(e.x.iter().map(|x| x + centre));
        cols.h.extend(e.h.iter().map(|&h| h as f32));
        cols.lat.extend(&e.lat);
        cols.lon.extend(&e.lon);
        cols.time.extend(&e.time);
        cols.y.extend(e.y.iter().map(|&y| y as f32));
        let mut meta = e.meta;
        meta.x_atc = centre;
        specs.push(ExtentSpec {
            photons: start..cols.x.len(),
            meta,
        });
    }
    let beam = BeamExtents::new(cols, specs).expect("valid beam");
    let mut g = c.benchmark_group("fit_beam_segments");
    g.throughput(Throughput::Elements(EXTENTS as u64));
    g.bench_function("strong_rayon", |b| {
        b.iter(|| black_box(fitter.fit_beam(black_box(&beam)).ok()))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = one_core;
    config = config().with_measurement(ThreadCpu);
    targets = single
}
criterion_group! {
    name = parallel;
    config = config();
    targets = batch
}
criterion_main!(one_core, parallel);
