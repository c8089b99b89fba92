//! The hot loop does not allocate: a scratch pre-sized with `FitScratch::with_capacity` (or grown
//! by earlier extents) serves every later fit, counted by a global allocator on this thread.

#[allow(dead_code)] // each test binary uses part of the shared helpers
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use firn_atl06::{FitParams, FitScratch, Fitter};
use support::sim::{Scene, rng, simulate};

/// The system allocator, counting allocations per thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: allocations during thread teardown are not counted.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract; the counter
// is a const-initialised thread local, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: `ptr` came from this allocator (that is, from `System`) with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (that is, from `System`) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn fitting_with_a_sized_scratch_does_not_allocate() {
    // Strong and weak beams, flat and sloped, with background: every branch of the loop.
    let scenes = [
        Scene {
            noise_hz: 4e6,
            noise_half_window: 10.0,
            ..Scene::strong_flat()
        },
        Scene {
            signal_per_shot: 2.0,
            slope: 0.2,
            noise_hz: 1e6,
            ..Scene::strong_flat()
        },
        Scene {
            canopy: Some((10.0, 4.0)),
            noise_hz: 1e6,
            ..Scene::strong_flat()
        },
    ];
    let mut r = rng(21);
    let extents: Vec<_> = scenes
        .iter()
        .flat_map(|s| {
            (0..60)
                .map(|_| simulate(s, &mut r).extent)
                .collect::<Vec<_>>()
        })
        .collect();
    let views: Vec<_> = extents.iter().map(|e| e.view()).collect();
    let largest = extents.iter().map(|e| e.x.len()).max().unwrap();
    for params in [
        FitParams::default(),
        FitParams {
            h_min_win: 0.5,
            maxi: 8,
            ..FitParams::default()
        },
    ] {
        let fitter = Fitter::new(params).unwrap();
        let mut sized = FitScratch::with_capacity(largest);
        let mut grown = FitScratch::new();
        for v in &views {
            fitter.fit_extent(v, &mut grown).unwrap();
        }
        let before = allocations();
        let mut fitted = 0;
        for v in &views {
            for scratch in [&mut sized, &mut grown] {
                fitted += usize::from(fitter.fit_extent(v, scratch).unwrap().segment().is_some());
            }
        }
        assert_eq!(
            allocations() - before,
            0,
            "allocations in {} fits",
            2 * views.len()
        );
        assert_eq!(fitted, 2 * views.len());
    }
}
