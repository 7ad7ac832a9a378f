//! What a form keeps while it sends what was entered: whether a request is on its way (its
//! submit button is disabled meanwhile), the last failure, and the messages per field (the
//! server's, or the form's own checks before sending). Field messages go beside their inputs
//! ([`Form::field`]); a failure that names no field goes in a notice under the form
//! ([`FormFailure`]).

use std::collections::BTreeMap;
use std::future::Future;

use leptos::prelude::*;

use super::ErrorNotice;
use crate::api::ApiError;

#[derive(Debug, Clone, Copy)]
pub struct Form {
    busy: RwSignal<bool>,
    failure: RwSignal<Option<ApiError>>,
    fields: RwSignal<BTreeMap<String, String>>,
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

impl Form {
    pub fn new() -> Self {
        Self {
            busy: RwSignal::new(false),
            failure: RwSignal::new(None),
            fields: RwSignal::new(BTreeMap::new()),
        }
    }

    /// Whether a request is on its way (tracked).
    pub fn busy(self) -> bool {
        self.busy.get()
    }

    /// Sends `request` unless one is on its way. On success the failure is cleared and the
    /// answer handed to `done`; on failure it is kept for the form to show.
    pub fn send<T: 'static>(
        self,
        request: impl Future<Output = Result<T, ApiError>> + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            match request.await {
                Ok(answer) => {
                    self.failure.set(None);
                    self.fields.set(BTreeMap::new());
                    done(answer);
                }
                Err(failure) => {
                    self.fields.set(failure.fields());
                    self.failure.set(Some(failure));
                }
            }
            self.busy.set(false);
        });
    }

    /// The last failure (tracked).
    pub fn failure(self) -> Option<ApiError> {
        self.failure.get()
    }

    /// Shows the form's own messages per field, found before sending, as the server's would be.
    pub fn reject(self, fields: BTreeMap<String, String>) {
        self.failure.set(None);
        self.fields.set(fields);
    }

    /// Reads the messages per field (tracked).
    pub fn with_fields<R>(self, read: impl FnOnce(&BTreeMap<String, String>) -> R) -> R {
        self.fields.with(read)
    }

    /// The message for the field `name`, if there is one.
    pub fn field(self, name: impl Into<String>) -> Signal<Option<String>> {
        let name = name.into();
        Signal::derive(move || self.fields.with(|fields| fields.get(&name).cloned()))
    }
}

/// The form's last failure when it names no field (those are shown beside their inputs).
#[component]
pub fn FormFailure(form: Form) -> impl IntoView {
    move || {
        form.failure()
            .filter(|failure| failure.fields().is_empty())
            .map(|error| view! { <ErrorNotice error/> })
    }
}
