//! Exact, arbitrary-precision decimal numbers, as cty's `number` type holds them.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The largest decimal exponent magnitude [`Number::parse`] accepts (far beyond any `f64`), which keeps
/// the plain decimal text of a number bounded.
pub const MAX_EXPONENT: i64 = 4096;

const TWO_POW_53: f64 = 9_007_199_254_740_992.0;

/// A cty number: an exact decimal of any precision.
///
/// It is kept normalized (no sign on zero, no leading or trailing zeros), so equality is numeric
/// equality: `1`, `1.0`, `1e0` and `"1"` are the same number. Infinities and NaN are not numbers here.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// Significant digits, ASCII, neither leading nor trailing zeros; empty for zero.
    digits: String,
    /// The value is `digits × 10^exponent`.
    exponent: i64,
}

impl Number {
    /// Zero.
    pub fn zero() -> Number {
        Number {
            negative: false,
            digits: String::new(),
            exponent: 0,
        }
    }

    /// The number equal to an `i64`.
    pub fn from_i64(i: i64) -> Number {
        Self::parse(&i.to_string()).unwrap_or_else(Number::zero)
    }

    /// The number equal to a `u64`.
    pub fn from_u64(u: u64) -> Number {
        Self::parse(&u.to_string()).unwrap_or_else(Number::zero)
    }

    /// The number an `f64` stands for as cty compares numbers: a whole `f64` gives exactly its value
    /// (`2^63` is `9223372036854775808`), any other the shortest decimal that reads back as it
    /// (`0.1_f64` is `0.1`); `None` for infinities and NaN.
    pub fn from_f64(f: f64) -> Option<Number> {
        if !f.is_finite() {
            return None;
        }
        if f.abs() < TWO_POW_53 {
            return Self::parse(&format!("{f:e}"));
        }
        // Every f64 this large is whole: mantissa × 2^e with e ≥ 1. Write it out exactly.
        let bits = f.to_bits();
        let e = ((bits >> 52) & 0x7ff) as i64 - 1075;
        let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
        // Decimal digits, least significant first.
        let mut v: Vec<u8> = mantissa.to_string().bytes().rev().map(|c| c - b'0').collect();
        for _ in 0..e {
            let mut carry = 0;
            for d in v.iter_mut() {
                let x = *d * 2 + carry;
                *d = x % 10;
                carry = x / 10;
            }
            if carry > 0 {
                v.push(carry);
            }
        }
        let sign = if f < 0.0 { "-" } else { "" };
        Self::parse(&format!(
            "{sign}{}",
            v.iter().rev().map(|d| char::from(b'0' + d)).collect::<String>()
        ))
    }

    /// Parses a decimal such as `-12`, `1.50`, `.5`, `1e3` or `2.5E-7` (an optional sign, digits with
    /// an optional point, an optional exponent); `None` if the text is not such a decimal or its
    /// exponent is beyond [`MAX_EXPONENT`].
    pub fn parse(s: &str) -> Option<Number> {
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if let Some(&c) = bytes.first()
            && (c == b'+' || c == b'-')
        {
            negative = c == b'-';
            i = 1;
        }
        let mut digits = String::new();
        let mut frac_len: i64 = 0;
        let mut seen_digit = false;
        let mut seen_point = false;
        while i < bytes.len() {
            let c = bytes[i];
            if c.is_ascii_digit() {
                seen_digit = true;
                if !(digits.is_empty() && c == b'0') {
                    digits.push(c as char);
                }
                if seen_point {
                    frac_len += 1;
                }
            } else if c == b'.' && !seen_point {
                seen_point = true;
            } else {
                break;
            }
            i += 1;
        }
        if !seen_digit {
            return None;
        }
        let mut exp: i64 = 0;
        if i < bytes.len() {
            if bytes[i] != b'e' && bytes[i] != b'E' {
                return None;
            }
            let rest = &s[i + 1..];
            let unsigned = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if unsigned.is_empty() || !unsigned.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let trimmed = unsigned.trim_start_matches('0');
            if trimmed.len() > 12 {
                return None;
            }
            exp = trimmed.parse::<i64>().unwrap_or(0);
            if rest.starts_with('-') {
                exp = -exp;
            }
        }
        if digits.is_empty() {
            return Some(Number::zero());
        }
        // Leading zeros of the fraction were skipped above but still counted in frac_len, which is
        // right: "0.05" gives digits "5", frac_len 2.
        let trailing = digits.len() - digits.trim_end_matches('0').len();
        digits.truncate(digits.len() - trailing);
        let exponent = exp - frac_len + trailing as i64;
        let adjusted = exponent + digits.len() as i64;
        if !(-MAX_EXPONENT..=MAX_EXPONENT).contains(&adjusted) {
            return None;
        }
        Some(Number {
            negative,
            digits,
            exponent,
        })
    }

