//! Temporal config from environment variables: validate everything, substitute strictly, write atomically.
