//! OpenAPI schemas of the types whose JSON form serde does not derive (only with the `openapi`
//! feature, which the server enables and the WebAssembly bundles do not).

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::cohort::CohortKey;
use crate::period::Period;
use crate::submission::SubmittedValue;

impl PartialSchema for Period {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .pattern(Some("^[0-9]{4}-Q[1-4]$"))
            .description(Some("A calendar quarter, e.g. 2026-Q3"))
            .into()
    }
}

impl ToSchema for Period {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Period")
    }
}

impl PartialSchema for CohortKey {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(CohortKey::lattice().map(|key| key.to_string())))
            .description(Some(
                "A cohort of the lattice: all, or one dimension's value",
            ))
            .into()
    }
}

impl ToSchema for CohortKey {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CohortKey")
    }
}

impl PartialSchema for SubmittedValue {
    fn schema() -> RefOr<Schema> {
        // Anything else is accepted too and refused per metric with 422, naming the metric.
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(SchemaType::Type(Type::Number)))
            .item(ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
            .into()
    }
}

impl ToSchema for SubmittedValue {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("SubmittedValue")
    }
}
