//! Statistical checks of the simulation against the rates and noise it was asked for
//! (SPEC §11). Seeded, with margins of several standard errors.

use firn_synth::physics::{GROUND_SPEED_M_S, PRF_HZ, SIGMA_BEAM_M, SIGMA_RANGE_M, SPEED_OF_LIGHT};
use firn_synth::{Beam, BeamData, Gaps, GranuleSpec, ScOrient, Terrain, generate_beam};

fn clear_sky(terrain: Terrain) -> GranuleSpec {
    GranuleSpec {
        seed: 11,
        length_km: 10.0,
        terrain,
        clouds: Gaps::NONE,
        empty: Gaps::NONE,
        ..GranuleSpec::default()
    }
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, var.sqrt())
}

fn signal_residuals(d: &BeamData) -> Vec<f64> {
    let p = &d.photons;
    (0..p.len())
        .filter(|&i| p.is_signal[i])
        .map(|i| f64::from(p.h_ph[i]) - p.surface_height[i])
        .collect()
}

#[test]
fn photons_per_shot_follow_the_poisson_rates() {
    let spec = GranuleSpec {
        background_mhz: 3.0,
        window_half_m: 40.0,
        ..clear_sky(Terrain::default())
    };
    for (beam, scale) in [(Beam::Gt1l, 1.0), (Beam::Gt1r, 0.25)] {
        let d = generate_beam(&spec, beam).expect("generate");
        assert_eq!(d.strong, scale == 1.0);
        let shots = d.shots as f64;
        assert!(
            (shots - 10_000.0 / (GROUND_SPEED_M_S / PRF_HZ)).abs() < 30.0,
            "{shots} shots over 10 km"
        );
        let signal = d.photons.is_signal.iter().filter(|&&s| s).count() as f64;
        let noise = d.photons.len() as f64 - signal;
        let lam = spec.signal_per_shot * scale;
        let mu = spec.background_mhz * 1e6 * scale * 2.0 * spec.window_half_m / SPEED_OF_LIGHT;
        // Standard error of a Poisson mean over `shots` draws; allow 5 of them.
        let tol = |rate: f64| 5.0 * (rate / shots).sqrt();
        assert!(
            (signal / shots - lam).abs() < tol(lam),
            "{beam}: signal/shot {} vs {lam}",
            signal / shots
        );
        assert!(
            (noise / shots - mu).abs() < tol(mu),
            "{beam}: noise/shot {} vs {mu}",
            noise / shots
        );
        // Background heights are uniform over ±H around the surface.
        let p = &d.photons;
        let noise_dh: Vec<f64> = (0..p.len())
            .filter(|&i| !p.is_signal[i])
            .map(|i| f64::from(p.h_ph[i]) - p.surface_height[i])
            .collect();
        let (m, s) = mean_std(&noise_dh);
        let uniform_sd = 2.0 * spec.window_half_m / 12f64.sqrt();
        assert!(
            noise_dh
                .iter()
                .all(|dh| dh.abs() <= spec.window_half_m + 1e-3)
        );
        assert!(
            m.abs() < 1.5 && (s - uniform_sd).abs() < 0.05 * uniform_sd,
            "{beam}: noise mean {m}, sd {s}"
        );
        let rate = f64::from(d.background.bckgrd_rate[0]);
        assert!(
            (rate - spec.background_mhz * 1e6 * scale).abs() < 1.0,
            "bckgrd_rate states the simulated rate"
        );
    }
}

#[test]
fn per_shot_counts_have_poisson_dispersion() {
    let spec = GranuleSpec {
        background_mhz: 0.0,
        ..clear_sky(Terrain::default())
    };
    let d = generate_beam(&spec, Beam::Gt2l).expect("generate");
    // Photons of a shot share delta_time; count them per shot, including shots with none.
    let mut counts: Vec<f64> = Vec::new();
    let t = &d.photons.delta_time;
    let mut i = 0;
    while i < t.len() {
        let j = t[i..]
            .iter()
            .position(|&x| x != t[i])
            .map_or(t.len(), |k| i + k);
        counts.push((j - i) as f64);
        i = j;
    }
    counts.resize(usize::try_from(d.shots).expect("fits"), 0.0);
    let (m, s) = mean_std(&counts);
    assert!((m - 8.0).abs() < 0.15, "mean {m}");
    assert!(
        (s * s / m - 1.0).abs() < 0.08,
        "variance/mean {}",
        s * s / m
    );
}

