//! Object-lock default retention of a bucket: every new object version is locked for a period.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// How strictly a retention holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum RetentionMode {
    /// Users with `s3:BypassGovernanceRetention` may delete early.
    Governance,
    /// Nobody may delete or shorten the retention before it ends, not even the root user.
    Compliance,
}

impl RetentionMode {
    /// The S3 name (`GOVERNANCE`, `COMPLIANCE`).
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionMode::Governance => "GOVERNANCE",
            RetentionMode::Compliance => "COMPLIANCE",
        }
    }

    /// Parses the S3 name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "GOVERNANCE" => Some(RetentionMode::Governance),
            "COMPLIANCE" => Some(RetentionMode::Compliance),
            _ => None,
        }
    }
}

/// How long the default retention lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionPeriod {
    /// A number of days (1–36,500).
    Days(u32),
    /// A number of years (1–100).
    Years(u32),
}

/// The default retention of a lock-enabled bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DefaultRetention {
    /// Mode.
    pub mode: RetentionMode,
    /// Period.
    pub period: RetentionPeriod,
}

impl DefaultRetention {
    /// A retention of `mode` for `period`.
    pub fn new(mode: RetentionMode, period: RetentionPeriod) -> Self {
        DefaultRetention { mode, period }
    }

    /// A retention of `days` days.
    pub fn days(mode: RetentionMode, days: u32) -> Self {
        DefaultRetention {
            mode,
            period: RetentionPeriod::Days(days),
        }
    }

    /// A retention of `years` years.
    pub fn years(mode: RetentionMode, years: u32) -> Self {
        DefaultRetention {
            mode,
            period: RetentionPeriod::Years(years),
        }
    }
}

/// Checks a default retention: 1–36,500 days or 1–100 years.
pub fn validate_retention(field: &str, r: &DefaultRetention) -> Result<()> {
    let (n, max, unit) = match r.period {
        RetentionPeriod::Days(d) => (d, 36_500, "days"),
        RetentionPeriod::Years(y) => (y, 100, "years"),
    };
    if n == 0 || n > max {
        return Err(Error::invalid_input(
            format!("{field}.period"),
            format!("must be 1 to {max} {unit} (got {n})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_bounded() {
        let ok = DefaultRetention::days(RetentionMode::Governance, 1);
        validate_retention("r", &ok).unwrap();
        let e = validate_retention("r", &DefaultRetention::days(RetentionMode::Governance, 0))
            .unwrap_err();
        assert_eq!(e.field(), Some("r.period"));
        assert!(
            validate_retention(
                "r",
                &DefaultRetention::years(RetentionMode::Compliance, 101)
            )
            .is_err()
        );
        assert_eq!(
            RetentionMode::parse("COMPLIANCE"),
            Some(RetentionMode::Compliance)
        );
    }
}
