//! PATCH (RFC 7644 §3.5.2) applied to a resource's JSON: the handler reads the resource,
//! applies the operations here in order, stops at the first error, and writes the result as
//! a PUT would. Nothing is written unless every operation applies.
//!
//! `op` is matched case-insensitively (Entra ID sends `Replace`); an operation without a
//! `path` takes an object of attributes (Okta's `{"op":"replace","value":{"active":false}}`).

use super::error::ScimError;
use roster_store::scim::filter::{parse_path, CompareOp, Filter, Literal, PatchPath};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The most operations one PATCH may carry.
const MAX_OPERATIONS: usize = 1000;

/// Applies a PatchOp body to `resource`. `schemas` are the resource's extension URNs, whose
/// attributes live in objects named by the URN.
pub fn apply(resource: &mut Value, body: &Value, schemas: &[&str]) -> Result<(), ScimError> {
    let body = body
        .as_object()
        .ok_or_else(|| ScimError::bad("invalidSyntax", "The body must be a JSON object."))?;
    let declared = body
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|s| s.as_str() == Some(PATCH_SCHEMA)));
    if !declared {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("'schemas' must be [\"{PATCH_SCHEMA}\"]."),
        ));
    }
    let operations = super::user::member(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::bad("invalidSyntax", "'Operations' must be an array."))?;
    if operations.len() > MAX_OPERATIONS {
        return Err(ScimError::bad(
            "tooMany",
            format!("A PATCH may carry at most {MAX_OPERATIONS} operations."),
        ));
    }
    let target = resource
        .as_object_mut()
        .ok_or_else(|| ScimError::bad("invalidSyntax", "The resource is not an object."))?;
    for (index, operation) in operations.iter().enumerate() {
        apply_one(target, operation, schemas).map_err(|e| {
            ScimError::new(
                e.status,
                e.scim_type,
                format!("Operation {}: {}", index + 1, e.detail),
            )
        })?;
    }
    Ok(())
}

fn apply_one(
    resource: &mut Map<String, Value>,
    operation: &Value,
    schemas: &[&str],
) -> Result<(), ScimError> {
    let operation = operation
        .as_object()
        .ok_or_else(|| ScimError::bad("invalidSyntax", "An operation must be an object."))?;
    let op = match super::user::member(operation, "op").and_then(Value::as_str) {
        Some(op) if op.eq_ignore_ascii_case("add") => Op::Add,
        Some(op) if op.eq_ignore_ascii_case("replace") => Op::Replace,
        Some(op) if op.eq_ignore_ascii_case("remove") => Op::Remove,
        _ => {
            return Err(ScimError::bad(
                "invalidSyntax",
                "'op' must be add, replace or remove.",
            ))
        }
    };
    let value = operation.get("value").cloned();
    let path = super::user::member(operation, "path").and_then(Value::as_str);
    match path {
        None => {
            if op == Op::Remove {
                return Err(ScimError::bad("noTarget", "A remove needs a 'path'."));
            }
            let Some(Value::Object(attributes)) = value else {
                return Err(ScimError::bad(
                    "invalidValue",
                    "Without a 'path', 'value' must be an object of attributes.",
                ));
            };
            for (name, value) in attributes {
                if let Some(urn) = schemas.iter().find(|s| s.eq_ignore_ascii_case(&name)) {
                    // A whole extension: its attributes one by one.
                    let Value::Object(inner) = value else {
                        return Err(ScimError::bad(
                            "invalidValue",
                            format!("'{name}' must be an object."),
                        ));
                    };
                    for (sub, value) in inner {
                        apply_path(resource, op, &format!("{urn}:{sub}"), Some(value), schemas)?;
                    }
                } else {
                    apply_path(resource, op, &name, Some(value), schemas)?;
                }
            }
            Ok(())
        }
        Some(path) => {
            if op != Op::Remove && value.is_none() {
                return Err(ScimError::bad("invalidValue", "'value' is required."));
            }
            apply_path(resource, op, path, value, schemas)
        }
    }
}

