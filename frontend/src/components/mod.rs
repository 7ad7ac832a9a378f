//! Pieces of the app shell and widgets shared by pages.

mod footer;
mod header;
mod status;

pub use footer::Footer;
pub use header::Header;
pub use status::{ErrorNotice, Loading};
