//! The wire of the Webex People API as Roster serves it.
//!
//! Everything here is plain data plus serde: the [`Person`] a client receives, the
//! [`ErrorBody`] every failure carries, the query types, and the [`id`] codec that turns
//! internal identifiers into the base64 ids Webex clients expect, and the [`control`] API's
//! shapes. No I/O lives here, so the
//! server, the typed client and the CLI share one definition and cannot drift apart.

pub mod control;
pub mod error;
pub mod id;
pub mod person;
pub mod time;

pub use error::{ErrorBody, ErrorItem};
pub use id::{GlobalId, IdError, IdKind};
pub use person::{
    Address, Person, PersonInput, PersonList, PersonType, PhoneNumber, PhoneNumberType,
    PresenceStatus, SipAddress, SipAddressType,
};

/// The content type of every JSON body Roster sends, exactly as Webex sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// The header that carries a request's tracking id in both directions.
pub const TRACKING_ID_HEADER: &str = "TrackingID";
