//! Kubernetes resource quantities (`100m`, `64Mi`, `1.5`, `2e3`): the one parser the provider
//! uses, to validate them, to compare requests with limits, and to tell a quantity the server
//! rewrote (`1000m` → `1`) from a change.

/// The value of a quantity, or `None` when the string is not one: an optional sign, a decimal
/// number, then nothing, a decimal exponent (`e3`), or one suffix (`n u m k M G T P E` or
/// `Ki Mi Gi Ti Pi Ei`).
#[must_use]
pub fn parse(s: &str) -> Option<f64> {
    let (sign, unsigned) = match s.as_bytes().first()? {
        b'+' => (1.0, &s[1..]),
        b'-' => (-1.0, &s[1..]),
        _ => (1.0, s),
    };
    let split = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(split);
    if number.is_empty() || number == "." {
        return None;
    }
    let number: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.len() > 1 && e.starts_with(['e', 'E']) => {
            let exponent = &e[1..];
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            10f64.powi(exponent.parse().ok()?)
        }
        _ => return None,
    };
    // Zero is zero at any scale (`0e+364` would be 0 × ∞, not a number); a quantity too large
    // or too small for an f64 has no value to compare.
    if number == 0.0 {
        return Some(0.0);
    }
    let value = sign * number * scale;
    value.is_finite().then_some(value)
}

/// Whether two strings are the same quantity written differently (`"1000m"` and `"1"`,
/// `"1024Mi"` and `"1Gi"`), which the server normalises.
#[must_use]
pub fn equal(a: &str, b: &str) -> bool {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => (x - y).abs() <= f64::EPSILON * x.abs().max(y.abs()).max(1.0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_as_kubernetes_reads_them() {
        let cases = [
            ("100m", Some(0.1)),
            ("2000m", Some(2.0)),
            ("1", Some(1.0)),
            ("0.5", Some(0.5)),
            (".5", Some(0.5)),
            ("64Mi", Some(64.0 * 1024.0 * 1024.0)),
            ("1Gi", Some(1024.0 * 1024.0 * 1024.0)),
            ("1G", Some(1e9)),
            ("1e3", Some(1000.0)),
            ("2E-2", Some(0.02)),
            ("+5k", Some(5000.0)),
            ("-1", Some(-1.0)),
            ("lots", None),
            ("1Mb", None),
            ("64MB", None),
            ("", None),
            (".", None),
            ("1e", None),
            ("1e+", None),
            ("m", None),
            ("1 Gi", None),
            // Found by the fuzz suite: 0 × 10^364 was NaN.
            ("0e+364", Some(0.0)),
            ("-0.0e+999", Some(0.0)),
            ("1e+400", None),
        ];
        for (q, want) in cases {
            assert_eq!(parse(q), want, "{q}");
        }
        // A mantissa too long for an f64 (infinite) at a scale that underflows to zero.
        assert_eq!(parse(&format!("{}e-400", "9".repeat(400))), None);
        assert!(equal("1000m", "1") && equal("1024Mi", "1Gi") && !equal("1", "2") && !equal("x", "x"));
    }
}
