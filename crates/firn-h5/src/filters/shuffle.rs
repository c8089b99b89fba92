//! The shuffle filter (HDF5 filter 2): byte planes back into elements.

/// Un-shuffles `input` into `output`: the shuffled layout stores byte 0 of every element, then byte 1
/// of every element, and so on. Trailing bytes that do not fill an element are copied as they are.
pub(crate) fn unshuffle(input: &[u8], output: &mut [u8], element_size: usize) {
    debug_assert_eq!(input.len(), output.len());
    if element_size <= 1 || input.len() < element_size {
        output.copy_from_slice(input);
        return;
    }
    let count = input.len() / element_size;
    let body = count * element_size;
    match element_size {
        2 => unshuffle_fixed::<2>(&input[..body], &mut output[..body], count),
        4 => unshuffle_fixed::<4>(&input[..body], &mut output[..body], count),
        8 => unshuffle_fixed::<8>(&input[..body], &mut output[..body], count),
        _ => {
            for (plane, bytes) in input[..body].chunks_exact(count).enumerate() {
                for (i, &b) in bytes.iter().enumerate() {
                    output[i * element_size + plane] = b;
                }
            }
        }
    }
    output[body..].copy_from_slice(&input[body..]);
}

/// Un-shuffles with the element size known at compile time, so the inner loop is a fixed gather the
/// compiler can unroll and vectorise.
fn unshuffle_fixed<const N: usize>(input: &[u8], output: &mut [u8], count: usize) {
    let planes: [&[u8]; N] = std::array::from_fn(|p| &input[p * count..(p + 1) * count]);
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
                unshuffle(&shuffled, &mut back, element_size);
                assert_eq!(back, data, "element size {element_size}, length {len}");
            }
        }
    }
}