#[test]
fn flat_terrain_signal_heights_have_the_range_spread() {
    let d = generate_beam(&clear_sky(Terrain::Flat { h: 1_234.5 }), Beam::Gt1l).expect("generate");
    let (m, s) = mean_std(&signal_residuals(&d));
    assert!(m.abs() < 0.003, "bias {m}");
    assert!(
        (s - SIGMA_RANGE_M).abs() < 0.003,
        "std {s} vs {SIGMA_RANGE_M}"
    );
}

#[test]
fn slope_turns_into_spread_around_the_shot_centre() {
    let slope = 0.2;
    let spec = clear_sky(Terrain::Slope { h0: 500.0, slope });
    let d = generate_beam(&spec, Beam::Gt1l).expect("generate");
    // The true surface at the ground point is exact to the range noise...
    let (_, s_truth) = mean_std(&signal_residuals(&d));
    assert!(
        (s_truth - SIGMA_RANGE_M).abs() < 0.003,
        "std vs truth {s_truth}"
    );
    // ...but relative to the reported along-track position (the shot centre) the footprint
    // spreads it: sqrt(σ_range² + (slope·σ_beam)²).
    let p = &d.photons;
    let s = &d.segments;
    let mut seg = 0;
    let mut resid = Vec::new();
    for k in 0..s.len() {
        let n = usize::try_from(s.segment_ph_cnt[k]).expect("count");
        for i in seg..seg + n {
            if p.is_signal[i] {
                // Reported along-track position (the shot centre) and the truth line there.
                let x = s.segment_dist_x[k] + f64::from(p.dist_ph_along[i]);
                let h_at = s.true_height[k] + slope * (x - s.centre_dist_x[k]);
                resid.push(f64::from(p.h_ph[i]) - h_at);
            }
        }
        seg += n;
    }
    let (m, sd) = mean_std(&resid);
    let expect = (SIGMA_RANGE_M.powi(2) + (slope * SIGMA_BEAM_M).powi(2)).sqrt();
    assert!(m.abs() < 0.02, "bias {m}");
    assert!((sd - expect).abs() < 0.02 * expect, "std {sd} vs {expect}");
    assert!(s.true_slope.iter().all(|&v| v == slope));
}

