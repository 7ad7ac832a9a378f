//! Organisation attributes and the fixed lattice of peer cohorts built from them.
//!
//! The published lattice is `all` plus one cell per value of each dimension
//! (`size:1k-4.9k`, `region:latam`, …). Nothing else can be queried, which keeps the number
//! of overlapping cells small enough for the differencing checks of the anonymity policy.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Defines an enum whose values serialize as their keys, with `ALL`, `key`, `label` and
/// `from_key` (organisation attributes here; tiers, statuses and the like elsewhere).
macro_rules! keyed_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => ($key:literal, $label:literal)),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $key)] $variant),+
        }

        // Written out: utoipa's derive does not see a `rename` given through a macro.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::SchemaType::Type(
                        utoipa::openapi::schema::Type::String,
                    ))
                    .enum_values(Some([$($key),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The key used in API bodies, cohort keys and the database.
            pub fn key(self) -> &'static str {
                match self { $(Self::$variant => $key),+ }
            }

            /// Human-readable label.
            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),+ }
            }

            pub fn from_key(key: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.key() == key)
            }
        }
    };
}
pub(crate) use keyed_enum;

keyed_enum! {
    /// Number of agent seats.
    SeatBand {
        Lt250 => ("lt250", "<250 seats"),
        From250 => ("250-999", "250–999 seats"),
        From1k => ("1k-4.9k", "1k–4.9k seats"),
        From5k => ("5k-19.9k", "5k–19.9k seats"),
        From20k => ("20k+", "20k+ seats"),
    }
}

keyed_enum! {
    /// Region of the headquarters.
    Region {
        NorthAmerica => ("north-america", "North America"),
        Latam => ("latam", "Latin America"),
        Europe => ("europe", "Europe"),
        AfricaMiddleEast => ("africa-me", "Africa & Middle East"),
        SouthAsia => ("south-asia", "South Asia"),
        SoutheastAsia => ("southeast-asia", "Southeast Asia"),
        EastAsiaPacific => ("east-asia-pacific", "East Asia & Pacific"),
    }
}

keyed_enum! {
    /// An industry served; an organisation serves one or more.
    Vertical {
        Banking => ("banking", "Banking"),
        Insurance => ("insurance", "Insurance"),
        Healthcare => ("healthcare", "Healthcare"),
        Telecom => ("telecom", "Telecom"),
        RetailEcommerce => ("retail-ecommerce", "Retail & e-commerce"),
        Travel => ("travel", "Travel & hospitality"),
        Technology => ("technology", "Technology"),
        PublicSector => ("public-sector", "Public sector"),
    }
}

keyed_enum! {
    /// Where agents sit relative to the clients they serve.
    Delivery {
        Onshore => ("onshore", "Onshore delivery"),
        Nearshore => ("nearshore", "Nearshore delivery"),
        Offshore => ("offshore", "Offshore delivery"),
        Hybrid => ("hybrid", "Hybrid delivery"),
    }
}

keyed_enum! {
    /// Share of seats working from home.
    WfhBand {
        None => ("0", "No home agents"),
        Few => ("1-25", "1–25% at home"),
        Half => ("26-75", "26–75% at home"),
        Most => ("76-100", "76–100% at home"),
    }
}

keyed_enum! {
    /// A dimension of the lattice; `all` is the whole industry.
    Dimension {
        All => ("all", "All organisations"),
        Size => ("size", "Seats"),
        Region => ("region", "HQ region"),
        Vertical => ("vertical", "Vertical served"),
        Delivery => ("delivery", "Delivery model"),
        Wfh => ("wfh", "Work from home"),
    }
}

/// A cell of the published lattice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CohortKey {
    All,
    Size(SeatBand),
    Region(Region),
    Vertical(Vertical),
    Delivery(Delivery),
    Wfh(WfhBand),
}

/// The text is not a cohort of the lattice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortParseError;

impl fmt::Display for CohortParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected `all` or a cohort such as `region:latam` (see GET /api/v1/cohorts)")
    }
}

impl std::error::Error for CohortParseError {}

impl CohortKey {
    /// Every cell of the lattice: `all` first, then each dimension in turn.
    pub fn lattice() -> impl Iterator<Item = CohortKey> {
        std::iter::once(CohortKey::All)
            .chain(SeatBand::ALL.iter().map(|&v| CohortKey::Size(v)))
            .chain(Region::ALL.iter().map(|&v| CohortKey::Region(v)))
            .chain(Vertical::ALL.iter().map(|&v| CohortKey::Vertical(v)))
            .chain(Delivery::ALL.iter().map(|&v| CohortKey::Delivery(v)))
            .chain(WfhBand::ALL.iter().map(|&v| CohortKey::Wfh(v)))
    }

