//! Byte searches eight bytes at a time, for the scans that see every byte of
//! a file (line starts, `\r\n` in the checksum). Plain integer arithmetic,
//! so it is as fast in WebAssembly as natively.

const ONES: u64 = u64::from_ne_bytes([1; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Whether any byte of `word` may be `byte`: exact when it says no (a byte
/// of `word ^ byte` is zero exactly where they match; a borrow past a real
/// match may add a false yes, which callers check byte by byte anyway).
pub fn may_have_byte(word: u64, byte: u8) -> bool {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS != 0
}

/// The first index at or after `from` where `bytes` has either `a` or `b`.
pub fn find_either(bytes: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([a; 8]));
        if may_have_byte(word, a) || may_have_byte(word, b) {
            break;
        }
        i += 8;
    }
    bytes
        .get(i..)?
        .iter()
        .position(|&c| c == a || c == b)
        .map(|at| i + at)
}

/// The first index at or after `from` where `bytes` has `byte`.
pub fn find_byte(bytes: &[u8], from: usize, byte: u8) -> Option<usize> {
    find_either(bytes, from, byte, byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_at_every_alignment_as_a_plain_scan_does() {
        for len in 0..40 {
            for at in 0..=len {
                let mut bytes = vec![b'x'; len];
                if at < len {
                    bytes[at] = b'\r';
                }
                for from in 0..=len + 1 {
                    let plain = bytes
                        .iter()
                        .enumerate()
                        .skip(from)
                        .find(|&(_, &c)| c == b'\r' || c == 0x80)
                        .map(|(i, _)| i);
                    assert_eq!(
                        find_either(&bytes, from, b'\r', 0x80),
                        plain,
                        "len {len} at {at} from {from}"
                    );
                    assert_eq!(find_byte(&bytes, from, b'\r'), plain);
                }
            }
        }
        // High bytes around the one looked for.
        let bytes = "é\u{feff}😀\rx".as_bytes();
        assert_eq!(find_byte(bytes, 0, b'\r'), Some(bytes.len() - 2));
    }
}
