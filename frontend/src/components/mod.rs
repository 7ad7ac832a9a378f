//! Pieces of the app shell and widgets shared by pages.

mod auth;
mod cohort_picker;
mod compliance;
mod downloads;
mod footer;
mod form;
mod header;
mod invitation_form;
mod link;
mod listing;
mod load;
mod release;
mod status;
mod what_if;

pub use auth::{RequireRole, provide_auth, use_auth};
pub use cohort_picker::CohortPicker;
pub use compliance::{ComplianceTable, met_summary};
pub use downloads::Downloads;
pub use footer::{DemoBanner, Footer, HealthResource};
pub use form::{Form, FormFailure};
pub use header::{Header, Unread, provide_unread};
pub use invitation_form::InvitationForm;
pub use link::{Bundle, Link, use_go, use_id_param};
pub use listing::listing;
pub use load::{Loaded, load, load_once};
pub use release::{Basics, NoReleaseYet, latest_released, load_basics, use_cohort};
pub use status::{ErrorNotice, FieldError, Loading};
pub use what_if::WhatIf;
