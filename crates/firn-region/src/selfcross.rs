//! Simplicity of one ring: no two edges may meet except adjacent edges at their shared vertex.

use geo::{Coord, Intersects, Kernel, Line, Orientation};

/// Finds the first pair of edges that makes an open ring (no repeated closing vertex, no
/// consecutive duplicates) non-simple, as positions `(i, j)`, `i < j`, into the ring's edge list
/// (edge `i` runs from vertex `i` to vertex `i + 1`, the last one back to vertex 0).
///
/// Non-adjacent edges may not touch at all; adjacent edges may not fold back onto each other
/// (a spike). A sweep over edges sorted by their smallest x keeps the work near O(n log n) for
/// ordinary rings.
pub(crate) fn first_crossing(ring: &[Coord<f64>]) -> Option<(usize, usize)> {
    let n = ring.len();
    let edge = |i: usize| Line::new(ring[i], ring[(i + 1) % n]);
    let mut order: Vec<usize> = (0..n).collect();
    let min_x = |i: usize| ring[i].x.min(ring[(i + 1) % n].x);
    order.sort_by(|&a, &b| min_x(a).total_cmp(&min_x(b)));
    let mut found: Option<(usize, usize)> = None;
    for (k, &i) in order.iter().enumerate() {
        let a = edge(i);
        let a_max_x = a.start.x.max(a.end.x);
        for &j in &order[k + 1..] {
            if min_x(j) > a_max_x {
                break;
            }
            let b = edge(j);
            let bad = if (i + 1) % n == j {
                folds_back(a, b)
            } else if (j + 1) % n == i {
                folds_back(b, a)
            } else {
                a.intersects(&b)
            };
            if bad {
                let pair = (i.min(j), i.max(j));
                // Report the lowest pair for a stable message.
                found = Some(found.map_or(pair, |f| f.min(pair)));
            }
        }
    }
    found
}

/// Whether edge `second` (starting where `first` ends) runs back along `first`.
fn folds_back(first: Line<f64>, second: Line<f64>) -> bool {
    let collinear = <f64 as geo::GeoNum>::Ker::orient2d(first.start, first.end, second.end)
        == Orientation::Collinear;
    let d1 = first.end - first.start;
    let d2 = second.end - second.start;
    collinear && d1.x * d2.x + d1.y * d2.y < 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(pts: &[(f64, f64)]) -> Vec<Coord<f64>> {
        pts.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    #[test]
    fn square_is_simple() {
        assert_eq!(
            first_crossing(&ring(&[(0., 0.), (1., 0.), (1., 1.), (0., 1.)])),
            None
        );
    }

    #[test]
    fn bowtie_crosses_between_edges_0_and_2() {
        assert_eq!(
            first_crossing(&ring(&[(0., 0.), (1., 1.), (1., 0.), (0., 1.)])),
            Some((0, 2))
        );
    }

    #[test]
    fn spike_is_caught() {
        // 0 → 1 → 2 goes out to (2, 0) and comes back along the same line.
        assert_eq!(
            first_crossing(&ring(&[(0., 0.), (2., 0.), (1., 0.), (1., 1.)])),
            Some((0, 1))
        );
    }

    #[test]
    fn touching_vertex_is_caught() {
        // Vertex 3 lies on edge 0.
        assert!(
            first_crossing(&ring(&[(0., 0.), (2., 0.), (2., 2.), (1., 0.), (0., 2.)])).is_some()
        );
    }
}
