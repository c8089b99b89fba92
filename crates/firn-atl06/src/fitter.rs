//! The validated entry points: one extent, or a whole beam in parallel.

use rayon::prelude::*;

use crate::error::Result;
use crate::extent::{BeamExtents, ExtentPhotons, Real};
use crate::fit::{FitScratch, background_density, fit_core};
use crate::flags::apply_drop_rule;
use crate::params::FitParams;
use crate::record::{FitOutcome, Segment};

/// Validated fit parameters, ready to fit extents.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitter {
    params: FitParams,
}

impl Fitter {
    /// Validates `params`; the error names the first bad parameter.
    pub fn new(params: FitParams) -> Result<Self> {
        params.validate()?;
        Ok(Fitter { params })
    }

    /// The parameters.
    pub fn params(&self) -> &FitParams {
        &self.params
    }

    /// Fits one extent (SPEC §6 pre-checks and §7), before the drop rule.
    ///
    /// Fails only when speed, background rate and `len` give a non-finite background density.
    pub fn fit_extent<F: Real>(
        &self,
        extent: &ExtentPhotons<'_, F>,
        scratch: &mut FitScratch,
    ) -> Result<FitOutcome> {
        let m = extent.meta();
        let density = background_density(self.params.len_m, m.speed, m.background_rate)?;
        Ok(fit_core(&self.params, extent, density, scratch))
    }

    /// Fits every extent of a beam in parallel (rayon), one outcome per extent, in extent order.
    pub fn fit_beam_outcomes<F: Real>(&self, beam: &BeamExtents<F>) -> Result<Vec<FitOutcome>> {
        let densities = self.densities(beam)?;
        Ok(beam
            .specs()
            .par_iter()
            .zip(densities.par_iter())
            .map_init(FitScratch::new, |scratch, (spec, &density)| {
                fit_core(&self.params, &beam.view(spec), density, scratch)
            })
            .collect())
    }

    /// Fits every extent of a beam in parallel and applies the drop rule: the output rows, in
    /// extent order.
    pub fn fit_beam<F: Real>(&self, beam: &BeamExtents<F>) -> Result<Vec<Segment>> {
        let densities = self.densities(beam)?;
        let pass_invalid = self.params.pass_invalid;
        Ok(beam
            .specs()
            .par_iter()
            .zip(densities.par_iter())
            .map_init(FitScratch::new, |scratch, (spec, &density)| {
                fit_core(&self.params, &beam.view(spec), density, scratch)
            })
            .filter_map(|outcome| apply_drop_rule(outcome, pass_invalid))
            .collect())
    }

    /// Every extent's background density, checked in order so the first bad extent is reported.
    fn densities<F: Real>(&self, beam: &BeamExtents<F>) -> Result<Vec<f64>> {
        beam.specs()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                background_density(self.params.len_m, s.meta.speed, s.meta.background_rate)
                    .map_err(|e| e.in_extent(i))
            })
            .collect()
    }
}
