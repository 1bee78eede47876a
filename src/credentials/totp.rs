//! TOTP (RFC 6238) as AWS virtual MFA devices use it: SHA-1, six digits, 30-second steps. It
//! checks the two codes a user types before AWS is asked to enable a device with them.

use crate::ui::Secret;
use totp_rs::{Algorithm, TOTP};

const STEP: i64 = 30;

/// Whether `codes` are two consecutive codes of `secret` (base32) around `now` (Unix seconds):
/// the second may be up to two minutes old (typing takes time) or one step ahead (clock drift).
pub(crate) fn consecutive(secret: &Secret, codes: (&str, &str), now: i64) -> bool {
    let Some(totp) = generator(secret) else {
        return false;
    };
    (-4..=1).any(|offset| {
        let second = now + offset * STEP;
        second >= STEP
            && totp.generate((second - STEP) as u64) == codes.0
            && totp.generate(second as u64) == codes.1
    })
}

fn generator(secret: &Secret) -> Option<TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret.expose().to_string())
        .to_bytes()
        .ok()?;
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        0,
        STEP as u64,
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 key, "12345678901234567890", in base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let totp = generator(&Secret::new(RFC_SECRET)).unwrap();
        assert_eq!(totp.generate(59), "287082");
        assert_eq!(totp.generate(1_111_111_109), "081804");
    }

    #[test]
    fn two_consecutive_codes_pass_and_anything_else_fails() {
        let secret = Secret::new(RFC_SECRET);
        let totp = generator(&secret).unwrap();
        let now = 1_700_000_000;
        let code = |t: i64| totp.generate(t as u64);
        let (first, second) = (code(now - 30), code(now));
        assert!(consecutive(&secret, (&first, &second), now));
        assert!(
            consecutive(&secret, (&first, &second), now + 90),
            "typed slowly"
        );
        assert!(!consecutive(&secret, (&second, &first), now), "swapped");
        assert!(
            !consecutive(&secret, (&first, &first), now),
            "the same code twice"
        );
        assert!(
            !consecutive(&secret, (&first, &second), now + 600),
            "too old"
        );
        assert!(!consecutive(
            &Secret::new("not base32!"),
            (&first, &second),
            now
        ));
    }
}