/// The object an attribute of `urn` lives in: the resource itself for the core schema.
fn container<'r>(
    resource: &'r mut Map<String, Value>,
    urn: Option<&str>,
    schemas: &[&str],
    create: bool,
) -> Result<Option<&'r mut Map<String, Value>>, ScimError> {
    let Some(urn) = urn else {
        return Ok(Some(resource));
    };
    if schemas
        .first()
        .is_some_and(|core| core.eq_ignore_ascii_case(urn))
    {
        return Ok(Some(resource));
    }
    let Some(name) = schemas.iter().find(|s| s.eq_ignore_ascii_case(urn)) else {
        return Err(ScimError::bad(
            "invalidPath",
            format!("Unknown schema '{urn}'."),
        ));
    };
    let key = key_of(resource, name).unwrap_or_else(|| name.to_string());
    if !resource.contains_key(&key) {
        if !create {
            return Ok(None);
        }
        resource.insert(key.clone(), Value::Object(Map::new()));
    }
    match resource.get_mut(&key) {
        Some(Value::Object(inner)) => Ok(Some(inner)),
        _ => Err(ScimError::bad(
            "invalidPath",
            format!("'{urn}' is not an object."),
        )),
    }
}

/// The key an attribute has in `object` (names compare case-insensitively).
fn key_of(object: &Map<String, Value>, name: &str) -> Option<String> {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

fn apply_path(
    resource: &mut Map<String, Value>,
    op: Op,
    path: &str,
    value: Option<Value>,
    schemas: &[&str],
) -> Result<(), ScimError> {
    let PatchPath {
        attr,
        filter,
        sub: after_filter,
    } = parse_path(path).map_err(|e| ScimError::bad("invalidPath", e.0))?;
    if ["id", "meta", "schemas", "groups"].contains(&attr.attr.as_str()) && attr.urn.is_none() {
        // Read-only: ignored, as in a PUT.
        return Ok(());
    }
    let Some(object) = container(resource, attr.urn.as_deref(), schemas, op != Op::Remove)? else {
        return Ok(());
    };
    let key = key_of(object, &attr.attr).unwrap_or_else(|| canonical_name(path, &attr.attr));
    match (filter, attr.sub) {
        (None, None) => {
            match op {
                Op::Remove => match (object.get_mut(&key), value) {
                    // `remove` with values on a multi-valued attribute: those values only
                    // (Entra ID removes group members this way).
                    (Some(Value::Array(items)), Some(Value::Array(gone))) => {
                        items.retain(|item| !gone.iter().any(|g| same_value(item, g)));
                    }
                    _ => {
                        object.remove(&key);
                    }
                },
                Op::Add | Op::Replace => {
                    let value = value.unwrap_or(Value::Null);
                    match (object.get_mut(&key), value) {
                        (Some(Value::Array(items)), Value::Array(new)) if op == Op::Add => {
                            for item in new {
                                if !items.iter().any(|i| same_value(i, &item)) {
                                    items.push(item);
                                }
                            }
                        }
                        (Some(Value::Object(fields)), Value::Object(new)) => {
                            merge(fields, new);
                        }
                        (_, value) => {
                            object.insert(key, value);
                        }
                    }
                }
            }
            Ok(())
        }
        (None, Some(sub)) => {
            let entry = object
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(fields) = entry else {
                return Err(ScimError::bad(
                    "invalidPath",
                    format!("'{}' has no sub-attributes.", attr.attr),
                ));
            };
            let sub_key = key_of(fields, &sub).unwrap_or_else(|| canonical_name(path, &sub));
            match op {
                Op::Remove => {
                    fields.remove(&sub_key);
                }
                _ => {
                    fields.insert(sub_key, value.unwrap_or(Value::Null));
                }
            }
            Ok(())
        }
        (Some(filter), _) => {
            let sub = after_filter;
            let Some(Value::Array(items)) = object.get_mut(&key) else {
                return Err(ScimError::bad(
                    "noTarget",
                    format!("No value matches '{path}'."),
                ));
            };
            let mut matched = 0;
            let mut index = 0;
            while index < items.len() {
                if !matches(&items[index], &filter) {
                    index += 1;
                    continue;
                }
                matched += 1;
                match (op, &sub) {
                    (Op::Remove, None) => {
                        items.remove(index);
                        continue;
                    }
                    (Op::Remove, Some(sub)) => {
                        if let Value::Object(fields) = &mut items[index] {
                            if let Some(k) = key_of(fields, sub) {
                                fields.remove(&k);
                            }
                        }
                    }
                    (_, Some(sub)) => {
                        if let Value::Object(fields) = &mut items[index] {
                            let k =
                                key_of(fields, sub).unwrap_or_else(|| canonical_name(path, sub));
                            fields.insert(k, value.clone().unwrap_or(Value::Null));
                        }
                    }
                    (_, None) => match (&mut items[index], value.clone()) {
                        (Value::Object(fields), Some(Value::Object(new))) => merge(fields, new),
                        (item, Some(new)) => *item = new,
                        (_, None) => {}
                    },
                }
                index += 1;
            }
            if matched == 0 {
                return Err(ScimError::bad(
                    "noTarget",
                    format!("No value matches '{path}'."),
                ));
            }
            Ok(())
        }
    }
}

/// The spelling of a new attribute: as the client wrote it in the path.
fn canonical_name(path: &str, lowered: &str) -> String {
    let name = path.rsplit(':').next().unwrap_or(path);
    name.split(['.', '['])
        .find(|part| part.eq_ignore_ascii_case(lowered))
        .unwrap_or(lowered)
        .to_string()
}

fn merge(fields: &mut Map<String, Value>, new: Map<String, Value>) {
    for (name, value) in new {
        let key = key_of(fields, &name).unwrap_or(name);
        fields.insert(key, value);
    }
}

/// Whether two values of a multi-valued attribute are the same value: their `value`
/// members when both have one, else the whole values.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(x), Some(y)) => text_eq(x, y),
        _ => a == b,
    }
}