#[test]
fn geometry_beams_speed_and_time_are_consistent() {
    let spec = clear_sky(Terrain::default());
    let l = generate_beam(&spec, Beam::Gt1l).expect("gt1l");
    let r = generate_beam(&spec, Beam::Gt1r).expect("gt1r");
    let c = generate_beam(&spec, Beam::Gt2l).expect("gt2l");
    let dist = |a: &BeamData, b: &BeamData, k: usize| {
        let (p1, p2) = (
            a.segments.centre_lat[k].to_radians(),
            b.segments.centre_lat[k].to_radians(),
        );
        let dl = (b.segments.centre_lon[k] - a.segments.centre_lon[k]).to_radians();
        let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    };
    assert!(
        (dist(&l, &r, 10) - 90.0).abs() < 0.01,
        "pair beams 90 m apart"
    );
    assert!(
        (dist(&l, &c, 10) - 3_300.0).abs() < 0.1,
        "pairs 3.3 km apart"
    );
    // Ascending near-polar track: latitude grows along track, heading within 10° of north.
    let s = &l.segments;
    let n = s.len() - 1;
    assert!(s.centre_lat[n] > s.centre_lat[0]);
    let dlat = (s.centre_lat[n] - s.centre_lat[0]).to_radians();
    let dlon =
        (s.centre_lon[n] - s.centre_lon[0]).to_radians() * s.centre_lat[0].to_radians().cos();
    assert!(dlon.atan2(dlat).to_degrees().abs() < 10.0);
    // The track passes the requested centre (Grand Mesa) halfway.
    let mid = s.len() / 2;
    let (lat0, lon0) = (spec.centre_lat, spec.centre_lon);
    assert!((s.centre_lat[mid] - lat0).abs() < 0.01 && (s.centre_lon[mid] - lon0).abs() < 0.1);
    // |velocity_sc| is the ground speed; shots are |v|/PRF apart along track.
    for v in &s.velocity_sc {
        let speed = v.iter().map(|&c| f64::from(c).powi(2)).sum::<f64>().sqrt();
        assert!((speed - GROUND_SPEED_M_S).abs() < 0.01);
    }
    // Segment time advances by segment length / ground speed; the first shot is the start time.
    for w in s.delta_time.windows(2) {
        assert!((w[1] - w[0] - 20.0057 / GROUND_SPEED_M_S).abs() < 1e-6);
    }
    let t0 = (spec.start_time.timestamp() - 1_514_764_800) as f64;
    assert!((l.photons.delta_time[0] - t0).abs() < 1e-3);
    // dist_ph_along stays inside the segment; dist_ph_across scatters around the beam offset.
    assert!(
        l.photons
            .dist_ph_along
            .iter()
            .all(|&a| (0.0..20.01).contains(&a))
    );
    let across: Vec<f64> = l
        .photons
        .dist_ph_across
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    let (m, sd) = mean_std(&across);
    assert!((m - Beam::Gt1l.across_track_m()).abs() < 0.1 && (sd - SIGMA_BEAM_M).abs() < 0.1);
}

#[test]
fn forward_orientation_makes_the_right_beams_strong() {
    let spec = GranuleSpec {
        sc_orient: ScOrient::Forward,
        ..clear_sky(Terrain::default())
    };
    let l = generate_beam(&spec, Beam::Gt3l).expect("gt3l");
    let r = generate_beam(&spec, Beam::Gt3r).expect("gt3r");
    assert!(!l.strong && r.strong);
    let ratio = l.photons.len() as f64 / r.photons.len() as f64;
    assert!(
        (ratio - 0.25).abs() < 0.02,
        "weak/strong photon ratio {ratio}"
    );
}

#[test]
fn clouds_remove_signal_and_gaps_empty_segments() {
    let spec = GranuleSpec {
        length_km: 40.0,
        clouds: Gaps {
            fraction: 0.3,
            min_len_m: 100.0,
            max_len_m: 500.0,
        },
        empty: Gaps {
            fraction: 0.1,
            min_len_m: 20.0,
            max_len_m: 200.0,
        },
        ..clear_sky(Terrain::default())
    };
    let d = generate_beam(&spec, Beam::Gt1l).expect("generate");
    let signal = d.photons.is_signal.iter().filter(|&&s| s).count() as f64;
    let per_shot = signal / d.shots as f64;
    // About 30 % of shots are under cloud (wide margin: only ~100 cloud stretches).
    assert!(
        (per_shot / spec.signal_per_shot - 0.7).abs() < 0.12,
        "clear fraction {}",
        per_shot / 8.0
    );
    let empty = d
        .segments
        .segment_ph_cnt
        .iter()
        .filter(|&&c| c == 0)
        .count() as f64;
    let frac = empty / d.segments.len() as f64;
    assert!((0.04..0.18).contains(&frac), "empty fraction {frac}");
    // Segments under cloud but with telemetry still carry background photons.
    assert!(d.photons.len() as f64 > signal);
}

#[test]
fn canopy_returns_sit_above_the_ground() {
    let spec = clear_sky(Terrain::Canopy {
        ground: 100.0,
        canopy_height: 12.0,
        canopy_fraction: 0.3,
    });
    let d = generate_beam(&spec, Beam::Gt1l).expect("generate");
    let p = &d.photons;
    let signal: Vec<usize> = (0..p.len()).filter(|&i| p.is_signal[i]).collect();
    let canopy = signal.iter().filter(|&&i| p.is_canopy[i]).count() as f64 / signal.len() as f64;
    assert!((canopy - 0.3).abs() < 0.02, "canopy fraction {canopy}");
    for &i in &signal {
        let above = f64::from(p.h_ph[i]) - p.surface_height[i];
        let expect = if p.is_canopy[i] { 12.0 } else { 0.0 };
        assert!(
            (above - expect).abs() < 1.0,
            "photon {i}: {above} above ground"
        );
    }
}

