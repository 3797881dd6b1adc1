//! A small deterministic random number generator for seeded data.
//!
//! SplitMix64: the same seed gives the same sequence on every platform and every version of
//! this crate's dependencies, which a general-purpose RNG crate does not promise.

/// Deterministic pseudo-random numbers from a seed (SplitMix64).
#[derive(Debug, Clone)]
pub struct SeededRng {
    state: u64,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a bijection on `u64`, so distinct inputs give distinct outputs.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable 64-bit hash of a name (FNV-1a), to derive one stream per provider from a seed.
pub fn hash_name(name: &str) -> u64 {
    name.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// `[A-Za-z0-9_-]`: URL-safe ids and tokens (Monobank's token, Monzo's token bodies).
pub(crate) const ID_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// `[A-Za-z0-9]`: Monzo's object ids and secrets, upload keys.
pub(crate) const ALPHANUMERIC: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Lowercase hexadecimal digits: MoMo's keys, signatures.
pub(crate) const HEX: &[u8] = b"0123456789abcdef";

impl SeededRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRng { state: seed }
    }

    /// A generator for `seed` and a stream name (e.g. the provider's name).
    pub fn for_stream(seed: u64, stream: &str) -> Self {
        SeededRng::new(mix64(seed ^ hash_name(stream)))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// A number in `low..high` (`low` when the range is empty).
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = high.abs_diff(low);
        let offset = self.next_u64() % span;
        low.wrapping_add_unsigned(offset)
    }

    /// True with probability `numerator / denominator`.
    pub fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        denominator > 0 && self.next_u64() % denominator < numerator
    }

    /// One element of a non-empty slice (`None` when empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let len = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let index = usize::try_from(self.next_u64() % len).unwrap_or(0);
        items.get(index)
    }

    /// `len` characters from `[A-Za-z0-9_-]` (URL-safe, like most API ids).
    pub fn id(&mut self, len: usize) -> String {
        self.string_from(len, ID_ALPHABET)
    }

    /// `len` characters from `[A-Za-z0-9]`.
    pub fn alnum(&mut self, len: usize) -> String {
        self.string_from(len, ALPHANUMERIC)
    }

    /// `len` lowercase hexadecimal digits.
    pub fn hex(&mut self, len: usize) -> String {
        self.string_from(len, HEX)
    }

    /// `len` decimal digits.
    pub fn digits(&mut self, len: usize) -> String {
        self.string_from(len, b"0123456789")
    }

    /// `len` characters drawn from `alphabet` (ASCII).
    pub fn string_from(&mut self, len: usize, alphabet: &[u8]) -> String {
        let count = u64::try_from(alphabet.len()).unwrap_or(1).max(1);
        (0..len)
            .map(|_| {
                let index = usize::try_from(self.next_u64() % count).unwrap_or(0);
                char::from(alphabet.get(index).copied().unwrap_or(b'0'))
            })
            .collect()
    }
}

/// Standard base64 with padding (for ids and keys that look like the provider's).
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let mut a = SeededRng::for_stream(7, "monobank");
        let mut b = SeededRng::for_stream(7, "monobank");
        assert_eq!(a.next_u64(), b.next_u64());
        assert_eq!(a.id(16), b.id(16));
        assert_eq!(a.alnum(16), b.alnum(16));
        assert_eq!(a.hex(16), b.hex(16));
        assert_ne!(
            SeededRng::for_stream(8, "monobank").next_u64(),
            a.next_u64()
        );
    }

    #[test]
    fn helpers_draw_from_their_alphabets() {
        let mut rng = SeededRng::new(3);
        assert!(rng.hex(200).bytes().all(|b| HEX.contains(&b)));
        assert!(rng.alnum(200).bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(rng
            .id(200)
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(rng.hex(7).len(), 7);
    }

    #[test]
    fn range_stays_in_bounds() {
        let mut rng = SeededRng::new(1);
        for _ in 0..1000 {
            let n = rng.range(-5, 5);
            assert!((-5..5).contains(&n));
        }
    }

    #[test]
    fn base64_matches_the_standard_encoding() {
        assert_eq!(
            base64(b"any carnal pleasure."),
            "YW55IGNhcm5hbCBwbGVhc3VyZS4="
        );
        assert_eq!(
            base64(b"any carnal pleasure"),
            "YW55IGNhcm5hbCBwbGVhc3VyZQ=="
        );
        assert_eq!(base64(b"any carnal pleasur"), "YW55IGNhcm5hbCBwbGVhc3Vy");
    }
}
