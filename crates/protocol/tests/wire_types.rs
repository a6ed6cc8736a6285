//! The web app's wire types (`web/src/lib/wire.ts`) are generated from this crate's Rust types.
//! This test fails when the committed file is not what the Rust types say; `make wire-types`
//! (`UPDATE_WIRE_TYPES=1` for this test) rewrites it.

use std::path::Path;

#[test]
fn the_web_apps_wire_types_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/src/lib/wire.ts");
    let expected = chatbot_protocol::typescript::wire_types();
    if std::env::var_os("UPDATE_WIRE_TYPES").is_some() {
        if let Err(err) = std::fs::write(&path, &expected) {
            panic!("cannot write {}: {err}", path.display());
        }
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "web/src/lib/wire.ts is stale: the Rust types of crates/protocol changed. Run `make wire-types` \
         and commit the result."
    );
}
