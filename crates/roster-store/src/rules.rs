//! The rules for a person's fields, whichever way the person comes in: a POST or PUT body
//! (`roster-server`), a row of `roster import`, the flags of `roster person add`. Keeping
//! them here, below the HTTP layer, means a person stored by any of these can always be sent
//! back unchanged in a PUT.
//!
//! Each check answers with what is wrong (`"contains control characters"`), not with a
//! finished message: the caller names the field in its own terms (`'firstName'`,
//! `--first-name`, a line number).

/// The longest string any field may hold, in characters.
pub const MAX_FIELD_CHARS: usize = 1024;
/// ... and in bytes of UTF-8: a name must fit in a database index entry (PostgreSQL's
/// B-tree entries hold about 2.7 KB), whatever script it is written in.
pub const MAX_FIELD_BYTES: usize = 2048;
/// The most entries any list field may hold.
pub const MAX_LIST_ENTRIES: usize = 100;
/// RFC 5321's limit on an address.
pub const MAX_EMAIL_CHARS: usize = 254;

/// What makes `value` unfit for a text field, if anything.
pub fn text_problem(value: &str) -> Option<String> {
    if value.chars().count() > MAX_FIELD_CHARS || value.len() > MAX_FIELD_BYTES {
        return Some(format!(
            "is longer than {MAX_FIELD_CHARS} characters ({MAX_FIELD_BYTES} bytes)"
        ));
    }
    if value.chars().any(|c| c.is_control()) {
        return Some("contains control characters".to_string());
    }
    None
}

/// What makes a list of `len` entries too long for a list field, if anything.
pub fn list_problem(len: usize) -> Option<String> {
    (len > MAX_LIST_ENTRIES).then(|| format!("has more than {MAX_LIST_ENTRIES} entries"))
}

/// A deliberately simple check: one '@', something on both sides, a dot in the domain,
/// no spaces. Real deliverability is not ours to judge.
pub fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The display name of someone given none: their first and last name, as Webex shows them.
/// `None` when neither is given; what happens then is the caller's rule (the API and
/// `roster import` refuse the person, `roster person add` uses the email address).
pub fn derived_display_name(first_name: Option<&str>, last_name: Option<&str>) -> Option<String> {
    let name = [first_name, last_name]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_bounded_in_characters_and_bytes_and_free_of_control_characters() {
        assert_eq!(text_problem("Zoë O'Brien"), None);
        assert_eq!(text_problem(&"a".repeat(MAX_FIELD_CHARS)), None);
        assert!(text_problem(&"a".repeat(MAX_FIELD_CHARS + 1)).is_some());
        // 700 characters of three bytes each: within the characters, beyond the bytes.
        assert!(text_problem(&"語".repeat(700)).is_some());
        assert_eq!(
            text_problem("tab\there").as_deref(),
            Some("contains control characters")
        );
    }

    #[test]
    fn lists_hold_at_most_the_limit() {
        assert_eq!(list_problem(MAX_LIST_ENTRIES), None);
        assert_eq!(
            list_problem(MAX_LIST_ENTRIES + 1).as_deref(),
            Some("has more than 100 entries")
        );
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        for good in [
            "a@b.c",
            "john.andersen@example.com",
            "x+tag@sub.example.org",
        ] {
            assert!(is_valid_email(good), "{good}");
        }
        let too_long = format!("{}@example.com", "a".repeat(MAX_EMAIL_CHARS));
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@.b.c",
            "a@b.c.",
            "a@b@c.d",
            "a b@c.d",
            "a@b.c\n",
            too_long.as_str(),
        ] {
            assert!(!is_valid_email(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_display_name_is_derived_from_the_names_given() {
        assert_eq!(
            derived_display_name(Some("John"), Some("Andersen")).as_deref(),
            Some("John Andersen")
        );
        assert_eq!(
            derived_display_name(Some("John"), None).as_deref(),
            Some("John")
        );
        assert_eq!(
            derived_display_name(Some(" "), Some(" Andersen ")).as_deref(),
            Some("Andersen")
        );
        assert_eq!(derived_display_name(None, Some("")), None);
        assert_eq!(derived_display_name(None, None), None);
    }
}
