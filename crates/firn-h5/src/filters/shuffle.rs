//! The shuffle filter (HDF5 filter 2): byte planes back into elements.

/// Un-shuffles elements `first..` of `input` into `output`: the shuffled layout stores byte 0 of
/// every element, then byte 1 of every element, and so on; `output` receives the elements from
/// `first` on, as many as it holds, so clipping a chunk to the rows wanted costs no extra copy.
/// Trailing bytes that do not fill an element are copied as they are.
///
/// `output` must end on an element boundary or at the end of `input`.
pub(crate) fn unshuffle(input: &[u8], output: &mut [u8], element_size: usize, first: usize) {
    let skip = first * element_size;
    debug_assert!(skip + output.len() <= input.len());
    if element_size <= 1 || input.len() < element_size {
        output.copy_from_slice(&input[skip..skip + output.len()]);
        return;
    }
    let count = input.len() / element_size;
    let body = count * element_size;
    let elements = (body.saturating_sub(skip).min(output.len())) / element_size;
    debug_assert!(
        output.len() == elements * element_size || skip + output.len() == input.len(),
        "output ends inside an element"
    );
    let (head, tail) = output.split_at_mut(elements * element_size);
    let input_body = &input[..body];
    match element_size {
        2 => unshuffle_fixed::<2>(input_body, head, count, first),
        4 => unshuffle_fixed::<4>(input_body, head, count, first),
        8 => unshuffle_fixed::<8>(input_body, head, count, first),
        _ => {
            for (plane, bytes) in input_body.chunks_exact(count).enumerate() {
                for (i, &b) in bytes[first..first + elements].iter().enumerate() {
                    head[i * element_size + plane] = b;
                }
            }
        }
    }
    let tail_start = skip + head.len();
    tail.copy_from_slice(&input[tail_start..tail_start + tail.len()]);
}

/// Un-shuffles with the element size known at compile time, so the inner loop is a fixed gather the
/// compiler can unroll and vectorise.
fn unshuffle_fixed<const N: usize>(input: &[u8], output: &mut [u8], count: usize, first: usize) {
    let elements = output.len() / N;
    let planes: [&[u8]; N] =
        std::array::from_fn(|p| &input[p * count + first..p * count + first + elements]);
    for (i, element) in output.chunks_exact_mut(N).enumerate() {
        for (p, plane) in planes.iter().enumerate() {
            element[p] = plane[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unshuffle;

    fn shuffle(input: &[u8], element_size: usize) -> Vec<u8> {
        let count = input.len() / element_size;
        let body = count * element_size;
        let mut out = vec![0; input.len()];
        for i in 0..count {
            for b in 0..element_size {
                out[b * count + i] = input[i * element_size + b];
            }
        }
        out[body..].copy_from_slice(&input[body..]);
        out
    }

    #[test]
    fn unshuffle_inverts_shuffle_for_every_element_size() {
        for element_size in [1, 2, 3, 4, 5, 8, 16] {
            for len in [0, 1, 7, 64, 1001] {
                let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
                let shuffled = shuffle(&data, element_size);
                let mut back = vec![0; len];
                unshuffle(&shuffled, &mut back, element_size, 0);
                assert_eq!(back, data, "element size {element_size}, length {len}");
            }
        }
    }

    #[test]
    fn unshuffle_of_a_part_gives_those_elements() {
        for element_size in [1, 2, 3, 4, 5, 8, 16] {
            let count = 50;
            let data: Vec<u8> = (0..count * element_size + element_size / 2)
                .map(|i| (i * 37 % 253) as u8)
                .collect();
            let shuffled = shuffle(&data, element_size);
            for (first, n) in [(0, 50), (0, 1), (7, 13), (49, 1), (20, 30)] {
                let from = first * element_size;
                // Up to the end of the input, the trailing bytes come along.
                let to = if first + n == count {
                    data.len()
                } else {
                    (first + n) * element_size
                };
                let mut part = vec![0; to - from];
                unshuffle(&shuffled, &mut part, element_size, first);
                assert_eq!(
                    part,
                    data[from..to],
                    "element size {element_size}, elements {first}..{}",
                    first + n
                );
            }
        }
    }
}