    pub fn dimension(self) -> Dimension {
        match self {
            CohortKey::All => Dimension::All,
            CohortKey::Size(_) => Dimension::Size,
            CohortKey::Region(_) => Dimension::Region,
            CohortKey::Vertical(_) => Dimension::Vertical,
            CohortKey::Delivery(_) => Dimension::Delivery,
            CohortKey::Wfh(_) => Dimension::Wfh,
        }
    }

    /// Human-readable label, e.g. "Southeast Asia".
    pub fn label(self) -> &'static str {
        match self {
            CohortKey::All => Dimension::All.label(),
            CohortKey::Size(v) => v.label(),
            CohortKey::Region(v) => v.label(),
            CohortKey::Vertical(v) => v.label(),
            CohortKey::Delivery(v) => v.label(),
            CohortKey::Wfh(v) => v.label(),
        }
    }

    fn value_key(self) -> Option<&'static str> {
        match self {
            CohortKey::All => None,
            CohortKey::Size(v) => Some(v.key()),
            CohortKey::Region(v) => Some(v.key()),
            CohortKey::Vertical(v) => Some(v.key()),
            CohortKey::Delivery(v) => Some(v.key()),
            CohortKey::Wfh(v) => Some(v.key()),
        }
    }
}

impl fmt::Display for CohortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value_key() {
            None => f.write_str("all"),
            Some(value) => write!(f, "{}:{value}", self.dimension().key()),
        }
    }
}

impl FromStr for CohortKey {
    type Err = CohortParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "all" {
            return Ok(CohortKey::All);
        }
        let (dimension, value) = text.split_once(':').ok_or(CohortParseError)?;
        let key = match Dimension::from_key(dimension).ok_or(CohortParseError)? {
            Dimension::All => None,
            Dimension::Size => SeatBand::from_key(value).map(CohortKey::Size),
            Dimension::Region => Region::from_key(value).map(CohortKey::Region),
            Dimension::Vertical => Vertical::from_key(value).map(CohortKey::Vertical),
            Dimension::Delivery => Delivery::from_key(value).map(CohortKey::Delivery),
            Dimension::Wfh => WfhBand::from_key(value).map(CohortKey::Wfh),
        };
        key.ok_or(CohortParseError)
    }
}

impl Serialize for CohortKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CohortKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn lattice_has_all_plus_one_cell_per_attribute_value() {
        let cells: Vec<CohortKey> = CohortKey::lattice().collect();
        assert_eq!(cells.len(), 1 + 5 + 7 + 8 + 4 + 4);
        assert_eq!(cells[0], CohortKey::All);
        let unique: HashSet<String> = cells.iter().map(ToString::to_string).collect();
        assert_eq!(unique.len(), cells.len());
    }

    #[test]
    fn every_lattice_key_round_trips_through_text() {
        for cell in CohortKey::lattice() {
            assert_eq!(cell.to_string().parse::<CohortKey>(), Ok(cell));
        }
        assert_eq!(
            "size:1k-4.9k".parse(),
            Ok(CohortKey::Size(SeatBand::From1k))
        );
        assert_eq!("wfh:0".parse(), Ok(CohortKey::Wfh(WfhBand::None)));
    }

    #[test]
    fn keys_outside_the_lattice_are_refused() {
        for text in [
            "",
            "All",
            "all:",
            "size",
            "size:",
            "size:huge",
            "region:mars",
            "seats:lt250",
            "all:all",
            "region:latam,size:lt250",
        ] {
            assert_eq!(text.parse::<CohortKey>(), Err(CohortParseError), "{text:?}");
        }
    }

    #[test]
    fn attributes_serialize_as_their_keys() {
        assert_eq!(
            serde_json::to_string(&SeatBand::From20k).unwrap(),
            r#""20k+""#
        );
        assert_eq!(
            serde_json::from_str::<Vertical>(r#""retail-ecommerce""#).unwrap(),
            Vertical::RetailEcommerce
        );
        assert!(serde_json::from_str::<Region>(r#""antarctica""#).is_err());
        assert_eq!(
            serde_json::to_string(&CohortKey::Region(Region::Latam)).unwrap(),
            r#""region:latam""#
        );
    }
}
