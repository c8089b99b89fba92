//! The HDF5 side: file layout, metadata groups and the per-beam datasets (SPEC §2).

mod codec;
mod column;

use std::path::Path;

use hdf5::file::LibraryVersion;
use hdf5::{File, Group, H5Type};

use crate::data::Background;
use crate::physics::ATLAS_SDP_GPS_EPOCH;
use crate::scene::Block;
use crate::{Beam, Error, GranuleSpec, Layout, Result};
use column::{Column, ColumnSet, Element};

fn hdf5_err(file: &Path, object: impl Into<String>) -> impl FnOnce(hdf5::Error) -> Error {
    let path = file.to_path_buf();
    let object = object.into();
    move |source| Error::Hdf5 {
        path,
        object,
        source,
    }
}

/// Creates the granule file with the superblock and group format of `layout`.
pub(crate) fn create_file(path: &Path, layout: Layout) -> Result<File> {
    File::with_options()
        .with_fapl(|fapl| match layout {
            Layout::Old => fapl.libver_earliest(),
            Layout::New => fapl.libver_bounds(LibraryVersion::V18, LibraryVersion::V18),
            Layout::Latest => fapl.libver_latest(),
        })
        .with_fcpl(|fcpl| fcpl.obj_track_times(false))
        .create(path)
        .map_err(hdf5_err(path, "/"))
}

fn group(parent: &Group, name: &str, object: &str, file: &Path) -> Result<Group> {
    parent
        .create_group_builder()
        .obj_track_times(false)
        .create(name)
        .map_err(hdf5_err(file, object))
}

fn one_value<T: H5Type + Copy>(
    parent: &Group,
    name: &str,
    object: &str,
    value: T,
    file: &Path,
) -> Result<()> {
    parent
        .new_dataset_builder()
        .obj_track_times(false)
        .with_data(&[value])
        .create(name)
        .map(drop)
        .map_err(hdf5_err(file, object))
}

/// Writes `/orbit_info` and `/ancillary_data` (shape [1] datasets, as in real granules).
pub(crate) fn write_metadata(file: &File, spec: &GranuleSpec, path: &Path) -> Result<()> {
    let orbit = group(file, "orbit_info", "/orbit_info", path)?;
    one_value(
        &orbit,
        "sc_orient",
        "/orbit_info/sc_orient",
        spec.sc_orient.code(),
        path,
    )?;
    // rgt is validated to 1..=1387 and cycle to 1..=99, so both fit.
    one_value(&orbit, "rgt", "/orbit_info/rgt", spec.rgt as i16, path)?;
    one_value(
        &orbit,
        "cycle_number",
        "/orbit_info/cycle_number",
        spec.cycle as i8,
        path,
    )?;
    let ancillary = group(file, "ancillary_data", "/ancillary_data", path)?;
    one_value(
        &ancillary,
        "atlas_sdp_gps_epoch",
        "/ancillary_data/atlas_sdp_gps_epoch",
        ATLAS_SDP_GPS_EPOCH,
        path,
    )
}

/// Adds `name` of type `T` to `set` in group `group` (whose path is `prefix`).
fn add<T: Element>(
    set: &mut ColumnSet,
    group: &Group,
    prefix: &str,
    name: &str,
    width: usize,
    rows: usize,
    file: &Path,
) -> Result<()> {
    set.columns.push(Column::create::<T>(
        group,
        format!("{prefix}/{name}"),
        name,
        width,
        rows,
        file,
    )?);
    Ok(())
}

/// The `heights`, `geolocation` and `bckgrd_atlas` datasets of one beam, filled block by block.
pub(crate) struct BeamWriter {
    heights: ColumnSet,
    geolocation: ColumnSet,
    background: ColumnSet,
    /// Photons appended so far (the offset of the next block's `ph_index_beg`).
    pub(crate) photons: i64,
}

