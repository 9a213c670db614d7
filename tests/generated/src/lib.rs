//! Generated async fns, compiled plain and annotated (see build.rs).
