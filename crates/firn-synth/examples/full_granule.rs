//! Writes one full-size (default 2,900 km, six-beam) synthetic granule and reports time and size.
//!
//! ```text
//! cargo run --release -p firn-synth --example full_granule -- [OUT_DIR] [LENGTH_KM] [SIGNAL_PER_SHOT] [--photon-truth]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use firn_synth::{GranuleSpec, WriteOptions, write_granule_with};
use indicatif::{ProgressBar, ProgressStyle};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let out_dir = positional
        .first()
        .map_or_else(|| PathBuf::from("synth-out"), PathBuf::from);
    let length_km: f64 = positional.get(1).map_or(Ok(2_900.0), |s| s.parse())?;
    let signal: f64 = positional.get(2).map_or(Ok(8.0), |s| s.parse())?;
    let spec = GranuleSpec {
        length_km,
        signal_per_shot: signal,
        ..GranuleSpec::default()
    };
    let bar = ProgressBar::new(0);
    bar.set_style(ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} blocks {eta}",
    )?);
    let options = WriteOptions {
        photon_truth: args.iter().any(|a| a == "--photon-truth"),
        progress: Some(bar.clone()),
    };
    let start = Instant::now();
    let out = write_granule_with(&spec, &out_dir, &options)?;
    bar.finish();
    let secs = start.elapsed().as_secs_f64();
    let size = std::fs::metadata(&out.h5_path)?.len();
    println!("{}", out.h5_path.display());
    for b in &out.beams {
        println!(
            "  {} {:6} photons {:>11} signal {:>11} segments {:>8} empty {:>7}",
            b.beam,
            if b.strong { "strong" } else { "weak" },
            b.photons,
            b.signal_photons,
            b.segments,
            b.empty_segments
        );
    }
    println!(
        "{length_km} km, {} photons, {:.2} GB in {secs:.1} s ({:.1} M photons/s)",
        out.total_photons(),
        size as f64 / 1e9,
        out.total_photons() as f64 / secs / 1e6
    );
    Ok(())
}