    /// Whether this number is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Whether this number is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Whether this number is a whole number.
    pub fn is_integer(&self) -> bool {
        self.exponent >= 0
    }

    /// The number as an `i64`, if it is a whole number in `i64`'s range.
    pub fn as_i64(&self) -> Option<i64> {
        if !self.is_integer() || self.digits.len() as i64 + self.exponent > 19 {
            return None;
        }
        self.integer_text().parse().ok()
    }

    /// The number as a `u64`, if it is a whole number in `u64`'s range.
    pub fn as_u64(&self) -> Option<u64> {
        if self.negative || !self.is_integer() || self.digits.len() as i64 + self.exponent > 20 {
            return None;
        }
        self.integer_text().parse().ok()
    }

    /// The `f64` nearest to this number; `None` if it is beyond `f64`'s range.
    pub fn as_f64(&self) -> Option<f64> {
        if self.is_zero() {
            return Some(0.0);
        }
        let sign = if self.negative { "-" } else { "" };
        let f: f64 = format!("{sign}{}e{}", self.digits, self.exponent).parse().ok()?;
        f.is_finite().then_some(f)
    }

    /// Whether an `f64` stands for this number as cty compares numbers: a whole number must be exactly
    /// the `f64`'s value (cty compares integers exactly, so `2^63` is one but `9223372036854776000`
    /// is not), any other number must be the shortest decimal of the `f64` (cty compares fractions by
    /// that decimal, so `0.1` is one).
    pub fn is_exact_f64(&self) -> bool {
        let Some(f) = self.as_f64() else {
            return false;
        };
        if !self.is_integer() {
            return Number::from_f64(f).is_some_and(|n| &n == self);
        }
        // digits × 10^exponent = (odd part of digits) × 5^exponent × 2^(...): an f64 holds it exactly
        // when that odd factor fits the 53-bit significand (and `as_f64` found it in range).
        if self.is_zero() {
            return true;
        }
        if self.exponent > 22 {
            return false; // 5^23 > 2^53
        }
        let mut v: Vec<u8> = self.digits.bytes().map(|c| c - b'0').collect();
        while v.last().is_some_and(|d| d % 2 == 0) {
            let mut rem = 0u8;
            for d in v.iter_mut() {
                let cur = rem * 10 + *d;
                *d = cur / 2;
                rem = cur % 2;
            }
            if v.first() == Some(&0) {
                v.remove(0);
            }
        }
        if v.len() > 16 {
            return false;
        }
        let odd = v.iter().fold(0u64, |acc, &d| acc * 10 + u64::from(d));
        5u64.checked_pow(self.exponent as u32)
            .and_then(|p| odd.checked_mul(p))
            .is_some_and(|x| x < 1 << 53)
    }

    /// Sign and digits of a whole number (the caller checked `is_integer`).
    fn integer_text(&self) -> String {
        let mut s = String::with_capacity(self.digits.len() + self.exponent as usize + 1);
        if self.negative {
            s.push('-');
        }
        if self.digits.is_empty() {
            s.push('0');
        }
        s.push_str(&self.digits);
        for _ in 0..self.exponent {
            s.push('0');
        }
        s
    }

    /// Position of the most significant digit: `digits × 10^exponent` is in `[10^(m-1), 10^m)`.
    fn magnitude(&self) -> i64 {
        self.digits.len() as i64 + self.exponent
    }