impl BeamWriter {
    /// Creates `/gtXx/{heights,geolocation,bckgrd_atlas}` and their datasets.
    pub(crate) fn create(file: &File, beam: Beam, chunk_rows: usize, path: &Path) -> Result<Self> {
        let root = format!("/{}", beam.name());
        let gt = group(file, beam.name(), &root, path)?;

        let p = format!("{root}/heights");
        let g = group(&gt, "heights", &p, path)?;
        let mut heights = ColumnSet::new(path);
        add::<f32>(&mut heights, &g, &p, "h_ph", 1, chunk_rows, path)?;
        add::<f64>(&mut heights, &g, &p, "lat_ph", 1, chunk_rows, path)?;
        add::<f64>(&mut heights, &g, &p, "lon_ph", 1, chunk_rows, path)?;
        add::<f64>(&mut heights, &g, &p, "delta_time", 1, chunk_rows, path)?;
        add::<f32>(&mut heights, &g, &p, "dist_ph_along", 1, chunk_rows, path)?;
        add::<f32>(&mut heights, &g, &p, "dist_ph_across", 1, chunk_rows, path)?;
        add::<i8>(&mut heights, &g, &p, "signal_conf_ph", 5, chunk_rows, path)?;
        add::<i8>(&mut heights, &g, &p, "quality_ph", 1, chunk_rows, path)?;
        add::<u8>(&mut heights, &g, &p, "weight_ph", 1, chunk_rows, path)?;

        let p = format!("{root}/geolocation");
        let g = group(&gt, "geolocation", &p, path)?;
        let mut geolocation = ColumnSet::new(path);
        add::<i32>(&mut geolocation, &g, &p, "segment_id", 1, chunk_rows, path)?;
        add::<f64>(
            &mut geolocation,
            &g,
            &p,
            "segment_dist_x",
            1,
            chunk_rows,
            path,
        )?;
        add::<f64>(
            &mut geolocation,
            &g,
            &p,
            "segment_length",
            1,
            chunk_rows,
            path,
        )?;
        add::<i32>(
            &mut geolocation,
            &g,
            &p,
            "segment_ph_cnt",
            1,
            chunk_rows,
            path,
        )?;
        add::<i64>(
            &mut geolocation,
            &g,
            &p,
            "ph_index_beg",
            1,
            chunk_rows,
            path,
        )?;
        add::<f64>(
            &mut geolocation,
            &g,
            &p,
            "reference_photon_lat",
            1,
            chunk_rows,
            path,
        )?;
        add::<f64>(
            &mut geolocation,
            &g,
            &p,
            "reference_photon_lon",
            1,
            chunk_rows,
            path,
        )?;
        add::<f32>(&mut geolocation, &g, &p, "velocity_sc", 3, chunk_rows, path)?;
        add::<f64>(&mut geolocation, &g, &p, "delta_time", 1, chunk_rows, path)?;
        add::<f32>(
            &mut geolocation,
            &g,
            &p,
            "solar_elevation",
            1,
            chunk_rows,
            path,
        )?;

        let p = format!("{root}/bckgrd_atlas");
        let g = group(&gt, "bckgrd_atlas", &p, path)?;
        let mut background = ColumnSet::new(path);
        add::<f64>(&mut background, &g, &p, "delta_time", 1, chunk_rows, path)?;
        add::<f32>(&mut background, &g, &p, "bckgrd_rate", 1, chunk_rows, path)?;

        Ok(Self {
            heights,
            geolocation,
            background,
            photons: 0,
        })
    }

    /// Appends one block (its `ph_index_beg` counts from the block's first photon).
    pub(crate) fn append(&mut self, block: &Block) {
        let p = &block.photons;
        let h = &mut self.heights.columns;
        h[0].push(&p.h_ph);
        h[1].push(&p.lat_ph);
        h[2].push(&p.lon_ph);
        h[3].push(&p.delta_time);
        h[4].push(&p.dist_ph_along);
        h[5].push(&p.dist_ph_across);
        h[6].push_rows(&p.signal_conf_ph);
        h[7].push(&p.quality_ph);
        h[8].push(&p.weight_ph);

        let s = &block.segments;
        let before = self.photons;
        let index: Vec<i64> = s
            .ph_index_beg
            .iter()
            .map(|&i| if i == 0 { 0 } else { i + before })
            .collect();
        let g = &mut self.geolocation.columns;
        g[0].push(&s.segment_id);
        g[1].push(&s.segment_dist_x);
        g[2].push(&s.segment_length);
        g[3].push(&s.segment_ph_cnt);
        g[4].push(&index);
        g[5].push(&s.reference_photon_lat);
        g[6].push(&s.reference_photon_lon);
        g[7].push_rows(&s.velocity_sc);
        g[8].push(&s.delta_time);
        g[9].push(&s.solar_elevation);
        self.photons += p.len() as i64;
    }

    /// Writes every complete chunk appended so far.
    pub(crate) fn flush(&mut self) -> Result<()> {
        self.heights.flush(false)?;
        self.geolocation.flush(false)
    }

    /// Writes the background records and every remaining row.
    pub(crate) fn finish(mut self, background: &Background) -> Result<()> {
        let b = &mut self.background.columns;
        b[0].push(&background.delta_time);
        b[1].push(&background.bckgrd_rate);
        self.heights.flush(true)?;
        self.geolocation.flush(true)?;
        self.background.flush(true)
    }
}
