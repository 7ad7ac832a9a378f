//! The client side of the API contract: every response the tests receive through
//! [`crate::Fetch`] is checked against the server's OpenAPI document, as a generated client
//! would read it. The status must be one the operation documents, and the body must have the
//! documented content type and validate against the documented JSON schema (JSON Schema 2020-12,
//! by the `jsonschema` crate). A response that breaks the contract fails the test that got it.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::Value;

/// The document, read once from the same code that serves it.
static DOCUMENT: LazyLock<Value> = LazyLock::new(backend::http::openapi_document);

/// Validators by JSON pointer of the schema in the document.
static VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> =
    LazyLock::new(Mutex::default);

/// Checks a response of `METHOD path`; `Err` says how it breaks the contract.
pub fn check(
    method: &str,
    path: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), String> {
    if !path.starts_with("/api/") {
        return Ok(());
    }
    let what = format!("{method} {path} answered {status}");
    let Some((template, operation)) = operation(method, path) else {
        // No such route or method: the JSON error body of a 404 or 405.
        if !matches!(status, 404 | 405) {
            return Err(format!("{what} for a route the document does not describe"));
        }
        return json_body(&what, content_type, body, "#/components/schemas/ErrorBody");
    };
    let method = method.to_ascii_lowercase();
    let pointer = format!(
        "/paths/{}/{method}/responses/{status}",
        template.replace('~', "~0").replace('/', "~1")
    );
    let Some(response) = DOCUMENT.pointer(&pointer) else {
        return Err(format!(
            "{what}, a status the document does not list for this operation: {}",
            operation["responses"]
                .as_object()
                .map(|responses| responses.keys().cloned().collect::<Vec<_>>().join(", "))
                .unwrap_or_default()
        ));
    };
    match response.get("content") {
        None if body.is_empty() => Ok(()),
        None => Err(format!("{what} with a body where the document has none")),
        Some(content) if content.get("application/json").is_some() => json_body(
            &what,
            content_type,
            body,
            &format!("#{pointer}/content/application~1json/schema"),
        ),
        Some(content) => {
            let documented: Vec<&String> = content
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
                .collect();
            let sent = content_type.unwrap_or("");
            if documented
                .iter()
                .any(|kind| sent.starts_with(kind.as_str()))
            {
                Ok(())
            } else {
                Err(format!("{what} as `{sent}`, documented as {documented:?}"))
            }
        }
    }
}

/// The documented path template and operation for a request, preferring literal segments
/// (`/practices/mine` over `/practices/{id}`).
fn operation(method: &str, path: &str) -> Option<(&'static str, &'static Value)> {
    let method = method.to_ascii_lowercase();
    let segments: Vec<&str> = path.split('/').collect();
    DOCUMENT["paths"]
        .as_object()?
        .iter()
        .filter_map(|(template, item)| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') {
                    if segment.is_empty() {
                        return None;
                    }
                } else if part == segment {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, template.as_str(), item.get(&method)?))
        })
        .max_by_key(|(literal, ..)| *literal)
        .map(|(_, template, operation)| (template, operation))
}

fn json_body(
    what: &str,
    content_type: Option<&str>,
    body: &[u8],
    schema: &str,
) -> Result<(), String> {
    if !content_type.is_some_and(|kind| kind.starts_with("application/json")) {
        return Err(format!(
            "{what} as {content_type:?}, documented as application/json"
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| format!("{what} with a body that is not JSON: {error}"))?;
    let validator = validator(schema)?;
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|error| format!("{} at {}", error, error.instance_path))
        .take(5)
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{what} with a body that breaks its schema {schema}: {}",
            errors.join("; ")
        ))
    }
}

/// A validator for the schema at `reference` (`#/…`) in the document.
fn validator(reference: &str) -> Result<Arc<jsonschema::Validator>, String> {
    let mut validators = VALIDATORS.lock().expect("validators");
    if let Some(validator) = validators.get(reference) {
        return Ok(validator.clone());
    }
    // The document itself is the root resource, so that `#/components/…` resolves.
    let mut root = DOCUMENT.clone();
    // A URI fragment: the braces of path templates are percent-encoded.
    root["$ref"] = Value::String(reference.replace('{', "%7B").replace('}', "%7D"));
    let validator = jsonschema::draft202012::options()
        .build(&root)
        .map_err(|error| format!("the schema {reference} does not compile: {error}"))?;
    let validator = Arc::new(validator);
    validators.insert(reference.to_owned(), validator.clone());
    Ok(validator)
}

#[cfg(test)]
mod tests {
    use super::check;

    const JSON: Option<&str> = Some("application/json");

    #[test]
    fn conforming_responses_pass() {
        let health = br#"{"status":"ok","version":"0.1.0","demo":false}"#;
        assert_eq!(check("GET", "/api/v1/health", 200, JSON, health), Ok(()));
        let error = br#"{"error":{"code":"not_found","message":"no such practice"}}"#;
        assert_eq!(
            check("GET", "/api/v1/practices/7", 404, JSON, error),
            Ok(())
        );
        assert_eq!(check("GET", "/api/v1/nope", 404, JSON, error), Ok(()));
        assert_eq!(check("POST", "/api/v1/auth/logout", 204, None, b""), Ok(()));
        assert_eq!(
            check("GET", "/index.html", 200, Some("text/html"), b"<p>"),
            Ok(())
        );
    }

    #[test]
    fn breaches_are_named() {
        let health = br#"{"status":"ok","version":"0.1.0","demo":false}"#;
        // A status the operation does not document.
        let undocumented = check("GET", "/api/v1/health", 418, JSON, health).unwrap_err();
        assert!(undocumented.contains("does not list"), "{undocumented}");
        // A required field missing, a field of the wrong type.
        let missing = check("GET", "/api/v1/health", 200, JSON, br#"{"status":"ok"}"#);
        assert!(missing.unwrap_err().contains("breaks its schema"));
        let wrong = br#"{"status":"ok","version":"0.1.0","demo":"no"}"#;
        assert!(check("GET", "/api/v1/health", 200, JSON, wrong).is_err());
        // Another content type than documented.
        assert!(check("GET", "/api/v1/health", 200, Some("text/plain"), health).is_err());
        // An enum value the document does not know.
        let error = br#"{"error":{"code":"teapot","message":"x"}}"#;
        assert!(check("GET", "/api/v1/practices/7", 404, JSON, error).is_err());
        // A literal segment wins over a parameter: `mine` is not an id.
        let list = check("GET", "/api/v1/practices/mine", 200, JSON, b"{}").unwrap_err();
        assert!(list.contains("breaks its schema"), "{list}");
    }
}
