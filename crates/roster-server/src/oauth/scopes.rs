//! Scope names, what they mean in words (for the consent page), which ones an integration
//! must have registered, and the check the People API makes.

use crate::error::ApiError;

/// OpenID Connect scopes: any integration may ask for them (Webex needs no registration).
pub const OIDC_SCOPES: &[&str] = &["openid", "email", "profile", "phone", "address"];

/// What reading people needs: any one of these.
pub const PEOPLE_READ: &[&str] = &["spark:people_read", "spark:all", "spark-admin:people_read"];
/// What creating, changing or deleting people needs (besides an admin role).
pub const PEOPLE_WRITE: &[&str] = &["spark-admin:people_write"];

/// The consent page's words for a scope.
pub fn describe(scope: &str) -> String {
    match scope {
        "openid" => "Know who you are (your Roster user id)".into(),
        "email" => "See your email address".into(),
        "profile" => "See your name".into(),
        "phone" => "See your phone numbers".into(),
        "address" => "See your address".into(),
        "spark:people_read" => "Read your company directory and your own profile".into(),
        "spark:people_write" => "Change your profile".into(),
        "spark:all" => "Act as you in everything Roster serves".into(),
        "spark-admin:people_read" => "Read every person of your organization (as an admin)".into(),
        "spark-admin:people_write" => {
            "Create, change and delete people of your organization (as an admin)".into()
        }
        other => format!("Use the permission '{other}'"),
    }
}

/// Whether a scope needs registering on the integration before it may be asked for.
pub fn needs_registration(scope: &str) -> bool {
    !OIDC_SCOPES.contains(&scope)
}

/// Whether every scope of `asked` is in `granted`.
pub fn covered(asked: &[String], granted: &[String]) -> bool {
    asked.iter().all(|scope| granted.contains(scope))
}

/// Refuses (403, naming what is missing) unless `scopes` is full access (`None`) or holds
/// one of `any_of`.
pub fn require(scopes: Option<&[String]>, any_of: &[&str]) -> Result<(), ApiError> {
    match scopes {
        None => Ok(()),
        Some(held) if held.iter().any(|s| any_of.contains(&s.as_str())) => Ok(()),
        Some(_) => Err(ApiError::forbidden(format!(
            "The access token lacks the scope this request needs: {}.",
            any_of.join(" or ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_access_or_one_named_scope_passes() {
        let read = vec!["spark:people_read".to_string()];
        assert!(require(None, PEOPLE_WRITE).is_ok());
        assert!(require(Some(&read), PEOPLE_READ).is_ok());
        let refused = require(Some(&read), PEOPLE_WRITE).unwrap_err();
        assert_eq!(refused.status, 403);
        assert!(refused.message.message.contains("spark-admin:people_write"));
        assert!(require(Some(&[]), PEOPLE_READ).is_err());
    }
}
