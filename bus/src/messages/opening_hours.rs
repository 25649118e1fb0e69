//! Opening hours: `HH:MM-HH:MM` ranges separated by commas (a range may cross midnight, e.g.
//! `22:00-02:00`), `24/7`, or none at all (always open). A value that cannot be read is an error at
//! load time, reported once; such a POI is never proposed (better silent than sending a driver to a
//! closed door).

/// Seconds in a day.
const DAY_S: u32 = 86_400;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpeningHours {
    Always,
    /// (open, close) in seconds since midnight; close <= open means it closes after midnight.
    Ranges(Vec<(u32, u32)>),
}

fn hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    if (h < 24 && m < 60) || (h == 24 && m == 0) {
        Some(h * 3600 + m * 60)
    } else {
        None
    }
}

impl OpeningHours {
    /// Parses the `Poi::opening_hours` field (`None` = always open).
    pub fn parse(spec: Option<&str>) -> Result<Self, String> {
        let Some(spec) = spec.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(OpeningHours::Always);
        };
        if spec.eq_ignore_ascii_case("24/7") {
            return Ok(OpeningHours::Always);
        }
        let mut ranges = Vec::new();
        for part in spec.split(',') {
            let (a, b) = part
                .split_once('-')
                .ok_or_else(|| format!("'{part}' is not HH:MM-HH:MM"))?;
            let open = hhmm(a).ok_or_else(|| format!("bad time '{a}' in '{spec}'"))?;
            let close = hhmm(b).ok_or_else(|| format!("bad time '{b}' in '{spec}'"))?;
            if open == 0 && close == DAY_S {
                return Ok(OpeningHours::Always);
            }
            ranges.push((open % DAY_S, close % DAY_S));
        }
        if ranges.is_empty() {
            return Err(format!("no ranges in '{spec}'"));
        }
        Ok(OpeningHours::Ranges(ranges))
    }

    /// Open at `time_of_day_s` (any value; taken modulo a day).
    pub fn is_open_at(&self, time_of_day_s: f64) -> bool {
        match self {
            OpeningHours::Always => true,
            OpeningHours::Ranges(r) => {
                if !time_of_day_s.is_finite() {
                    return false;
                }
                let t = (time_of_day_s.rem_euclid(DAY_S as f64)) as u32;
                r.iter().any(|&(open, close)| {
                    if open < close {
                        t >= open && t < close
                    } else {
                        t >= open || t < close
                    }
                })
            }
        }
    }

    /// Open at `at` and still open `for_s` later (so the driver does not arrive at closing time).
    pub fn open_for(&self, at: f64, for_s: f64) -> bool {
        self.is_open_at(at) && self.is_open_at(at + for_s.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_midnight_and_errors() {
        let h = OpeningHours::parse(Some("07:00-12:00, 14:00-22:30")).expect("valid");
        assert!(h.is_open_at(8.0 * 3600.0));
        assert!(!h.is_open_at(13.0 * 3600.0));
        assert!(!h.open_for(22.0 * 3600.0, 1800.0), "closes in 30 min");
        let night = OpeningHours::parse(Some("22:00-02:00")).expect("valid");
        assert!(night.is_open_at(23.5 * 3600.0) && night.is_open_at(3600.0));
        assert!(!night.is_open_at(12.0 * 3600.0));
        assert!(night.is_open_at(86_400.0 + 3600.0), "next day wraps");
        assert_eq!(OpeningHours::parse(None), Ok(OpeningHours::Always));
        assert_eq!(
            OpeningHours::parse(Some("00:00-24:00")),
            Ok(OpeningHours::Always)
        );
        assert!(OpeningHours::parse(Some("9-5")).is_err());
        assert!(OpeningHours::parse(Some("25:00-26:00")).is_err());
    }
}
