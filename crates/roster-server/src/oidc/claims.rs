//! Which claims about a person each scope releases, for the id_token and `/v1/userinfo`
//! alike (Webex's mapping, OpenID Connect Core §5.4): `openid` gives `sub`; `email` gives
//! `email` and `email_verified`; `profile` gives `name`, `given_name` and `family_name`;
//! `phone` gives `phone`; `address` gives `address`. A claim whose value the person lacks is
//! left out.
//!
//! Two choices of Roster's: `email_verified` is true unless the person's invitation is still
//! pending (they have not yet signed in to confirm the address); `phone` is the person's
//! primary phone number (else the first), under Webex's claim name rather than OpenID's
//! `phone_number`.

use roster_store::PersonRecord;
use serde::Serialize;

/// The OpenID Connect scopes among those a token or grant carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OidcScopes {
    pub openid: bool,
    pub email: bool,
    pub profile: bool,
    pub phone: bool,
    pub address: bool,
}

impl OidcScopes {
    /// Every scope: what a token without scopes (`roster token create`) may read.
    pub const ALL: OidcScopes = OidcScopes {
        openid: true,
        email: true,
        profile: true,
        phone: true,
        address: true,
    };

    /// The OpenID scopes among `scopes`; others (`spark:people_read`, ...) are ignored.
    pub fn of<S: AsRef<str>>(scopes: &[S]) -> OidcScopes {
        let has = |name: &str| scopes.iter().any(|s| s.as_ref() == name);
        OidcScopes {
            openid: has("openid"),
            email: has("email"),
            profile: has("profile"),
            phone: has("phone"),
            address: has("address"),
        }
    }
}

/// How `email_verified` is written: a JSON boolean in the id_token, the string `"true"` or
/// `"false"` from `/v1/userinfo`, as Webex sends each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailVerifiedAs {
    Boolean,
    String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum EmailVerified {
    Boolean(bool),
    String(&'static str),
}

/// The claims the scopes release, besides `sub` and the id_token's own.
#[derive(Debug, Clone, PartialEq, Serialize, Default, utoipa::ToSchema)]
pub struct ScopeClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<EmailVerified>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressClaim>,
}

/// OpenID Connect's address claim (Core §5.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AddressClaim {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl ScopeClaims {
    pub fn of(person: &PersonRecord, scopes: OidcScopes, verified_as: EmailVerifiedAs) -> Self {
        let mut claims = ScopeClaims::default();
        if scopes.email {
            if let Some(email) = person.emails.first() {
                claims.email = Some(email.clone());
                let verified = !person.invite_pending;
                claims.email_verified = Some(match verified_as {
                    EmailVerifiedAs::Boolean => EmailVerified::Boolean(verified),
                    EmailVerifiedAs::String => {
                        EmailVerified::String(if verified { "true" } else { "false" })
                    }
                });
            }
        }
        if scopes.profile {
            claims.name = Some(person.display_name.clone());
            claims.given_name = person.first_name.clone();
            claims.family_name = person.last_name.clone();
        }
        if scopes.phone {
            claims.phone = person
                .phone_numbers
                .iter()
                .find(|number| number.primary == Some(true))
                .or(person.phone_numbers.first())
                .map(|number| number.value.clone());
        }
        if scopes.address {
            claims.address = person.addresses.first().map(|address| AddressClaim {
                street_address: address.street_address.clone(),
                locality: address.locality.clone(),
                region: address.region.clone(),
                postal_code: address.postal_code.clone(),
                country: address.country.clone(),
            });
        }
        claims
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_openid_scopes_count() {
        let scopes = OidcScopes::of(&["openid", "spark:people_read", "email", "Profile"]);
        assert_eq!(
            scopes,
            OidcScopes {
                openid: true,
                email: true,
                ..OidcScopes::default()
            }
        );
        assert_eq!(OidcScopes::of::<&str>(&[]), OidcScopes::default());
    }
}