    fn cmp_abs(&self, other: &Number) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            // Digits carry no trailing zeros, so at equal magnitude a plain string comparison orders
            // them (a proper prefix is the smaller one).
            (false, false) => self
                .magnitude()
                .cmp(&other.magnitude())
                .then_with(|| self.digits.cmp(&other.digits)),
        }
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_abs(other),
            (true, true) => other.cmp_abs(self),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    /// Plain decimal text, never with an exponent: `-12`, `0.05`, `1000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_integer() {
            return f.write_str(&self.integer_text());
        }
        if self.negative {
            f.write_str("-")?;
        }
        let point = self.magnitude();
        if point > 0 {
            let (int, frac) = self.digits.split_at(point as usize);
            write!(f, "{int}.{frac}")
        } else {
            f.write_str("0.")?;
            for _ in 0..-point {
                f.write_str("0")?;
            }
            f.write_str(&self.digits)
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl FromStr for Number {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Number, crate::Error> {
        Number::parse(s).ok_or_else(|| crate::Error::Syntax {
            format: "number",
            message: format!("expected a decimal number, got {s:?}"),
        })
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Number {
        Number::from_i64(i)
    }
}

impl From<i32> for Number {
    fn from(i: i32) -> Number {
        Number::from_i64(i.into())
    }
}

impl From<u64> for Number {
    fn from(u: u64) -> Number {
        Number::from_u64(u)
    }
}

impl From<u32> for Number {
    fn from(u: u32) -> Number {
        Number::from_u64(u.into())
    }
}

impl From<usize> for Number {
    fn from(u: usize) -> Number {
        Number::from_u64(u as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn normalizes() {
        assert_eq!(n("1"), n("1.0"));
        assert_eq!(n("1"), n("1e0"));
        assert_eq!(n("1000"), n("1e3"));
        assert_eq!(n("1000"), n("1.000E+3"));
        assert_eq!(n("0"), n("-0.000"));
        assert_eq!(n("-0").to_string(), "0");
        assert_eq!(n("007.50").to_string(), "7.5");
        assert_eq!(n(".5").to_string(), "0.5");
        assert_eq!(n("5.").to_string(), "5");
        assert_eq!(n("+12").to_string(), "12");
        assert_eq!(n("0.05").to_string(), "0.05");
        assert_eq!(n("-2.5e-7").to_string(), "-0.00000025");
        assert_eq!(n("1.2345e2").to_string(), "123.45");
        assert_eq!(
            n("12345678901234567890123.5").to_string(),
            "12345678901234567890123.5"
        );
        assert_eq!(n("100").to_string(), "100");
    }

    #[test]
    fn rejects() {
        for s in [
            "", "-", ".", "e3", "1e", "1e+", "1.2.3", "abc", "1x", "NaN", "inf", "0x10", "1e99999",
        ] {
            assert_eq!(Number::parse(s), None, "{s}");
        }
        assert!("1x".parse::<Number>().is_err());
    }

    #[test]
    fn conversions() {
        assert_eq!(Number::from_i64(i64::MIN).as_i64(), Some(i64::MIN));
        assert_eq!(Number::from_i64(i64::MAX).as_i64(), Some(i64::MAX));
        assert_eq!(Number::from_u64(u64::MAX).as_u64(), Some(u64::MAX));
        assert_eq!(Number::from_u64(u64::MAX).as_i64(), None);
        assert_eq!(n("-1").as_u64(), None);
        assert_eq!(n("1.5").as_i64(), None);
        assert_eq!(n("1e3").as_i64(), Some(1000));
        assert_eq!(n("1e30").as_i64(), None);
        assert_eq!(n("0").as_u64(), Some(0));
        assert_eq!(Number::from_f64(0.1), Some(n("0.1")));
        assert_eq!(
            Number::from_f64(9.223372036854776e18),
            Some(n("9223372036854775808"))
        );
        assert_eq!(Number::from_f64(-1e23), Some(n("-99999999999999991611392")));
        assert_eq!(Number::from_f64(1e22), Some(n("1e22")));
        assert_eq!(
            Number::from_f64(f64::MAX).and_then(|n| n.as_f64()),
            Some(f64::MAX)
        );
        assert_eq!(
            Number::from_f64(-1.5e300).map(|n| n.as_f64()),
            Some(Some(-1.5e300))
        );
        assert_eq!(Number::from_f64(f64::NAN), None);
        assert_eq!(Number::from_f64(-0.0), Some(Number::zero()));
        assert!(n("1.5").is_exact_f64());
        assert!(!n("12345678901234567890123.5").is_exact_f64());
        assert!(!n("0.10000000000000000001").is_exact_f64());
        assert!(n("0.1").is_exact_f64());
        assert!(n("9223372036854775808").is_exact_f64());
        assert!(!n("9223372036854776000").is_exact_f64());
        assert!(!n("9007199254740993").is_exact_f64());
        assert!(n("9007199254740992").is_exact_f64());
        assert!(n("1e22").is_exact_f64());
        assert!(!n("1e23").is_exact_f64());
        assert!(n("-4096e20").is_exact_f64());
        assert!(!n(&u64::MAX.to_string()).is_exact_f64());
        assert_eq!(n("1e4000").as_f64(), None);
        assert_eq!(Number::from(7_u32), n("7"));
    }

    #[test]
    fn ordering() {
        let sorted = [
            "-1e10", "-2", "-1.5", "-1", "-0.001", "0", "0.001", "0.01", "1", "1.01", "1.1", "2", "10",
        ];
        for w in sorted.windows(2) {
            assert!(n(w[0]) < n(w[1]), "{} < {}", w[0], w[1]);
            assert!(n(w[1]) > n(w[0]), "{} > {}", w[1], w[0]);
        }
        assert_eq!(n("1.0").cmp(&n("1")), Ordering::Equal);
    }
}
