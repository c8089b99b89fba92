//! PreparedRegion vs plain `geo::Polygon::contains` on 2 million points around real regions.
//!
//! Run: `cargo bench -p firn-region --bench contains`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use firn_region::{Projection, Region};
use geo::{BoundingRect, Contains, Point};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

const POINTS: usize = 2_000_000;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/regions")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Uniform points over the region's lon/lat bounding box grown by half its size on every side.
fn points_around(region: &Region, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let Some(b) = region.lonlat().bounding_rect() else {
        panic!("fixture region has no bounding box");
    };
    let (w, h) = (b.width(), b.height());
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..POINTS)
        .map(|_| {
            (
                rng.random_range(b.min().x - w / 2.0..b.max().x + w / 2.0),
                rng.random_range(b.min().y - h / 2.0..b.max().y + h / 2.0),
            )
        })
        .unzip()
}

fn bench_region(c: &mut Criterion, name: &str, file: &str, projection: Projection) {
    let Ok(region) = Region::from_geojson_str_in(&fixture(file), projection) else {
        panic!("fixture {file} does not validate");
    };
    let (lon, lat) = points_around(&region, 0x5eed);
    let prepared = region.prepare();
    let polygon = &region.lonlat().0[0];
    let mut group = c.benchmark_group(format!("contains/{name}"));
    group.throughput(Throughput::Elements(POINTS as u64));
    group.sample_size(10);
    if projection == Projection::PlateCarree {
        group.bench_function(BenchmarkId::new("geo_polygon_contains", POINTS), |b| {
            b.iter(|| {
                lon.iter()
                    .zip(&lat)
                    .filter(|(x, y)| polygon.contains(&Point::new(**x, **y)))
                    .count()
            })
        });
    }
    group.bench_function(BenchmarkId::new("geo_contains_projected", POINTS), |b| {
        b.iter(|| {
            lon.iter()
                .zip(&lat)
                .filter(|(x, y)| region.contains(**x, **y))
                .count()
        })
    });
    group.bench_function(BenchmarkId::new("prepared_contains", POINTS), |b| {
        b.iter(|| {
            lon.iter()
                .zip(&lat)
                .filter(|(x, y)| prepared.contains(**x, **y))
                .count()
        })
    });
    let mut out = vec![false; POINTS];
    group.bench_function(BenchmarkId::new("floor_stream", POINTS), |b| {
        b.iter(|| {
            for ((x, y), o) in lon.iter().zip(&lat).zip(out.iter_mut()) {
                *o = *x + *y > 0.5;
            }
            black_box(&out);
        })
    });
    group.bench_function(BenchmarkId::new("prepared_contains_into", POINTS), |b| {
        b.iter(|| black_box(prepared.contains_into(&lon, &lat, &mut out)))
    });
    group.bench_function(
        BenchmarkId::new("prepared_contains_many_rayon", POINTS),
        |b| b.iter(|| black_box(prepared.contains_many(&lon, &lat))),
    );
    group.finish();
}

fn contains(c: &mut Criterion) {
    bench_region(c, "grandmesa", "grandmesa.geojson", Projection::PlateCarree);
    bench_region(
        c,
        "dicksonfjord",
        "dicksonfjord.geojson",
        Projection::PlateCarree,
    );
    bench_region(
        c,
        "dicksonfjord_north_polar",
        "dicksonfjord.geojson",
        Projection::NorthPolar,
    );
}

criterion_group!(benches, contains);
criterion_main!(benches);
