//! Moving a tensor's axes on its raw bytes: torch stores convolution weights channels-first,
//! MLX channels-last, and a checkpoint's tensors arrive as bytes of any dtype.

/// Which torch layout a port parameter's weight needs moving from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvLayout {
    /// torch (O, I, k...) → MLX (O, k..., I).
    Conv,
    /// torch (I, O, k...) → MLX (O, k..., I).
    ConvTranspose,
}

impl ConvLayout {
    /// The source axis of each destination axis, for a weight of `rank` dimensions.
    pub fn permutation(self, rank: usize) -> Vec<usize> {
        let kernel = 2..rank;
        match self {
            ConvLayout::Conv => std::iter::once(0).chain(kernel).chain([1]).collect(),
            ConvLayout::ConvTranspose => std::iter::once(1).chain(kernel).chain([0]).collect(),
        }
    }
}

/// The row-major bytes of the tensor whose axis `i` is axis `perm[i]` of the input.
pub fn permute(data: &[u8], element_bytes: usize, shape: &[usize], perm: &[usize]) -> Vec<u8> {
    let rank = shape.len();
    let mut strides = vec![element_bytes; rank];
    for axis in (0..rank.saturating_sub(1)).rev() {
        strides[axis] = strides[axis + 1] * shape[axis + 1];
    }
    let out_shape: Vec<usize> = perm.iter().map(|&axis| shape[axis]).collect();
    let out_strides: Vec<usize> = perm.iter().map(|&axis| strides[axis]).collect();
    let mut out = Vec::with_capacity(data.len());
    if data.is_empty() {
        return out;
    }
    // An odometer over the output's indices, tracking the matching input offset.
    let mut index = vec![0usize; rank];
    let mut offset = 0usize;
    loop {
        out.extend_from_slice(&data[offset..offset + element_bytes]);
        let mut axis = rank;
        loop {
            if axis == 0 {
                return out;
            }
            axis -= 1;
            index[axis] += 1;
            offset += out_strides[axis];
            if index[axis] < out_shape[axis] {
                break;
            }
            offset -= out_strides[axis] * out_shape[axis];
            index[axis] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conv2d_weight_goes_channels_last() {
        // (O=2, I=3, kh=1, kw=2), value = its own flat index.
        let data: Vec<u8> = (0..12).collect();
        let perm = ConvLayout::Conv.permutation(4);
        assert_eq!(perm, [0, 2, 3, 1]);
        let moved = permute(&data, 1, &[2, 3, 1, 2], &perm);
        // (O, kh, kw, I): out[o][0][w][i] = in[o][i][0][w] = o*6 + i*2 + w.
        assert_eq!(moved, [0, 2, 4, 1, 3, 5, 6, 8, 10, 7, 9, 11]);
    }

    #[test]
    fn a_conv_transpose1d_weight_puts_out_channels_first() {
        // (I=2, O=3, k=1) in 2-byte elements.
        let data: Vec<u8> = (0..12).collect();
        let perm = ConvLayout::ConvTranspose.permutation(3);
        assert_eq!(perm, [1, 2, 0]);
        let moved = permute(&data, 2, &[2, 3, 1], &perm);
        // out[o][0][i] = in[i][o][0]: elements 0,3,1,4,2,5.
        assert_eq!(moved, [0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]);
    }
}