#[test]
fn signal_confidence_and_weights_look_like_atl03() {
    let spec = GranuleSpec {
        background_mhz: 4.0,
        ..clear_sky(Terrain::default())
    };
    let d = generate_beam(&spec, Beam::Gt2l).expect("generate");
    let p = &d.photons;
    let (mut high, mut signals) = (0usize, 0usize);
    for i in 0..p.len() {
        let row = p.signal_conf_ph[i];
        assert_eq!(
            &row[1..],
            &[-1, -1, -1, -1],
            "only the land column is considered"
        );
        let dh = (f64::from(p.h_ph[i]) - p.surface_height[i]).abs();
        if p.is_signal[i] {
            signals += 1;
            high += usize::from(row[0] == 4);
            assert!(row[0] >= 2);
        } else if dh > 10.5 {
            assert_eq!(row[0], 0, "far noise is 0");
        }
    }
    let f = high as f64 / signals as f64;
    assert!((0.8..0.9).contains(&f), "fraction of signal at 4: {f}");
    let mean_w = |want: bool| {
        let w: Vec<f64> = (0..p.len())
            .filter(|&i| p.is_signal[i] == want)
            .map(|i| f64::from(p.weight_ph[i]))
            .collect();
        mean_std(&w).0
    };
    assert!(mean_w(true) > 3.0 * mean_w(false));
    let flagged = p.quality_ph.iter().filter(|&&q| q != 0).count() as f64 / p.len() as f64;
    assert!(flagged < 0.01, "quality_ph mostly 0");
}

#[test]
fn rough_terrain_adds_its_roughness_to_the_spread() {
    let d = generate_beam(
        &clear_sky(Terrain::Rough {
            h: 50.0,
            sigma: 0.5,
        }),
        Beam::Gt1l,
    )
    .expect("generate");
    let (m, s) = mean_std(&signal_residuals(&d));
    let expect = (SIGMA_RANGE_M.powi(2) + 0.25).sqrt();
    assert!(
        m.abs() < 0.01 && (s - expect).abs() < 0.01,
        "mean {m}, std {s} vs {expect}"
    );
}

#[test]
fn polar_and_antimeridian_crossings_keep_along_track_distances() {
    fn haversine(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
        let dl = (b.1 - a.1).to_radians();
        let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    }
    for (lat, lon, heading) in [(89.0, 30.0, 0.0), (-10.0, 179.9, -20.0)] {
        let spec = GranuleSpec {
            length_km: 300.0,
            centre_lat: lat,
            centre_lon: lon,
            heading_deg: Some(heading),
            signal_per_shot: 0.5,
            background_mhz: 0.0,
            ..clear_sky(Terrain::default())
        };
        let d = generate_beam(&spec, Beam::Gt2l).expect("generate");
        let s = &d.segments;
        for k in 1..s.len() {
            let step = haversine(
                (s.centre_lat[k - 1], s.centre_lon[k - 1]),
                (s.centre_lat[k], s.centre_lon[k]),
            );
            assert!(
                (step - s.segment_length[k - 1]).abs() < 0.01,
                "({lat}, {lon}) segment {k}: step {step}"
            );
        }
        assert!(
            s.centre_lon
                .iter()
                .chain(&d.photons.lon_ph)
                .all(|l| (-180.0..=180.0).contains(l))
        );
        // Over the pole the longitude turns by 180°; over the antimeridian it wraps by ~360°.
        let (first, last) = (s.centre_lon[0], s.centre_lon[s.len() - 1]);
        assert!(
            (last - first).abs() > 150.0,
            "({lat}, {lon}): from {first} to {last}"
        );
        if lat > 80.0 {
            assert!(s.centre_lat.iter().any(|&l| l > 89.99), "passes the pole");
        }
    }
}