fn text_eq(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

/// Whether one value of a multi-valued attribute matches a value filter. This runs over
/// the values of the one resource being patched, never over the directory.
pub fn matches(item: &Value, filter: &Filter) -> bool {
    match filter {
        Filter::And(a, b) => matches(item, a) && matches(item, b),
        Filter::Or(a, b) => matches(item, a) || matches(item, b),
        Filter::Not(inner) => !matches(item, inner),
        Filter::Present(path) => field(item, &path.attr).is_some_and(|v| !v.is_null()),
        Filter::Compare(path, op, literal) => {
            let Some(found) = field(item, &path.attr) else {
                return false;
            };
            compare(found, *op, literal)
        }
        Filter::ValuePath(..) => false,
    }
}

fn field<'v>(item: &'v Value, name: &str) -> Option<&'v Value> {
    match item {
        Value::Object(fields) => super::user::member(fields, name),
        // A bare value stands for its `value` sub-attribute.
        other if name == "value" => Some(other),
        _ => None,
    }
}

fn compare(found: &Value, op: CompareOp, literal: &Literal) -> bool {
    match (found, literal) {
        (Value::String(found), Literal::String(wanted)) => {
            let (f, w) = (found.to_lowercase(), wanted.to_lowercase());
            match op {
                CompareOp::Eq => f == w,
                CompareOp::Ne => f != w,
                CompareOp::Co => f.contains(&w),
                CompareOp::Sw => f.starts_with(&w),
                CompareOp::Ew => f.ends_with(&w),
                CompareOp::Gt => f > w,
                CompareOp::Ge => f >= w,
                CompareOp::Lt => f < w,
                CompareOp::Le => f <= w,
            }
        }
        (Value::Bool(found), Literal::Bool(wanted)) => match op {
            CompareOp::Eq => found == wanted,
            CompareOp::Ne => found != wanted,
            _ => false,
        },
        (Value::Number(found), Literal::Number(wanted)) => {
            let found = found.as_f64().unwrap_or(f64::NAN);
            match op {
                CompareOp::Eq => found == *wanted,
                CompareOp::Ne => found != *wanted,
                CompareOp::Gt => found > *wanted,
                CompareOp::Ge => found >= *wanted,
                CompareOp::Lt => found < *wanted,
                CompareOp::Le => found <= *wanted,
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMAS: [&str; 2] = [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ];

    fn patch(resource: Value, operations: Value) -> Result<Value, ScimError> {
        let mut resource = resource;
        apply(
            &mut resource,
            &json!({"schemas": [PATCH_SCHEMA], "Operations": operations}),
            &SCHEMAS,
        )?;
        Ok(resource)
    }

    #[test]
    fn okta_deactivation_without_a_path_and_entra_capitalised_replace() {
        let user = json!({"userName": "a@b.c", "active": true});
        let out = patch(
            user.clone(),
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .unwrap();
        assert_eq!(out["active"], false);
        let out = patch(
            user,
            json!([{"op": "Replace", "path": "active", "value": false}]),
        )
        .unwrap();
        assert_eq!(out["active"], false);
    }

    #[test]
    fn value_paths_select_values_and_no_match_is_no_target() {
        let user = json!({"emails": [{"type": "work", "value": "a@b.c"}, {"type": "home", "value": "h@b.c"}],
                          "addresses": [{"type": "work", "locality": "X"}]});
        let out = patch(
            user.clone(),
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "n@b.c"},
                   {"op": "add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main"}]),
        )
        .unwrap();
        assert_eq!(out["emails"][0]["value"], "n@b.c");
        assert_eq!(out["emails"][1]["value"], "h@b.c");
        assert_eq!(out["addresses"][0]["streetAddress"], "1 Main");
        let error = patch(
            user.clone(),
            json!([{"op": "replace", "path": "emails[type eq \"fax\"].value", "value": "x"}]),
        )
        .unwrap_err();
        assert_eq!(error.scim_type, Some("noTarget"));
        let out = patch(
            user,
            json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
        )
        .unwrap();
        assert_eq!(out["emails"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn operations_apply_in_order_and_stop_at_the_first_error() {
        let user = json!({"title": "a"});
        let out = patch(
            user.clone(),
            json!([{"op": "add", "path": "title", "value": "b"}, {"op": "replace", "path": "title", "value": "c"}]),
        )
        .unwrap();
        assert_eq!(out["title"], "c");
        let error = patch(
            user,
            json!([{"op": "replace", "path": "title", "value": "b"}, {"op": "remove"}, {"op": "bogus"}]),
        )
        .unwrap_err();
        assert_eq!(error.scim_type, Some("noTarget"));
        assert!(error.detail.starts_with("Operation 2"), "{}", error.detail);
        let error = patch(json!({}), json!([{"op": "add", "path": "a[", "value": 1}])).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidPath"));
    }

    #[test]
    fn multi_valued_add_appends_and_remove_with_values_removes_those() {
        let group = json!({"members": [{"value": "1"}]});
        let out = patch(
            group,
            json!([{"op": "Add", "path": "members", "value": [{"value": "2", "$ref": null}, {"value": "1"}]},
                   {"op": "Remove", "path": "members", "value": [{"value": "1"}]}]),
        )
        .unwrap();
        assert_eq!(out["members"], json!([{"value": "2", "$ref": null}]));
        let out = patch(
            out,
            json!([{"op": "remove", "path": "members[value eq \"2\"]"}]),
        )
        .unwrap();
        assert_eq!(out["members"], json!([]));
    }

    #[test]
    fn extension_attributes_by_urn_with_and_without_a_path() {
        let user = json!({});
        let out = patch(
            user,
            json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "R&D"},
                   {"op": "replace", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"costCenter": "7"}, "name.givenName": "Ada"}}]),
        )
        .unwrap();
        let enterprise = &out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
        assert_eq!(enterprise["department"], "R&D");
        assert_eq!(enterprise["costCenter"], "7");
        assert_eq!(out["name"]["givenName"], "Ada");
    }
}
