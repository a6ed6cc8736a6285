//! Rebuild (and so re-embed) when the front-end build output changes.
fn main() {
    println!("cargo:rerun-if-changed=../../web/dist");
    println!("cargo:rerun-if-changed=shell");
}
